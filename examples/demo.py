"""`make demo`: tenseur's main job on a fresh machine.

Trains the slides' convolutional network on MNIST with Keras' progress bar and writes
TensorBoard logs (view them with `tenseur board logs/demo`). MNIST is read from
$TENSEUR_DATA_DIR/mnist (the Makefile points it at ../shared/data).
Run: python examples/demo.py [--epochs 2] [--logdir logs/demo]
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras_cnn  # noqa: E402
import tenseur as tf  # noqa: E402
from tenseur import keras  # noqa: E402
from tenseur.data import mnist as mnist_data  # noqa: E402


def main(epochs=2, logdir="logs/demo", batch_size=430):
    print("tenseur demo: the slides' CNN (conv 32 → conv 32 + pool → conv 16 + pool → dense 32 → "
          "dense 16 → softmax), SGD 5e-2, batch 430, on MNIST")
    keras.backend.clear_session()
    np.random.seed(0)
    tf.set_random_seed(0)        # the same initial weights, batches and result on every run
    data = mnist_data.read_data_sets(None, one_hot=True, reshape=False, seed=0)
    model = keras_cnn.build_model(28, 28, 10)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=5e-2),
                  loss="categorical_crossentropy", metrics=["accuracy"])
    model.summary()
    callbacks = []
    try:
        callbacks.append(keras.callbacks.TensorBoard(logdir))
    except ImportError as exc:       # the `board` extra is missing: train without logs
        print(f"(no TensorBoard logs: {exc})")
    start = time.perf_counter()
    model.fit(data.train.images, data.train.labels, batch_size=batch_size, epochs=epochs,
              validation_data=(data.validation.images, data.validation.labels),
              callbacks=callbacks, verbose=1)
    loss, accuracy = model.evaluate(data.test.images, data.test.labels, batch_size=1000, verbose=0)
    print(f"test accuracy: {accuracy:.4f} after {epochs} epochs "
          f"({(time.perf_counter() - start) / 60:.1f} min)")
    if callbacks:
        print(f"TensorBoard logs in {logdir}: run `.venv/bin/tenseur board {logdir}`")
    return accuracy


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=int(os.environ.get("DEMO_EPOCHS", 2)))
    parser.add_argument("--logdir", default="logs/demo")
    args = parser.parse_args()
    main(args.epochs, args.logdir)
