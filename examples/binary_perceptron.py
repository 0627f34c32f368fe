"""The workshop's binary perceptron (digit 0 vs digit 1 of MNIST) in the TF 1.x API.

Run: python examples/binary_perceptron.py [--data DIR]. Reaches >= 99% test accuracy after the
slides' 10 epochs x 86 iterations of batch 128 with plain gradient descent (lr 5e-2).
"""
import argparse

import numpy as np

import tenseur as tf
from tenseur.contrib.learn.python.learn import datasets


def extract_two_digits(images, labels, digit0, digit1):
    """The images of two digits, with label 0 for `digit0` and 1 for `digit1`."""
    keep = (labels == digit0) | (labels == digit1)
    return images[keep], (labels[keep] == digit1).astype(np.float32).reshape(-1, 1)


def build_model(n_inputs=784):
    x = tf.placeholder(shape=[None, n_inputs], dtype=tf.float32, name="x")
    y = tf.placeholder(shape=[None, 1], dtype=tf.float32, name="y")
    w = tf.Variable(initial_value=tf.truncated_normal(shape=[n_inputs, 1], seed=1),
                    trainable=True, name="w")
    b = tf.Variable(initial_value=tf.zeros(shape=[1], dtype=tf.float32), trainable=True, name="b")
    mult = tf.matmul(x, w)
    with_bias = tf.nn.bias_add(mult, b)
    out = tf.nn.sigmoid(with_bias, name="out")
    ce = - y * tf.log(out) - (1 - y) * tf.log(1 - out)
    loss = tf.reduce_mean(ce, name="loss")
    return x, y, out, loss


def train(data_dir=None, epochs=10, iter_per_epoch=86, batch_size=128, learning_rate=5e-2,
          seed=0, verbose=True):
    """Trains the perceptron; returns the test accuracy."""
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    mnist = datasets.mnist.read_data_sets(data_dir, one_hot=False)
    x_train, y_train = extract_two_digits(mnist.train.images, mnist.train.labels, 0, 1)
    x_test, y_test = extract_two_digits(mnist.test.images, mnist.test.labels, 0, 1)
    x, y, out, loss = build_model()
    minimize = tf.train.GradientDescentOptimizer(learning_rate).minimize(loss)
    rng = np.random.default_rng(seed)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for epoch in range(epochs):
            for _ in range(iter_per_epoch):
                idx = rng.integers(0, len(x_train), size=batch_size)
                _loss, _ = sess.run([loss, minimize], feed_dict={x: x_train[idx], y: y_train[idx]})
            if verbose:
                print("epoch {}/{}: loss {:.4f}".format(epoch + 1, epochs, _loss))
        probas = sess.run(out, feed_dict={x: x_test})
    accuracy = float(np.mean((probas > 0.5) == (y_test > 0.5)))
    if verbose:
        print("test accuracy: {:.4f}".format(accuracy))
    return accuracy


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=None, help="directory holding the MNIST files")
    train(parser.parse_args().data)
