"""Each compiler pass does what it claims (ops counted in the plan) and changes no result."""
import numpy as np
import pytest

import tenseur as tf
from tenseur import compiler
from tenseur.framework.errors import InvalidArgumentError

from .conftest import op_types, plan_of, session, step_types


def run_both(fetches, feed_dict=None):
    """(optimized plan, values) and (unoptimized plan, values) for one fetch."""
    out = []
    for optimize in (True, False):
        sess = session(optimize)
        sess.run(tf.global_variables_initializer())
        values = sess.run(fetches, feed_dict)
        out.append((plan_of(sess, fetches, feed_dict), values))
    return out


def test_identity_stop_gradient_and_no_op_cast_are_bypassed():
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.identity(tf.stop_gradient(tf.identity(x)))
    z = tf.cast(y, tf.float32)      # same dtype: cast returns y itself
    w = tf.exp(z) * 2.0
    feed = {x: np.arange(6, dtype=np.float32).reshape(2, 3)}
    (opt, got), (plain, want) = run_both(w, feed)
    assert "Identity" not in op_types(opt) and "StopGradient" not in op_types(opt)
    assert op_types(plain).count("Identity") == 2
    np.testing.assert_array_equal(got, want)


def test_identity_with_control_dependency_still_runs_the_dependency():
    v = tf.Variable(0.0)
    with tf.control_dependencies([tf.assign_add(v, 1.0)]):
        read = tf.identity(tf.constant(5.0))
    sess = session()
    sess.run(tf.global_variables_initializer())
    for _ in range(3):
        assert sess.run(read) == 5.0
    assert sess.run(v) == 3.0


def test_constant_subgraphs_are_folded_once():
    x = tf.placeholder(tf.float32, [None])
    scale = tf.exp(tf.constant(0.0)) * 3.0 + tf.constant(1.0)     # 4.0, known before running
    y = x * scale
    feed = {x: np.array([1.0, 2.0], np.float32)}
    (opt, got), (plain, want) = run_both(y, feed)
    assert op_types(opt) == ["Const", "Mul"]
    assert {"Exp", "Add"} <= set(op_types(plain))
    np.testing.assert_array_equal(got, want)
    assert opt.graph.stats["ops folded"] == 3


def test_folded_constants_are_read_only_and_fetches_are_copies():
    c = tf.constant([1.0, 2.0]) * 2.0
    sess = session()
    first = sess.run(c)
    first[0] = 100.0
    np.testing.assert_array_equal(sess.run(c), [2.0, 4.0])


def test_stateful_ops_are_not_folded():
    noise = tf.random_uniform([3], seed=1)
    sess = session()
    assert "RandomUniform" in op_types(plan_of(sess, noise))
    assert not np.array_equal(sess.run(noise), sess.run(noise))


def test_shape_queries_fold_when_the_shape_is_known():
    x = tf.placeholder(tf.float32, [4, 3])
    y = tf.cast(tf.shape(x), tf.float32) * tf.cast(tf.size(x), tf.float32) \
        + tf.cast(tf.rank(x), tf.float32)
    feed = {x: np.zeros((4, 3), np.float32)}
    (opt, got), (_, want) = run_both(y, feed)
    assert not {"Shape", "Size", "Rank"} & set(op_types(opt))
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got, [50.0, 38.0])


def test_plans_are_specialized_to_the_fed_shapes():
    x = tf.placeholder(tf.float32, [None, 3])
    n = tf.shape(x)[0]
    sess = session()
    assert sess.run(n, {x: np.zeros((5, 3))}) == 5
    assert sess.run(n, {x: np.zeros((2, 3))}) == 2
    plans = [p for (_, shapes), p in sess._plans.items()]
    assert len(plans) == 2 and all("Shape" not in op_types(p) for p in plans)


def test_many_shapes_share_one_generic_plan():
    x = tf.placeholder(tf.float32, [None])
    n = tf.size(x)
    sess = session()
    for length in range(1, 12):
        assert sess.run(n, {x: np.zeros(length)}) == length
    assert len(sess._plans) == 9       # 8 specialized plans and one for any shape


def test_placeholder_with_default_folds_and_select_keeps_one_branch():
    """Keras' learning phase: predict (not fed) skips the dropout branch entirely."""
    training = tf.placeholder_with_default(False, [], name="learning_phase")
    x = tf.placeholder(tf.float32, [None, 8])
    out = tf.where(training, tf.nn.dropout(x, rate=0.5, seed=1), x) * 2.0
    batch = np.ones((4, 8), np.float32)
    sess = session()
    predict = plan_of(sess, out, {x: batch})
    assert "RandomUniform" not in op_types(predict) and "Select" not in op_types(predict)
    np.testing.assert_array_equal(sess.run(out, {x: batch}), 2 * batch)
    train = plan_of(sess, out, {x: batch, training: True})
    assert "RandomUniform" in op_types(train)
    assert set(np.unique(sess.run(out, {x: batch, training: True}))) <= {0.0, 4.0}


def test_common_subexpressions_are_merged():
    x = tf.placeholder(tf.float32, [None])
    y = tf.exp(x) + tf.exp(x) + tf.exp(x)
    feed = {x: np.array([0.0, 1.0], np.float32)}
    (opt, got), (plain, want) = run_both(y, feed)
    assert op_types(opt).count("Exp") == 1 and op_types(plain).count("Exp") == 3
    np.testing.assert_array_equal(got, want)


def test_equal_random_ops_are_not_merged():
    a = tf.random_uniform([3], seed=1)
    b = tf.random_uniform([3], seed=1)
    sess = session()
    assert op_types(plan_of(sess, a - b)).count("RandomUniform") == 2


@pytest.mark.parametrize("make", [lambda x: x * 1.0, lambda x: 1.0 * x, lambda x: x + 0.0,
                                  lambda x: x - 0.0, lambda x: x / 1.0])
def test_exact_algebraic_identities_disappear(make):
    x = tf.placeholder(tf.float32, [None, 2])
    y = tf.exp(make(x))
    feed = {x: np.array([[1.0, -2.0]], np.float32)}
    (opt, got), (_, want) = run_both(y, feed)
    assert op_types(opt) == ["Exp"]
    np.testing.assert_array_equal(got, want)


def test_identities_that_broadcast_are_kept():
    x = tf.placeholder(tf.float32, [None, 1])
    y = x * tf.ones([1, 3])       # multiplies by one but broadcasts to (n, 3)
    feed = {x: np.array([[2.0]], np.float32)}
    (opt, got), (_, want) = run_both(y, feed)
    assert "Mul" in op_types(opt)
    assert got.shape == (1, 3)
    np.testing.assert_array_equal(got, want)


def test_logical_and_with_false_is_false():
    flag = tf.placeholder_with_default(False, [])
    other = tf.placeholder(tf.bool, [])
    pick = tf.where(tf.logical_and(flag, other), tf.constant([1.0]), tf.constant([2.0]))
    sess = session()
    assert sess.run(pick, {other: True}) == [2.0]
    assert op_types(plan_of(sess, pick, {other: True})) == ["Const"]


def test_elementwise_chain_becomes_one_step_with_equal_bits():
    x = tf.placeholder(tf.float32, [None, 16])
    b = tf.placeholder(tf.float32, [16])
    y = tf.sigmoid(tf.nn.bias_add(x, b)) * (1.0 - tf.tanh(x)) + tf.square(x - 0.5)
    rng = np.random.default_rng(0)
    feed = {x: rng.normal(size=(8, 16)).astype(np.float32) * 30,
            b: rng.normal(size=16).astype(np.float32)}
    before = {k: v.copy() for k, v in feed.items()}
    (opt, got), (plain, want) = run_both(y, feed)
    assert len(opt.steps) == 1 and opt.ops[0].type.startswith("Fused[")
    assert len(plain.steps) > 8
    np.testing.assert_array_equal(got, want)
    for k, v in feed.items():                      # fed arrays are never written into
        np.testing.assert_array_equal(v, before[k])


def test_matmul_bias_add_activation_fuse():
    x = tf.placeholder(tf.float32, [None, 5])
    w = tf.Variable(np.random.default_rng(1).normal(size=(5, 4)).astype(np.float32))
    b = tf.Variable(np.arange(4, dtype=np.float32))
    y = tf.nn.relu(tf.nn.bias_add(tf.matmul(x, w), b))
    feed = {x: np.random.default_rng(2).normal(size=(3, 5)).astype(np.float32)}
    (opt, got), (_, want) = run_both(y, feed)
    assert "Fused[MatMul+BiasAdd+Relu]" in step_types(opt)
    np.testing.assert_array_equal(got, want)


def test_relu_gradient_joins_the_matmul_and_max_pool_gradient_it_follows(monkeypatch):
    # pool_gradients off: the ReLU gradient after a max-pool gradient is not moved before it.
    monkeypatch.setenv("TENSEUR_DISABLE_PASSES", "pool_gradients")
    rng = np.random.default_rng(3)
    x = tf.placeholder(tf.float32, [4, 6, 6, 2])
    w = tf.Variable(rng.normal(size=(18, 5)).astype(np.float32))
    pooled = tf.nn.max_pool(tf.nn.relu(x), [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    hidden = tf.nn.relu(tf.matmul(tf.reshape(pooled, [4, 18]), w))
    loss = tf.reduce_sum(tf.matmul(hidden, tf.ones([5, 1])) ** 2)
    grads = tf.gradients(loss, [x, w])
    feed = {x: rng.normal(size=(4, 6, 6, 2)).astype(np.float32)}
    (opt, got), (_, want) = run_both(grads, feed)
    fused = [t for t in step_types(opt) if "ReluGrad" in t]
    assert "Fused[MaxPoolGrad+ReluGrad]" in fused and "Fused[MatMul+ReluGrad]" in fused
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)


def _pooled_relu_gradients(x_shape, ksize, strides, padding):
    """tf.gradients of sum(max_pool(relu(x)) * upstream) with respect to x and upstream."""
    x = tf.placeholder(tf.float32, x_shape)
    pooled = tf.nn.max_pool(tf.nn.relu(x), ksize, strides, padding)
    upstream = tf.placeholder(tf.float32, pooled.shape)
    loss = tf.reduce_sum(pooled * upstream)
    return x, upstream, tf.gradients(loss, x)[0]


@pytest.mark.filterwarnings("ignore:invalid value encountered")      # inf * 0, both plans
@pytest.mark.parametrize("ksize, strides, padding", [
    ([1, 2, 2, 1], [1, 2, 2, 1], "VALID"),     # the slides' CNN: tiling windows
    ([1, 2, 2, 1], [1, 3, 2, 1], "SAME"),      # gaps between windows, padding
    ([1, 2, 2, 1], [1, 2, 2, 1], "SAME"),      # the last windows padded
])
def test_relu_gradient_of_a_max_pooled_relu_runs_on_the_pooled_gradient_with_equal_bits(
        ksize, strides, padding):
    rng = np.random.default_rng(7)
    shape = [3, 7, 7, 4]
    x, upstream, dx = _pooled_relu_gradients(shape, ksize, strides, padding)
    # Ties (whole windows of zeros after the ReLU, equal positive values), negative zeros,
    # and NaN / infinite upstream gradients, where the two orders must still agree.
    values = rng.normal(size=shape).astype(np.float32)
    values[0] = np.where(values[0] > 0.5, 1.0, -values[0] ** 2)
    values[1, ..., :2] = -0.0
    dy = rng.normal(size=upstream.shape.as_list()).astype(np.float32)
    dy[2].flat[:4] = [np.nan, np.inf, -np.inf, -0.0]
    feed = {x: values, upstream: dy}
    (opt, got), (plain, want) = run_both(dx, feed)
    assert got.tobytes() == want.tobytes()        # NaNs and zero signs included
    assert np.isnan(got).any() and (np.signbit(got) & (got == 0)).any()
    types = step_types(opt)
    relu_grads = [k for k, t in enumerate(types) if "ReluGrad" in t]
    # One ReLU gradient (joined to the upstream product), before the pooling gradient.
    assert types[relu_grads[0]] == "Fused[Mul+ReluGrad]" and len(relu_grads) == 1
    assert relu_grads[0] < types.index("MaxPoolGrad")


def test_relu_gradient_runs_on_the_pooled_gradient_in_the_slides_cnn():
    # The slides' conv -> relu -> max-pool -> conv: the moved ReLU gradient joins the input
    # gradient of the convolution after the pooling, on the pooled shape.
    rng = np.random.default_rng(8)
    x = tf.placeholder(tf.float32, [2, 8, 8, 1])
    w1 = tf.Variable(rng.normal(size=(3, 3, 1, 4)).astype(np.float32))
    w2 = tf.Variable(rng.normal(size=(3, 3, 4, 3)).astype(np.float32))
    h = tf.nn.relu(tf.nn.conv2d(x, w1, [1, 1, 1, 1], "SAME"))
    h = tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    loss = tf.reduce_sum(tf.nn.conv2d(h, w2, [1, 1, 1, 1], "SAME") ** 2)
    grads = tf.gradients(loss, [w1, w2])
    feed = {x: rng.normal(size=(2, 8, 8, 1)).astype(np.float32)}
    (opt, got), (_, want) = run_both(grads, feed)
    assert "Fused[Conv2DBackpropInput+ReluGrad]" in step_types(opt)
    assert "Fused[MaxPoolGrad+ReluGrad]" not in step_types(opt)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("fetch_pool_gradient, ksize", [(True, 2), (False, 3)])
def test_relu_gradient_stays_after_the_pooling_gradient_when_that_is_fetched_or_windows_overlap(
        fetch_pool_gradient, ksize):
    # Overlapping windows sum several gradients in a cell: moved, a -0 could become +0.
    rng = np.random.default_rng(9)
    x, upstream, dx = _pooled_relu_gradients([2, 4, 4, 3], [1, ksize, ksize, 1], [1, 2, 2, 1],
                                             "SAME")
    d_relu = dx.op.inputs[0]          # ReluGrad(MaxPoolGrad(...), relu): the pooling gradient
    assert d_relu.op.type == "MaxPoolGrad"
    feed = {x: rng.normal(size=(2, 4, 4, 3)).astype(np.float32),
            upstream: rng.normal(size=(2, 2, 2, 3)).astype(np.float32)}
    (opt, got), (_, want) = run_both([dx, d_relu] if fetch_pool_gradient else [dx], feed)
    types = step_types(opt)
    if fetch_pool_gradient:           # the pooling gradient is a result: no fusion either
        assert types.index("MaxPoolGrad") < types.index("ReluGrad")
    else:
        assert "Fused[MaxPoolGrad+ReluGrad]" in types and "ReluGrad" not in types
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)


def test_a_fetched_intermediate_is_not_fused_away():
    x = tf.placeholder(tf.float32, [None])
    mid = tf.exp(x)
    y = tf.log(mid + 1.0)
    feed = {x: np.array([0.0, 1.0], np.float32)}
    (opt, got), (_, want) = run_both([mid, y], feed)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    assert "Exp" in step_types(opt)


def test_errors_in_fused_steps_name_the_failing_op():
    a = tf.placeholder(tf.float32, [None, 3])
    b = tf.placeholder(tf.float32, [None, 3])
    y = tf.exp(tf.add(a, b, name="the_add")) * 2.0
    sess = session()
    with pytest.raises(InvalidArgumentError, match="Add 'the_add'"):
        sess.run(y, {a: np.ones((2, 3)), b: np.ones((4, 3))})


def test_the_users_graph_is_not_changed():
    x = tf.placeholder(tf.float32, [None])
    y = tf.identity(tf.exp(x) * 1.0) + tf.exp(x)
    graph = tf.get_default_graph()
    before = [(op.name, [t.name for t in op.inputs]) for op in graph.get_operations()]
    session().run(y, {x: np.ones(2, np.float32)})
    assert [(op.name, [t.name for t in op.inputs]) for op in graph.get_operations()] == before


def test_switches_turn_the_passes_off(monkeypatch):
    x = tf.placeholder(tf.float32, [None])
    y = tf.identity(x) * 1.0
    feed = {x: np.ones(2, np.float32)}
    assert step_types(plan_of(session(False), y, feed)) == ["Identity", "Const", "Mul"]
    monkeypatch.setenv("TENSEUR_OPTIMIZE", "0")
    assert step_types(plan_of(tf.Session(), y, feed)) == ["Identity", "Const", "Mul"]
    monkeypatch.setenv("TENSEUR_OPTIMIZE", "1")
    assert step_types(plan_of(tf.Session(), y, feed)) == []


def test_describe_plan_and_print_plan(monkeypatch, capsys):
    x = tf.placeholder(tf.float32, [None])
    y = tf.exp(tf.identity(x))
    text = compiler.describe_plan(tf.Session(), y, {x: np.ones(2, np.float32)})
    before, after = text.split("plan after the passes")
    assert "Identity" in before and "Identity" not in after and "Exp" in after
    monkeypatch.setenv("TENSEUR_PRINT_PLAN", "1")
    tf.Session().run(y, {x: np.ones(2, np.float32)})
    printed = capsys.readouterr().out
    assert "plan before the passes: 2 nodes" in printed
    assert "plan after the passes: 1 nodes" in printed


def test_heavy_steps_run_on_the_helper_thread_with_the_same_results(monkeypatch):
    from tenseur.compiler import schedule
    monkeypatch.setattr(schedule, "MIN_FLOPS", 1.0)      # every product counts as heavy
    x = tf.placeholder(tf.float32, [None, 8])
    w1 = tf.Variable(np.random.default_rng(0).normal(size=(8, 6)).astype(np.float32))
    w2 = tf.Variable(np.random.default_rng(1).normal(size=(6, 4)).astype(np.float32))
    loss = tf.reduce_sum(tf.tanh(tf.matmul(tf.tanh(tf.matmul(x, w1)), w2)) ** 2)
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    batch = {x: np.random.default_rng(2).normal(size=(5, 8)).astype(np.float32)}
    results = []
    for threads in (2, 1):
        sess = tf.Session(config={"inter_op_threads": threads})
        sess.run(tf.global_variables_initializer())
        losses = [sess.run([loss, train], batch)[0] for _ in range(4)]
        plan = plan_of(sess, [loss, train], batch)
        assert bool(plan.async_steps) == (threads == 2)
        results.append(losses + sess.run([w1, w2]))
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_gradients_of_many_slices_of_one_tensor_are_summed_in_place_with_equal_bits():
    """x[:, t] for every step of a hand-written RNN: an AddN of zero-padded copies becomes one
    SliceGradSum writing each slice's gradient into one array; overlapping slices and a
    whole-array term in the sum keep the AddN's order of additions."""
    x = tf.placeholder(tf.float32, [4, 6, 5])
    w = tf.Variable(np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32))
    h = tf.zeros([4, 3])
    for t in range(6):
        h = tf.tanh(tf.matmul(x[:, t], w) + h)
    loss = tf.reduce_sum(h) + tf.reduce_sum(x[:, 1:4] * x[:, 2:5]) + tf.reduce_sum(x * x)
    grad = tf.gradients(loss, x)[0]
    feed = {x: np.random.default_rng(1).normal(size=(4, 6, 5)).astype(np.float32)}
    (opt, got), (plain, want) = run_both(grad, feed)
    assert "SliceGradSum" in step_types(opt) and "AddN" in op_types(plain)
    assert "StridedSliceGrad" not in step_types(opt)
    np.testing.assert_array_equal(got, want)
