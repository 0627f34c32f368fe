"""An LSTM reading MNIST digits row by row: each image is a sequence of 28 time steps of 28
pixels, LSTM(64) then Dense(10, softmax); Adam 1e-3, batch 128. The slides present Keras as
supporting "convolutional networks and recurrent networks"; this is the classic recurrent
example on the same data.

Run: python examples/keras_lstm_mnist.py [--epochs 2] [--units 64] [--seed 0]
Reached (README): 95.4% test after 2 epochs, 0.3 min on 2 cores (10 s/epoch; real Keras 3 with
the same code: 94.4%, 0.6 min, 12 s/epoch).
"""
import argparse
import time

import numpy as np

from tenseur import keras
from tenseur.contrib.learn.python.learn import datasets


def build_model(units=64, keras=keras):
    """The model; `keras` may be real Keras too (same code)."""
    inputs = keras.Input(shape=(28, 28))
    x = keras.layers.LSTM(units)(inputs)
    outputs = keras.layers.Dense(10, activation="softmax")(x)
    return keras.Model(inputs, outputs)


def main(epochs=2, units=64, batch_size=128, data_dir=None, seed=0, verbose=1):
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)          # weights, shuffling: the same run every time
    mnist = datasets.mnist.read_data_sets(data_dir, one_hot=True)
    rows = lambda images: images.reshape(-1, 28, 28)    # noqa: E731
    model = build_model(units)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(rows(mnist.train.images), mnist.train.labels, batch_size=batch_size,
              epochs=epochs, verbose=verbose,
              validation_data=(rows(mnist.validation.images), mnist.validation.labels))
    minutes = (time.perf_counter() - start) / 60
    predictions = model.predict(rows(mnist.test.images), batch_size=1000, verbose=0)
    accuracy = float(np.mean(predictions.argmax(1) == mnist.test.labels.argmax(1)))
    print(f"test accuracy: {accuracy:.4f} after {epochs} epochs in {minutes:.1f} min")
    return accuracy


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--units", type=int, default=64)
    parser.add_argument("--data", default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    main(args.epochs, args.units, data_dir=args.data, seed=args.seed)
