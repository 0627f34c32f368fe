"""tenseur.function: tracing rules, variables, replay, gradients through traced calls."""
import numpy as np
import pytest

import tenseur as tf
import tenseur.eager as eager
from tenseur.eager import function


def test_retracing_rules(eager_ctx):
    traces = []

    @function
    def f(x, scale=2.0):
        traces.append(x)
        return tf.reduce_sum(x) * scale

    assert float(f(tf.constant([1.0, 2.0]))) == 6.0
    assert float(f(tf.constant([3.0, 4.0]))) == 14.0          # same shape and dtype: no trace
    assert len(traces) == 1
    f(tf.constant([1.0, 2.0, 3.0]))                            # new shape: new trace
    f(tf.constant([1.0, 2.0], dtype=tf.float64))               # new dtype: new trace
    assert len(traces) == 3
    f(tf.constant([1.0, 2.0]), scale=3.0)                      # Python value: keyed by value
    f(tf.constant([5.0, 6.0]), 3.0)                            # same value, positionally
    assert len(traces) == 4
    f(np.ones(2, np.float32))                                  # NumPy array: a tensor
    f([tf.constant(1.0)] and tf.constant([7.0, 8.0]), scale=2.0)
    assert len(traces) == 4
    assert f.experimental_get_tracing_count() == 4


def test_calls_with_tensors_only_find_their_trace_by_shape_and_dtype(eager_ctx):
    @function
    def f(x, y):
        return x * y

    a, b = tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])
    assert f(a, b).numpy().tolist() == [3.0, 8.0]
    assert f(b, a).numpy().tolist() == [3.0, 8.0]                # the shortcut
    assert f.experimental_get_tracing_count() == 1
    assert list(f._by_tensors.values()) == [f.get_concrete_function(a, b)]

    @function
    def g(x, k):
        return x * k

    assert g(a, 2.0).numpy().tolist() == [2.0, 4.0]
    assert g(a, 3.0).numpy().tolist() == [3.0, 6.0]              # Python values: no shortcut
    assert g._by_tensors == {} and g.experimental_get_tracing_count() == 2


def test_numpy_arguments_are_fed_uncopied_and_outputs_never_alias_them(eager_ctx):
    @function
    def f(x, y):
        return x * y, x, x[0], tf.reduce_sum(y)

    x, y = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32), np.array([2.0, 3.0], np.float32)
    f(x, y)
    product, same, row, total = f(x, y)                          # the shortcut now
    assert f.experimental_get_tracing_count() == 1 and len(f._by_tensors) == 1
    assert product.numpy().tolist() == [[2.0, 6.0], [6.0, 12.0]] and float(total) == 5.0
    x[...] = 0.0                                                 # the caller reuses its array
    assert same.numpy().tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert row.numpy().tolist() == [1.0, 2.0]
    # Another dtype, or a strided view, is another call (the general lookup, by value).
    assert f(x.astype(np.float64), y.astype(np.float64))[0].dtype == tf.float64
    assert f(np.ones((2, 4), np.float32)[:, ::2], y)[0].numpy().tolist() == [[2.0, 3.0]] * 2
    assert f.experimental_get_tracing_count() == 2


def test_numpy_arguments_under_a_recording_tape_are_copied(eager_ctx):
    v = tf.Variable(2.0)

    @function
    def f(x):
        return tf.reduce_sum(x * v)

    x = np.array([1.0, 2.0], np.float32)
    f(x)
    f(x)
    with eager.GradientTape() as tape:
        y = f(x)
    x[...] = 10.0                       # after the call: the tape saw the call's own copy
    assert float(tape.gradient(y, v)) == 3.0


def test_nested_arguments_are_keyed_by_structure(eager_ctx):
    traces = []

    @function
    def f(pair, options):
        traces.append(1)
        return pair[0] * options["k"] + pair[1]

    assert float(f((tf.constant(2.0), tf.constant(1.0)), {"k": 3.0})) == 7.0
    f((tf.constant(5.0), tf.constant(1.0)), {"k": 3.0})
    assert len(traces) == 1
    f((tf.constant(5.0), tf.constant(1.0)), {"k": 4.0})
    f([tf.constant(5.0), tf.constant(1.0)], {"k": 4.0})      # a list, not a tuple
    assert len(traces) == 3


def test_python_side_effects_happen_at_trace_time_only(eager_ctx):
    log = []

    @function
    def f(x):
        log.append("traced")
        return x + 1.0

    for _ in range(3):
        f(tf.constant(1.0))
    assert log == ["traced"]


def test_input_signature_fixes_one_trace(eager_ctx):
    traces = []

    @function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def f(x):
        traces.append(x)
        return tf.reduce_sum(x * x)

    assert float(f(tf.constant([1.0, 2.0]))) == 5.0
    assert float(f([1.0, 2.0, 3.0])) == 14.0
    assert len(traces) == 1 and traces[0].shape.as_list() == [None]
    with pytest.raises(ValueError, match="does not match its input_signature"):
        f(tf.constant([[1.0]]))
    with pytest.raises(ValueError, match="does not match its input_signature"):
        f(tf.constant([1], dtype=tf.int32))


def test_variables_are_shared_with_eager_code(eager_ctx):
    v = tf.Variable([1.0, 2.0])

    @function
    def bump(x):
        v.assign_add(x)
        return v * 2.0                # reads the value after the assignment

    out = bump(tf.constant([1.0, 1.0]))
    assert out.numpy().tolist() == [4.0, 6.0] and v.numpy().tolist() == [2.0, 3.0]
    v.assign([0.0, 0.0])
    assert bump(tf.constant([1.0, 1.0])).numpy().tolist() == [2.0, 2.0]
    assert bump.experimental_get_tracing_count() == 1


def test_variables_may_be_created_on_the_first_trace_only(eager_ctx):
    class Model:
        def __init__(self):
            self.w = None

        @function
        def __call__(self, x):
            if self.w is None:
                self.w = tf.Variable(tf.ones([x.shape[-1], 1]))
            return tf.matmul(x, self.w)

    model = Model()
    assert model(tf.ones([1, 3])).numpy().tolist() == [[3.0]]
    assert isinstance(model.w, eager.EagerVariable)
    assert model(tf.ones([2, 3])).numpy().tolist() == [[3.0], [3.0]]   # retrace, no creation

    @function
    def creates_every_time(x):
        return x * tf.Variable(2.0)

    creates_every_time(tf.constant(1.0))
    with pytest.raises(ValueError, match="create variables on non-first call"):
        creates_every_time(tf.constant([1.0]))


def test_run_functions_eagerly(eager_ctx):
    calls = []

    @function
    def f(x):
        calls.append(eager.executing_eagerly())
        return x * 2.0

    eager.run_functions_eagerly(True)
    try:
        f(tf.constant(1.0))
        f(tf.constant(1.0))
        assert calls == [True, True] and f.experimental_get_tracing_count() == 0
    finally:
        eager.run_functions_eagerly(False)
    f(tf.constant(1.0))
    assert calls == [True, True, False]


def test_gradients_through_a_traced_call_to_second_order(eager_ctx):
    v = tf.Variable(1.5, dtype=tf.float64)

    @function
    def f(x):
        return tf.reduce_sum(tf.sin(x) * v * v)

    x = tf.constant([0.3, 0.9], dtype=tf.float64)
    with eager.GradientTape(persistent=True) as outer:
        outer.watch(x)
        with eager.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        gx, gv = inner.gradient(y, [x, v])
    xv, vv = x.numpy(), 1.5
    np.testing.assert_allclose(gx.numpy(), np.cos(xv) * vv * vv)
    np.testing.assert_allclose(float(gv), np.sum(np.sin(xv)) * 2 * vv)
    np.testing.assert_allclose(outer.gradient(gx, x).numpy(), -np.sin(xv) * vv * vv)
    np.testing.assert_allclose(outer.gradient(gx, v).numpy(), np.cos(xv).sum() * 2 * vv)


def test_backward_sees_the_forward_random_draws(eager_ctx):
    @function
    def f(x):
        return tf.nn.dropout(x, keep_prob=0.5, seed=3)

    x = tf.ones([1000])
    with eager.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    g = tape.gradient(y, x)
    # The gradient's mask is the forward's: 2 where kept, 0 where dropped.
    np.testing.assert_array_equal(g.numpy(), y.numpy())


def test_tape_and_optimizer_inside_a_function(eager_ctx):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [2.0], [-1.0]], np.float32) + 0.5
    w, b = tf.Variable(tf.zeros([3, 1])), tf.Variable(0.0)
    opt = tf.train.AdamOptimizer(0.1)

    @function
    def step(x, y):
        with eager.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y))
        grads = tape.gradient(loss, [w, b])
        opt.apply_gradients(zip(grads, [w, b]))
        return loss

    losses = [float(step(x, y)) for _ in range(300)]
    assert losses[-1] < 1e-6 < losses[0]
    np.testing.assert_allclose(w.numpy().ravel(), [1.0, 2.0, -1.0], atol=1e-3)
    assert step.experimental_get_tracing_count() == 1
    assert {v.name for v in opt.variables()} >= {"beta1_power:0", "beta2_power:0"}


def test_function_in_graph_mode_builds_inline():
    @function
    def f(x):
        return x * 2.0

    x = tf.placeholder(tf.float32, [])
    y = f(x)
    with tf.Session() as sess:
        assert sess.run(y, {x: 3.0}) == 6.0
    assert f.experimental_get_tracing_count() == 0


def test_graph_tensor_argument_is_refused(eager_ctx):
    with eager.graph_mode():
        x = tf.placeholder(tf.float32, [])
    with pytest.raises(tf.GraphMismatchError, match="graph tensor"):
        function(lambda t: t)(x)
