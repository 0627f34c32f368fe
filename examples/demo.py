"""`make demo`: tenseur's main job on a fresh machine.

Trains the slides' network on MNIST with a progress bar. Until the Keras API lands this is
the talk's multi-layer perceptron written with the TF 1.x API (examples/mlp_tf.py); MNIST is
read from $TENSEUR_DATA_DIR/mnist (the Makefile points it at ../shared/data).
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import mlp_tf  # noqa: E402

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()
    print("tenseur demo: the slides' MLP 784-64-32-16-10 (sigmoid, softmax, SGD 5e-2, batch 128)")
    mlp_tf.train(epochs=args.epochs)
