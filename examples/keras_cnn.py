"""The talk's Keras CNN on MNIST (98.79% on the slides), and the workshop's variant.

conv 32 3×3 relu → conv 32 3×3 relu + max-pool 2×2/2 → conv 16 3×3 relu + max-pool 2×2/2 →
dense 32 relu → dense 16 relu → dense 10 softmax; SGD 5e-2, batch 430, 25 epochs. As on the
talk's slide, convolutions and pools use padding="same" (28×28 → 14×14 → 7×7);
`--padding valid` gives the TF 1.x version's sizes (26 → 24 → 12 → 10 → 5).
`--batchnorm` adds BatchNormalization before each convolution block and `--dropout 0.5`
Dropout in the dense part (the workshop's exercises).
Run: python examples/keras_cnn.py [--epochs 25] [--batchnorm] [--dropout 0.5]
Reached (README): 98.42-98.83% test after 25 epochs over three seeds (real Keras 3 on the same
data: 98.51-98.68%); `benchmarks/keras_cnn_seeds.py` trains it in either framework.
"""
import argparse
import time

import numpy as np

from tenseur import keras
from tenseur.contrib.learn.python.learn import datasets


def build_model(height, width, n_classes, batchnorm=False, dropout=0.0, padding="same",
                keras=keras):
    """The model; `keras` may be real Keras too (benchmarks/keras_cnn_seeds.py)."""
    BatchNormalization, Conv2D, Dense, Dropout, Flatten, Input, MaxPooling2D = (
        getattr(keras.layers, name) for name in ("BatchNormalization", "Conv2D", "Dense",
                                                 "Dropout", "Flatten", "Input", "MaxPooling2D"))
    inputs = Input(shape=(height, width, 1))
    x = inputs
    for filters, pool in ((32, False), (32, True), (16, True)):
        if batchnorm:
            x = BatchNormalization()(x)
        x = Conv2D(filters, (3, 3), padding=padding, activation="relu")(x)
        if pool:
            x = MaxPooling2D(pool_size=(2, 2), strides=(2, 2), padding=padding)(x)
    x = Flatten()(x)
    for units in (32, 16):
        x = Dense(units, activation="relu")(x)
        if dropout:
            x = Dropout(dropout)(x)
    outputs = Dense(n_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs)


def main(epochs=25, batch_size=430, learning_rate=5e-2, batchnorm=False, dropout=0.0,
         data_dir=None, verbose=1, seed=0, limit=None, padding="same"):
    keras.backend.clear_session()
    np.random.seed(seed)
    import tenseur as tf
    tf.set_random_seed(seed)
    height, width, n_classes = 28, 28, 10
    mnist = datasets.mnist.read_data_sets(data_dir, one_hot=True)
    x_train = np.reshape(mnist.train.images, (-1, height, width, 1))[:limit]
    y_train = mnist.train.labels[:limit]
    x_val = np.reshape(mnist.validation.images, (-1, height, width, 1))
    x_test = np.reshape(mnist.test.images, (-1, height, width, 1))
    model = build_model(height, width, n_classes, batchnorm, dropout, padding)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate),
                  loss="categorical_crossentropy", metrics=["accuracy"])
    if verbose:
        model.summary()
    start = time.perf_counter()
    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=verbose,
                        validation_data=(x_val, mnist.validation.labels))
    minutes = (time.perf_counter() - start) / 60
    loss, accuracy = model.evaluate(x_test, mnist.test.labels, batch_size=1000, verbose=0)
    print("test accuracy: {:.4f} after {} epochs in {:.1f} min".format(accuracy, epochs, minutes))
    return accuracy, history


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--batchnorm", action="store_true")
    parser.add_argument("--dropout", type=float, default=0.0)
    parser.add_argument("--limit", type=int, default=None, help="train on the first N images")
    parser.add_argument("--data", default=None)
    parser.add_argument("--verbose", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--padding", choices=("same", "valid"), default="same")
    args = parser.parse_args()
    main(args.epochs, batchnorm=args.batchnorm, dropout=args.dropout, data_dir=args.data,
         verbose=args.verbose, seed=args.seed, limit=args.limit, padding=args.padding)
