"""Helpers for the compiler tests: build a plan with the passes on or off and count its ops."""
import pytest

import tenseur as tf


def plan_of(sess, fetches, feed_dict=None):
    """The plan `sess.run(fetches, feed_dict)` runs (after running it once)."""
    sess.run(fetches, feed_dict)
    leaves = fetches if isinstance(fetches, (list, tuple)) else [fetches]
    leaves = [getattr(f, "_as_fetch", lambda f=f: f)() for f in leaves]
    matching = [plan for (key, _), plan in sess._plans.items()
                if list(key[0]) == leaves]
    assert matching, "no plan was built for these fetches"
    return matching[-1]


def op_types(plan):
    """The op type of every step of a plan (fused steps list their members' types)."""
    types = []
    for op in plan.ops:
        members = getattr(op, "members", ())
        types += [m.type for m in members] if members else [op.type]
    return types


def train_slides_mlp(steps, batches, optimizer=None, fetch_grad=False, watch=None):
    """Trains the slides' MLP (examples/mlp_tf.py) `steps` steps on `batches` in turn, with SGD
    5e-2 or `optimizer()`, fetching W1's gradient too when `fetch_grad`. Returns the losses,
    the weights after, W1's initial value, the fetched gradients, the plan's stats, and
    `watch(sess, w1)` taken before every step and after the last ("watched")."""
    import mlp_tf
    tf.reset_default_graph()
    tf.set_random_seed(0)
    x, y, out, loss = mlp_tf.build_model()
    opt = optimizer() if optimizer else tf.train.GradientDescentOptimizer(5e-2)
    train_op = opt.minimize(loss)
    w1 = tf.trainable_variables()[0]
    fetches = [loss, train_op] + ([tf.gradients(loss, w1)[0]] if fetch_grad else [])
    losses, grads, watched = [], [], []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        initial = sess.run(w1)
        for k in range(steps):
            if watch is not None:
                watched.append(watch(sess, w1))
            bx, by = batches[k % len(batches)]
            result = sess.run(fetches, {x: bx, y: by})
            losses.append(result[0])
            grads += result[2:]
        if watch is not None:
            watched.append(watch(sess, w1))
        plan = plan_of(sess, fetches, {x: bx, y: by})
        weights = sess.run(tf.trainable_variables())
    return {"losses": losses, "weights": weights, "initial": initial, "grads": grads,
            "stats": plan.graph.stats, "watched": watched}


def fit_sigmoid_mlp(x, labels, units, learning_rate, epochs):
    """(losses, plan stats) of a Keras Dense(units, sigmoid) -> Dense(1, sigmoid) model fitted
    with SGD on (x, labels), batches of 64 in order: the compiler tests' Keras training run."""
    from tenseur import keras
    keras.backend.clear_session()
    tf.set_random_seed(0)
    model = keras.Sequential([
        keras.layers.Dense(units, activation="sigmoid", input_shape=(x.shape[1],)),
        keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate), loss="binary_crossentropy")
    losses = model.fit(x, labels, batch_size=64, epochs=epochs, verbose=0,
                       shuffle=False).history["loss"]
    session = keras.backend.get_session()
    return losses, [p.graph.stats for p in session._plans.values() if p.graph is not None]


def step_types(plan):
    return [op.type for op in plan.ops]


@pytest.fixture
def unoptimized(monkeypatch):
    """Sessions made inside the test run without the passes (TENSEUR_OPTIMIZE=0)."""
    monkeypatch.setenv("TENSEUR_OPTIMIZE", "0")


def session(optimize=True, graph=None):
    return tf.Session(graph=graph, config={"optimize": optimize})


@pytest.fixture(autouse=True)
def _passes_and_kernels_at_their_defaults(default_switches):
    """The compiler's tests check what its passes and kernels do: none switched off by the
    environment (tests/conftest.py's default_switches)."""
