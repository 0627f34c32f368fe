"""Optimizers in eager mode and eager training loops on MNIST, against graph mode."""
import time

import numpy as np
import pytest

import tenseur as tf
import tenseur.eager as eager
from tenseur.eager import function

OPTIMIZERS = {
    "GradientDescent": lambda: tf.train.GradientDescentOptimizer(0.1),
    "Momentum": lambda: tf.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True),
    "Adam": lambda: tf.train.AdamOptimizer(0.05),
    "RMSProp": lambda: tf.train.RMSPropOptimizer(0.05, momentum=0.5, centered=True),
    "Adagrad": lambda: tf.train.AdagradOptimizer(0.3),
    "Adadelta": lambda: tf.train.AdadeltaOptimizer(1.0),
    "Ftrl": lambda: tf.train.FtrlOptimizer(0.3, l1_regularization_strength=0.01),
}

_W0 = np.array([[0.5, -0.2], [0.1, 0.3], [-0.4, 0.2]])
_B0 = np.array([0.1, -0.1])
_X = np.random.default_rng(3).normal(size=(8, 3))
_Y = np.random.default_rng(4).normal(size=(8, 2))


def _loss(w, b):
    return tf.reduce_mean(tf.square(tf.tanh(tf.matmul(_X, w) + b) - _Y))


def _graph_steps(make_optimizer, steps):
    with tf.Graph().as_default():
        w = tf.Variable(_W0, name="w")
        b = tf.Variable(_B0, name="b")
        train = make_optimizer().minimize(_loss(w, b))
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(steps):
                sess.run(train)
            return sess.run([w, b])


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_eager_optimizer_steps_equal_graph_steps(name, eager_ctx):
    expected = _graph_steps(OPTIMIZERS[name], steps=3)
    # minimize(loss_fn, var_list)
    w, b = tf.Variable(_W0, name="w"), tf.Variable(_B0, name="b")
    optimizer = OPTIMIZERS[name]()
    for _ in range(3):
        assert optimizer.minimize(lambda: _loss(w, b), var_list=[w, b]) is None
    np.testing.assert_allclose(w.numpy(), expected[0], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(b.numpy(), expected[1], rtol=1e-12, atol=1e-14)
    # apply_gradients(zip(grads, vars)) with a GradientTape, and the same in a function
    for traced in (False, True):
        w, b = tf.Variable(_W0), tf.Variable(_B0)
        step = _tape_step(OPTIMIZERS[name](), [w, b], lambda w=w, b=b: _loss(w, b))
        step = function(step) if traced else step
        for _ in range(3):
            step()
        np.testing.assert_allclose(w.numpy(), expected[0], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(b.numpy(), expected[1], rtol=1e-12, atol=1e-14)


def _tape_step(optimizer, variables, loss_fn):
    """One training step: the loss under a GradientTape, then apply_gradients."""
    def step(*batch):
        with eager.GradientTape() as tape:
            loss = loss_fn(*batch)
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss
    return step


def test_minimize_without_var_list_uses_the_variables_read(eager_ctx):
    w, frozen = tf.Variable(1.0), tf.Variable(5.0, trainable=False)
    step = tf.Variable(0, dtype=tf.int64, trainable=False)
    optimizer = tf.train.GradientDescentOptimizer(0.5)
    optimizer.minimize(lambda: w * w * frozen, global_step=step)
    assert float(w) == 1.0 - 0.5 * 10.0 and float(frozen) == 5.0 and int(step) == 1
    with pytest.raises(RuntimeError, match="should be a function"):
        optimizer.minimize(w * w)
    assert optimizer.get_slot_names() == []


def _slides_mlp_forward(params, x):
    *hidden, last = params
    h = x
    for w, b in hidden:
        h = tf.nn.sigmoid(tf.nn.bias_add(tf.matmul(h, w), b))
    return tf.nn.softmax(tf.nn.bias_add(tf.matmul(h, last[0]), last[1]))


def _slides_loss(params, x, y):
    return tf.reduce_mean(-tf.reduce_sum(y * tf.log(_slides_mlp_forward(params, x)), axis=-1))


@pytest.mark.slow
def test_slides_mlp_trains_the_same_eagerly_in_a_function_and_in_a_graph(mnist_dir):
    from tenseur.data.mnist import read_data_sets
    mnist = read_data_sets(mnist_dir, one_hot=True, seed=0)
    sizes = [784, 64, 32, 16, 10]
    rng = np.random.default_rng(0)
    init = [(rng.standard_normal((m, n)).astype(np.float32) * 0.5, np.zeros(n, np.float32))
            for m, n in zip(sizes[:-1], sizes[1:])]
    batches = [(mnist.train.images[i:i + 128], mnist.train.labels[i:i + 128].astype(np.float32))
               for i in range(0, 128 * 150, 128)]
    test_x, test_y = mnist.test.images[:2000], mnist.test.labels[:2000]

    def accuracy(probabilities):
        return float(np.mean(np.argmax(probabilities, 1) == np.argmax(test_y, 1)))

    # Graph mode, as the slides.
    with tf.Graph().as_default():
        params = [(tf.Variable(w), tf.Variable(b)) for w, b in init]
        x = tf.placeholder(tf.float32, [None, 784])
        y = tf.placeholder(tf.float32, [None, 10])
        train = tf.train.GradientDescentOptimizer(0.5).minimize(_slides_loss(params, x, y))
        out = _slides_mlp_forward(params, x)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for bx, by in batches:
                sess.run(train, {x: bx, y: by})
            graph_accuracy = accuracy(sess.run(out, {x: test_x}))
            graph_weights = sess.run(params[0][0])

    results = {}
    with eager.eager_mode():
        for mode in ("eager", "function"):
            params = [(tf.Variable(w), tf.Variable(b)) for w, b in init]
            step = _tape_step(tf.train.GradientDescentOptimizer(0.5),
                              [v for pair in params for v in pair],
                              lambda bx, by, params=params: _slides_loss(params, bx, by))
            step = function(step) if mode == "function" else step
            for bx, by in batches:
                step(bx, by)
            results[mode] = (accuracy(_slides_mlp_forward(params, test_x).numpy()),
                             params[0][0].numpy())
    for mode, (acc, weights) in results.items():
        assert abs(acc - graph_accuracy) <= 0.002, (mode, acc, graph_accuracy)
        np.testing.assert_allclose(weights, graph_weights, rtol=1e-4, atol=1e-5)
    assert graph_accuracy > 0.6      # 150 SGD steps of the sigmoid MLP: far above chance


def test_eager_mlp_reaches_90_percent_on_an_mnist_slice_in_seconds(mnist_dir, eager_ctx):
    from tenseur.data.mnist import read_data_sets
    mnist = read_data_sets(mnist_dir, one_hot=True, seed=0)
    images, labels = mnist.train.images[:10000], mnist.train.labels[:10000].astype(np.float32)
    tf.set_random_seed(1)
    w1 = tf.Variable(tf.truncated_normal([784, 128], stddev=0.05, seed=1))
    b1 = tf.Variable(tf.zeros([128]))
    w2 = tf.Variable(tf.truncated_normal([128, 10], stddev=0.05, seed=2))
    b2 = tf.Variable(tf.zeros([10]))
    optimizer = tf.train.AdamOptimizer(2e-3)

    def logits(x):
        return tf.matmul(tf.nn.relu(tf.matmul(x, w1) + b1), w2) + b2

    start = time.process_time()      # CPU time: the machine may be shared
    for epoch in range(4):
        for i in range(0, len(images), 100):
            x, y = images[i:i + 100], labels[i:i + 100]
            with eager.GradientTape() as tape:
                loss = tf.reduce_mean(
                    tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits(x)))
            grads = tape.gradient(loss, [w1, b1, w2, b2])
            optimizer.apply_gradients(zip(grads, [w1, b1, w2, b2]))
    seconds = time.process_time() - start
    predictions = tf.argmax(logits(mnist.test.images[:2000]), axis=1).numpy()
    accuracy = np.mean(predictions == mnist.test.labels[:2000].argmax(axis=1))
    assert accuracy >= 0.90, accuracy
    assert seconds < 30, f"4 epochs of 10000 images took {seconds:.1f}s of CPU"
