"""The slides' convolutional network on MNIST, written with the TF 1.x API (tf.layers + tf.nn).

conv 32 3x3 relu -> conv 32 3x3 relu -> max-pool 2x2/2 -> conv 16 3x3 relu -> max-pool 2x2/2
-> dense 32 relu -> dense 16 relu -> dense 10 softmax. VALID convolutions (Keras' default),
Glorot-uniform kernels, zero biases; categorical cross-entropy (computed from the logits, the
stable form), plain SGD lr 0.05, batch 430, as the slides' Keras model.
Run: python examples/cnn_tf.py [--epochs N] [--limit N] [--data DIR]
"""
import argparse
import time

import numpy as np

import tenseur as tf
from tenseur.contrib.learn.python.learn import datasets


def build_model(n_classes=10):
    """Placeholders, logits, softmax output and mean loss of the slides' CNN."""
    x = tf.placeholder(tf.float32, [None, 28, 28, 1], name="x")
    y = tf.placeholder(tf.float32, [None, n_classes], name="y")
    h = tf.layers.conv2d(x, 32, (3, 3), activation=tf.nn.relu)
    h = tf.layers.conv2d(h, 32, (3, 3), activation=tf.nn.relu)
    h = tf.layers.max_pooling2d(h, pool_size=(2, 2), strides=(2, 2))
    h = tf.layers.conv2d(h, 16, (3, 3), activation=tf.nn.relu)
    h = tf.layers.max_pooling2d(h, pool_size=(2, 2), strides=(2, 2))
    h = tf.layers.flatten(h)
    h = tf.layers.dense(h, 32, activation=tf.nn.relu)
    h = tf.layers.dense(h, 16, activation=tf.nn.relu)
    logits = tf.layers.dense(h, n_classes)
    out = tf.nn.softmax(logits, name="out")
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits))
    return x, y, logits, out, loss


def accuracy(sess, x, out, images, labels, batch_size=1000):
    predictions = np.concatenate([sess.run(out, {x: images[i:i + batch_size]})
                                  for i in range(0, len(images), batch_size)])
    return float(np.mean(predictions.argmax(axis=1) == labels.argmax(axis=1)))


def train(data_dir=None, epochs=10, limit=None, batch_size=430, learning_rate=0.05, seed=0,
          verbose=True, validation_limit=None, evaluate_test=True):
    """Trains the CNN; returns (per-epoch dicts of loss/acc/val_acc/seconds, test accuracy).

    `limit` and `validation_limit` keep the first N training / validation images (for quick
    runs); the test accuracy is None when evaluate_test is False.
    """
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    mnist = datasets.mnist.read_data_sets(data_dir, one_hot=True, reshape=False, seed=seed)
    images, labels = mnist.train.images, mnist.train.labels
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    x, y, _, out, loss = build_model()
    train_op = tf.train.GradientDescentOptimizer(learning_rate).minimize(loss)
    correct = tf.reduce_sum(tf.cast(tf.equal(tf.argmax(out, 1), tf.argmax(y, 1)), tf.float32))
    val_images = mnist.validation.images[:validation_limit]
    val_labels = mnist.validation.labels[:validation_limit]
    rng = np.random.default_rng(seed)
    history = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for epoch in range(epochs):
            start = time.perf_counter()
            order = rng.permutation(len(images))
            total_loss = total_correct = 0.0
            for i in range(0, len(images), batch_size):
                batch = order[i:i + batch_size]
                _, batch_loss, batch_correct = sess.run(
                    [train_op, loss, correct], {x: images[batch], y: labels[batch]})
                total_loss += float(batch_loss) * len(batch)
                total_correct += float(batch_correct)
            record = {"loss": total_loss / len(images), "acc": total_correct / len(images),
                      "val_acc": accuracy(sess, x, out, val_images, val_labels),
                      "seconds": time.perf_counter() - start}
            history.append(record)
            if verbose:
                print("Epoch {}/{} - {:.1f}s - loss: {:.4f} - acc: {:.4f} - val_acc: {:.4f}"
                      .format(epoch + 1, epochs, record["seconds"], record["loss"],
                              record["acc"], record["val_acc"]), flush=True)
        test = (accuracy(sess, x, out, mnist.test.images, mnist.test.labels)
                if evaluate_test else None)
    if verbose and test is not None:
        print("test accuracy: {:.4f}".format(test))
    return history, test


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=None, help="directory holding the MNIST files")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--limit", type=int, default=None,
                        help="train on the first N of the 55,000 training images")
    parser.add_argument("--batch-size", type=int, default=430)
    parser.add_argument("--lr", type=float, default=0.05)
    args = parser.parse_args()
    train(args.data, epochs=args.epochs, limit=args.limit, batch_size=args.batch_size,
          learning_rate=args.lr)
