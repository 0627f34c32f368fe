"""The last seed deck's example: contrib.layers.flatten + fully_connected, Adam, sparse xent.

Trained here on MNIST images (28x28, 10 classes; the deck used 62 traffic-sign classes).
Run: python examples/contrib_fully_connected.py
"""
import numpy as np

import tenseur as tf
from tenseur.contrib.learn.python.learn import datasets


def main(data_dir=None, steps=300, batch_size=128, verbose=True):
    tf.reset_default_graph()
    tf.set_random_seed(0)
    mnist = datasets.mnist.read_data_sets(data_dir, reshape=False, seed=0)

    # Initialize placeholders
    x = tf.placeholder(dtype=tf.float32, shape=[None, 28, 28])
    y = tf.placeholder(dtype=tf.int32, shape=[None])
    # Flatten the input data
    images_flat = tf.contrib.layers.flatten(x)
    # Fully connected layer
    logits = tf.contrib.layers.fully_connected(images_flat, 10, tf.nn.relu)
    # Define a loss function
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    # Define an optimizer
    train_op = tf.train.AdamOptimizer(learning_rate=0.001).minimize(loss)
    # Convert logits to label indexes
    correct_pred = tf.argmax(logits, 1)
    # Define an accuracy metric (the deck's line; comparing with the labels is the useful one)
    accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.cast(correct_pred, tf.int32), y), tf.float32))

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for step in range(steps):
            images, labels = mnist.train.next_batch(batch_size)
            _, loss_value = sess.run([train_op, loss], {x: images[..., 0], y: labels})
            if verbose and step % 50 == 0:
                print("step {}: loss {:.4f}".format(step, loss_value))
        acc = sess.run(accuracy, {x: mnist.test.images[..., 0], y: mnist.test.labels})
    if verbose:
        print("test accuracy: {:.4f}".format(acc))
    return float(acc)


if __name__ == "__main__":
    main()
