"""examples/keras_cnn.py (the talk's CNN) trained by tenseur or by real Keras 3, accuracy per
epoch, to compare the two frameworks' spread over seeds on the same data.

The same model in both (`examples/keras_cnn.build_model`: conv 32, conv 32 + pool, conv 16 +
pool, dense 32, 16, 10; ReLU, softmax; padding "same" unless --padding valid), SGD 5e-2,
batch 430, categorical cross-entropy, `fit(..., validation_data=...)` with fit's shuffling.
The same data: tenseur's MNIST loader (55,000 training, 5,000 validation, 10,000 test images).
Real Keras is not seeded (keras.utils.set_random_seed makes TensorFlow's fit repeat one batch
order every epoch): each run is one draw of its initial weights and batch orders.

Writes one line per epoch to --log: epoch, loss, accuracy, val_loss, val_accuracy, test
accuracy, seconds.
Run: TENSEUR_DATA_DIR=/work/shared/data .venv/bin/python benchmarks/keras_cnn_seeds.py \\
         --framework tenseur --seed 0 --log /tmp/cnn/tenseur0.tsv
     PYTHONPATH=. .venv-bench/bin/python benchmarks/keras_cnn_seeds.py --framework keras ...
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from keras_mlp_seeds import COLUMNS, epoch_logger, load_mnist  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--framework", choices=("tenseur", "keras"), required=True)
    parser.add_argument("--seed", type=int, default=0, help="tenseur's seed (Keras: unseeded)")
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--padding", choices=("same", "valid"), default="same")
    parser.add_argument("--data", default=None)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()

    (x, y), (x_val, y_val), (x_test, y_test) = [
        (images.reshape(-1, 28, 28, 1), labels) for images, labels in load_mnist(args.data)]
    if args.framework == "tenseur":
        import tenseur as tf
        from tenseur import keras
        keras.backend.clear_session()
        np.random.seed(args.seed)
        tf.set_random_seed(args.seed)
        label = f"tenseur seed={args.seed}"
    else:
        import keras
        label = f"keras {keras.__version__} unseeded"
    from keras_cnn import build_model
    model = build_model(28, 28, 10, padding=args.padding, keras=keras)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=5e-2),
                  loss="categorical_crossentropy", metrics=["accuracy"])
    os.makedirs(os.path.dirname(os.path.abspath(args.log)), exist_ok=True)
    start = time.perf_counter()
    with open(args.log, "w") as log:
        log.write(f"# {label} padding={args.padding} epochs={args.epochs}\n")
        log.write(COLUMNS)
        model.fit(x, y, batch_size=430, epochs=args.epochs, verbose=0,
                  validation_data=(x_val, y_val),
                  callbacks=[epoch_logger(keras, model, log, x_test, y_test, 1000, start)])
    print(f"{label}: see {args.log}")


if __name__ == "__main__":
    main()
