"""examples/keras_mlp.py trained by tenseur or by real Keras 3, one seed, accuracy per epoch.

The same program in both frameworks: 784-64-32-16-10, sigmoid hidden layers (each followed
by Dropout(rate) when rate > 0), softmax output, SGD(learning_rate=5e-2), batch 128,
categorical cross-entropy, `fit(..., validation_data=...)` with Keras' default shuffling.
The same data in both: the MNIST files read by tenseur's loader (pixels * float32(1/255),
the first 5,000 training images for validation, the other 55,000 for training, the 10,000
test images for the test), so a gap between the two is the framework's, not the split's.

Writes one line per epoch to --log: epoch, loss, accuracy, val_loss, val_accuracy,
test accuracy (`predict` on the test set, argmax against the labels).

Run (one at a time: each run takes a core for minutes):
    OPENBLAS_NUM_THREADS=1 TENSEUR_DATA_DIR=/work/shared/data \
        .venv/bin/python benchmarks/keras_mlp_seeds.py --framework tenseur --seed 0 \
        --log /tmp/parity/tenseur_seed0.tsv
    PYTHONPATH=. .venv-bench/bin/python benchmarks/keras_mlp_seeds.py --framework keras ...
(the Keras run imports tenseur only for its MNIST loader, which needs nothing but NumPy).
"""
import argparse
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))


def load_mnist(data_dir=None):
    """(x_train, y_train), (x_val, y_val), (x_test, y_test): float32 pixels, one-hot labels."""
    from tenseur.data.mnist import read_data_sets
    mnist = read_data_sets(data_dir, one_hot=True)
    return [(s.images.astype(np.float32), s.labels.astype(np.float32))
            for s in (mnist.train, mnist.validation, mnist.test)]


COLUMNS = "epoch\tloss\taccuracy\tval_loss\tval_accuracy\ttest_accuracy\tseconds\n"


def epoch_logger(keras, model, log, x_test, y_test, batch_size, start):
    """A callback writing one COLUMNS line per epoch to the open file `log`: Keras' logs, the
    test accuracy, seconds since `start`."""
    labels_test = np.argmax(y_test, 1)

    def on_epoch_end(epoch, logs):
        pred = model.predict(x_test, batch_size=batch_size, verbose=0)
        test = float(np.mean(np.argmax(pred, 1) == labels_test))
        log.write(f"{epoch + 1}\t{logs['loss']:.5f}\t{logs['accuracy']:.5f}\t"
                  f"{logs['val_loss']:.5f}\t{logs['val_accuracy']:.5f}\t{test:.4f}\t"
                  f"{time.perf_counter() - start:.0f}\n")
        log.flush()
    return keras.callbacks.LambdaCallback(on_epoch_end=on_epoch_end)


def build(keras, dropout, hidden=(64, 32, 16), n_classes=10):
    layers = keras.layers
    inputs = keras.Input(shape=(784,))
    x = inputs
    for size in hidden:
        x = layers.Dense(size, activation="sigmoid")(x)
        if dropout:
            x = layers.Dropout(rate=dropout)(x)
    outputs = layers.Dense(n_classes, activation="softmax")(x)
    return keras.Model(inputs=inputs, outputs=outputs)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--framework", choices=("tenseur", "keras"), required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--dropout", type=float, default=0.5)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=5e-2)
    parser.add_argument("--data", default=None)
    parser.add_argument("--log", required=True)
    parser.add_argument("--order", choices=("fit", "fixed", "each-epoch"), default="fit",
                        help="fit: fit's own shuffle=True; fixed: one NumPy permutation used "
                             "every epoch (what real Keras 3 on TensorFlow does once "
                             "keras.utils.set_random_seed is called); each-epoch: a new NumPy "
                             "permutation every epoch, fed with shuffle=False")
    parser.add_argument("--save-init", help="write the initial weights to this .npz")
    parser.add_argument("--init", help="start from the weights of this .npz (e.g. the other "
                        "framework's draw for the same seed) instead of this run's own draw; "
                        "the dropout masks and batch order stay this seed's")
    args = parser.parse_args()

    (x, y), (x_val, y_val), (x_test, y_test) = load_mnist(args.data)
    if args.framework == "tenseur":
        import tenseur as tf
        from tenseur import keras
        keras.backend.clear_session()
        np.random.seed(args.seed)
        tf.set_random_seed(args.seed)
        version = "tenseur"
    else:
        os.environ.setdefault("KERAS_BACKEND", "tensorflow")
        import keras
        keras.utils.set_random_seed(args.seed)
        version = f"keras {keras.__version__} ({keras.backend.backend()})"
    model = build(keras, args.dropout)
    if args.save_init:
        np.savez(args.save_init, *model.get_weights())
    if args.init:
        saved = np.load(args.init)
        model.set_weights([saved[f"arr_{i}"] for i in range(len(saved.files))])
    if args.epochs == 0:
        return
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=args.learning_rate),
                  loss="categorical_crossentropy", metrics=["accuracy"])
    labels_test = np.argmax(y_test, 1)
    log = open(args.log, "w", buffering=1)
    log.write(f"# {version} seed={args.seed} dropout={args.dropout} epochs={args.epochs} "
              f"order={args.order} init={args.init or 'own draw'}\n")
    log.write(COLUMNS)
    start = time.perf_counter()
    callbacks = [epoch_logger(keras, model, log, x_test, y_test, args.batch_size, start)]
    if args.order == "fit":
        model.fit(x, y, batch_size=args.batch_size, epochs=args.epochs, verbose=0,
                  validation_data=(x_val, y_val), callbacks=callbacks)
    else:
        rng = np.random.RandomState(args.seed)
        order = rng.permutation(len(x))
        for epoch in range(args.epochs):
            if args.order == "each-epoch" and epoch:
                order = rng.permutation(len(x))
            model.fit(x[order], y[order], batch_size=args.batch_size, epochs=epoch + 1,
                      initial_epoch=epoch, shuffle=False, verbose=0,
                      validation_data=(x_val, y_val), callbacks=callbacks)
    pred = model.predict(x_test, batch_size=args.batch_size, verbose=0)
    test = float(np.mean(np.argmax(pred, 1) == labels_test))
    log.write(f"# test accuracy {test:.4f} after {args.epochs} epochs, "
              f"{(time.perf_counter() - start) / 60:.1f} min\n")
    # Per class: this net tends to separate the digits a few at a time, by sudden jumps.
    recall = [float(np.mean(np.argmax(pred[labels_test == c], 1) == c)) for c in range(10)]
    log.write("# test accuracy per digit: " + " ".join(f"{r:.3f}" for r in recall) + "\n")
    print(f"{version} seed {args.seed}: test accuracy {test:.4f}")


if __name__ == "__main__":
    main()
