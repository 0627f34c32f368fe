"""The talk's multi-layer perceptron (784-64-32-16-10) written with the TF 1.x API.

Sigmoid hidden layers, softmax output, one `tf.variable_scope` per layer, the slides' loss
`-tf.reduce_sum(y * tf.log(out), axis=-1)` averaged, gradient descent lr 5e-2, batch 128.
Run: python examples/mlp_tf.py [--epochs N] [--data DIR]
"""
import argparse
import sys
import time

import numpy as np

import tenseur as tf
from tenseur.contrib.learn.python.learn import datasets


def layer(in_layer, in_size, out_size, activ="sigmoid", name=""):
    with tf.variable_scope(name):
        w = tf.get_variable("weights", [in_size, out_size],
                            initializer=tf.truncated_normal_initializer())
        bias = tf.get_variable("bias", [out_size], initializer=tf.zeros_initializer())
        with_bias = tf.nn.bias_add(tf.matmul(in_layer, w), bias)
        if activ == "softmax":
            return tf.nn.softmax(with_bias, name="out")
        return tf.nn.sigmoid(with_bias, name="out")


def build_model(hidden_layers=(64, 32, 16), n_classes=10, n_inputs=784):
    x = tf.placeholder(shape=[None, n_inputs], dtype=tf.float32, name="x")
    y = tf.placeholder(shape=[None, n_classes], dtype=tf.float32, name="y")
    prev_layer, prev_size = x, n_inputs
    for i, size in enumerate(hidden_layers):
        prev_layer = layer(prev_layer, prev_size, size, "sigmoid", "hidden_{}".format(i + 1))
        prev_size = size
    out = layer(prev_layer, prev_size, n_classes, "softmax", "output_layer")
    ce = - tf.reduce_sum(y * tf.log(out), axis=-1)
    loss = tf.reduce_mean(ce)
    return x, y, out, loss


def progress(step, total, width=30, extra=""):
    """A one-line progress bar redrawn in place on stdout."""
    done = int(width * step / total)
    bar = "=" * max(done - 1, 0) + (">" if done < width else "=") + "." * (width - done)
    sys.stdout.write("\r{}/{} [{}]{}".format(step, total, bar, extra))
    sys.stdout.flush()


def evaluate(sess, x, out, images, labels, batch_size=1000):
    predictions = np.concatenate([sess.run(out, {x: images[i:i + batch_size]})
                                  for i in range(0, len(images), batch_size)])
    return float(np.mean(predictions.argmax(axis=1) == labels.argmax(axis=1)))


def train(data_dir=None, epochs=10, iter_per_epoch=430, batch_size=128, learning_rate=5e-2,
          seed=0, verbose=True):
    """Trains the MLP; returns (validation accuracies per epoch, test accuracy)."""
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    mnist = datasets.mnist.read_data_sets(data_dir, one_hot=True, seed=seed)
    x, y, out, loss = build_model()
    train_op = tf.train.GradientDescentOptimizer(learning_rate).minimize(loss)
    history = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for epoch in range(epochs):
            start = time.perf_counter()
            if verbose:
                print("Epoch {}/{}".format(epoch + 1, epochs))
            for it in range(iter_per_epoch):
                batch_x, batch_y = mnist.train.next_batch(batch_size)
                _loss, _ = sess.run([loss, train_op], {x: batch_x, y: batch_y})
                if verbose and (it % 10 == 0 or it == iter_per_epoch - 1):
                    progress(it + 1, iter_per_epoch, extra=" - loss: {:.4f}".format(_loss))
            val = evaluate(sess, x, out, mnist.validation.images, mnist.validation.labels)
            history.append(val)
            if verbose:
                print(" - {:.1f}s - val_acc: {:.4f}".format(time.perf_counter() - start, val))
        test = evaluate(sess, x, out, mnist.test.images, mnist.test.labels)
    if verbose:
        print("test accuracy: {:.4f}".format(test))
    return history, test


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=None, help="directory holding the MNIST files")
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    train(args.data, epochs=args.epochs)
