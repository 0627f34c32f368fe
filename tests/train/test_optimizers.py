"""Optimizers: two steps against the update rules written out in NumPy, slots, global step.

The loss `sum(a * w^2) / 2 + sum(c * w)` has the gradient `a * w + c`, which changes between
the steps, so a rule that ignores its state or its step count is caught on the second step.
Variables are float64 so the comparison is tight.
"""
import inspect

import numpy as np
import pytest

import tenseur as tf
import tenseur.train as train

W0 = np.array([0.5, -1.5, 2.0, 0.05])
A = np.array([1.0, 2.0, 0.5, 3.0])
C = np.array([0.3, -0.2, 0.1, -0.4])
# (start value, a, c): a vector variable, and a scalar one (0-d arrays take another path).
PROBLEMS = [(W0, A, C), (W0[1], A[1], C[1])]


def grad_of(w, a=A, c=C):
    return a * w + c


def quadratic_loss(w, a=A, c=C):
    return tf.reduce_sum(a * tf.square(w)) / 2.0 + tf.reduce_sum(c * w)


def two_steps(optimizer, w0=W0, a=A, c=C, dtype=np.float64):
    """The values of `w` after one and after two runs of `optimizer.minimize(loss)`."""
    w = tf.Variable(np.asarray(w0, dtype), name="w")
    train_op = optimizer.minimize(quadratic_loss(w, a, c))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train_op)
        first = sess.run(w)
        sess.run(train_op)
        return first, sess.run(w)


def reference_steps(step_fn, w0=W0, a=A, c=C):
    """Two steps of `step_fn(w, g, state, t) -> w` written from the published formulas."""
    w, state, out = np.asarray(w0, np.float64), {}, []
    for t in (1, 2):
        w = step_fn(w, grad_of(w, a, c), state, t)
        out.append(w)
    return out


def assert_two_steps(make_optimizer, step_fn, rtol=1e-12):
    """`make_optimizer()`'s two steps match the reference, for a vector and a scalar."""
    for w0, a, c in PROBLEMS:
        tf.reset_default_graph()
        got = two_steps(make_optimizer(), w0, a, c)
        want = reference_steps(step_fn, w0, a, c)
        assert np.shape(got[1]) == np.shape(w0)
        np.testing.assert_allclose(got[0], want[0], rtol=rtol, atol=1e-15)
        np.testing.assert_allclose(got[1], want[1], rtol=rtol, atol=1e-15)


# -- update rules --------------------------------------------------------------------------

def test_gradient_descent():
    def step(w, g, s, t):
        return w - 0.1 * g
    assert_two_steps(lambda: train.GradientDescentOptimizer(0.1), step)


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum(nesterov):
    lr, mu = 0.1, 0.9

    def step(w, g, s, t):
        s["a"] = mu * s.get("a", 0.0) + g
        return w - lr * (g + mu * s["a"]) if nesterov else w - lr * s["a"]
    assert_two_steps(lambda: train.MomentumOptimizer(lr, mu, use_nesterov=nesterov), step)


def test_adam_with_tf_defaults_and_bias_correction():
    lr, b1, b2, eps = 0.001, 0.9, 0.999, 1e-8

    def step(w, g, s, t):
        s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
        s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
        lr_t = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        return w - lr_t * s["m"] / (np.sqrt(s["v"]) + eps)
    assert_two_steps(lambda: train.AdamOptimizer(), step)


def test_adam_custom_hyper_parameters():
    lr, b1, b2, eps = 0.05, 0.5, 0.75, 0.1

    def step(w, g, s, t):
        s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
        s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
        lr_t = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        return w - lr_t * s["m"] / (np.sqrt(s["v"]) + eps)
    assert_two_steps(lambda: train.AdamOptimizer(lr, beta1=b1, beta2=b2, epsilon=eps), step)


@pytest.mark.parametrize("momentum", [0.0, 0.5])
def test_rmsprop_defaults_rms_starts_at_one(momentum):
    lr, decay, eps = 0.01, 0.9, 1e-10

    def step(w, g, s, t):
        s["ms"] = decay * s.get("ms", 1.0) + (1 - decay) * g * g
        s["mom"] = momentum * s.get("mom", 0.0) + lr * g / np.sqrt(s["ms"] + eps)
        return w - s["mom"]
    assert_two_steps(lambda: train.RMSPropOptimizer(lr, momentum=momentum), step)


def test_centered_rmsprop():
    lr, decay, momentum, eps = 0.01, 0.8, 0.3, 1e-6

    def step(w, g, s, t):
        s["ms"] = decay * s.get("ms", 1.0) + (1 - decay) * g * g
        s["mg"] = decay * s.get("mg", 0.0) + (1 - decay) * g
        denom = np.sqrt(s["ms"] - s["mg"] ** 2 + eps)
        s["mom"] = momentum * s.get("mom", 0.0) + lr * g / denom
        return w - s["mom"]
    assert_two_steps(lambda: train.RMSPropOptimizer(lr, decay=decay, momentum=momentum,
                                                    epsilon=eps, centered=True), step)


def test_adagrad_accumulator_starts_at_point_one():
    lr = 0.5

    def step(w, g, s, t):
        s["acc"] = s.get("acc", 0.1) + g * g
        return w - lr * g / np.sqrt(s["acc"])
    assert_two_steps(lambda: train.AdagradOptimizer(lr), step)


def test_adadelta_defaults():
    lr, rho, eps = 0.001, 0.95, 1e-8

    def step(w, g, s, t):
        s["acc"] = rho * s.get("acc", 0.0) + (1 - rho) * g * g
        update = np.sqrt(s.get("upd", 0.0) + eps) / np.sqrt(s["acc"] + eps) * g
        s["upd"] = rho * s.get("upd", 0.0) + (1 - rho) * update * update
        return w - lr * update
    assert_two_steps(lambda: train.AdadeltaOptimizer(), step)


def ftrl_step(lr, power, l1, l2, shrinkage=0.0, init=0.1):
    """FTRL-proximal as McMahan et al. (2013), algorithm 1, with TF's per-coordinate rates."""
    def step(w, g, s, t):
        n = s.get("n", np.full_like(w, init))
        z = s.get("z", np.zeros_like(w))
        n_new = n + g * g
        sigma = (n_new ** -power - n ** -power) / lr
        z = z + g + 2 * shrinkage * w - sigma * w
        quadratic = n_new ** -power / lr + 2 * l2
        s["n"], s["z"] = n_new, z
        return np.where(np.abs(z) > l1, (np.sign(z) * l1 - z) / quadratic, 0.0)
    return step


def test_ftrl_defaults():
    assert_two_steps(lambda: train.FtrlOptimizer(0.2), ftrl_step(0.2, -0.5, 0.0, 0.0))


def test_ftrl_l1_l2_zeroes_small_weights():
    optimizer = train.FtrlOptimizer(0.2, l1_regularization_strength=0.35,
                                    l2_regularization_strength=0.1)
    got = two_steps(optimizer)
    want = reference_steps(ftrl_step(0.2, -0.5, 0.35, 0.1))
    np.testing.assert_allclose(got[1], want[1], rtol=1e-12)
    assert (got[1] == 0.0).any() and (got[1] != 0.0).any()   # the L1 threshold is exercised


def test_ftrl_general_power_and_shrinkage():
    def make():
        return train.FtrlOptimizer(0.3, learning_rate_power=-0.25, initial_accumulator_value=0.5,
                                   l1_regularization_strength=0.01,
                                   l2_regularization_strength=0.02,
                                   l2_shrinkage_regularization_strength=0.05)
    assert_two_steps(make, ftrl_step(0.3, -0.25, 0.01, 0.02, shrinkage=0.05, init=0.5),
                     rtol=1e-11)


@pytest.mark.parametrize("cls,kwargs,message", [
    (train.AdagradOptimizer, {"learning_rate": 0.1, "initial_accumulator_value": 0.0},
     "initial_accumulator_value must be positive"),
    (train.FtrlOptimizer, {"learning_rate": 0.1, "learning_rate_power": 0.5},
     "learning_rate_power 0.5 needs to be negative or zero"),
    (train.FtrlOptimizer, {"learning_rate": 0.1, "l1_regularization_strength": -1.0},
     "l1_regularization_strength -1.0 needs to be positive or zero"),
])
def test_invalid_hyper_parameters(cls, kwargs, message):
    with pytest.raises(ValueError, match=message):
        cls(**kwargs)


def test_constructor_defaults_match_tensorflow():
    tf_defaults = {
        train.GradientDescentOptimizer: {"use_locking": False, "name": "GradientDescent"},
        train.MomentumOptimizer: {"name": "Momentum", "use_nesterov": False},
        train.AdamOptimizer: {"learning_rate": 0.001, "beta1": 0.9, "beta2": 0.999,
                              "epsilon": 1e-08, "name": "Adam"},
        train.RMSPropOptimizer: {"decay": 0.9, "momentum": 0.0, "epsilon": 1e-10,
                                 "centered": False, "name": "RMSProp"},
        train.AdagradOptimizer: {"initial_accumulator_value": 0.1, "name": "Adagrad"},
        train.AdadeltaOptimizer: {"learning_rate": 0.001, "rho": 0.95, "epsilon": 1e-08,
                                  "name": "Adadelta"},
        train.FtrlOptimizer: {"learning_rate_power": -0.5, "initial_accumulator_value": 0.1,
                              "l1_regularization_strength": 0.0,
                              "l2_regularization_strength": 0.0, "name": "Ftrl",
                              "l2_shrinkage_regularization_strength": 0.0},
    }
    for cls, expected in tf_defaults.items():
        params = inspect.signature(cls).parameters
        actual = {key: params[key].default for key in expected}
        assert actual == expected, cls.__name__


# -- dtypes, state, fused ops --------------------------------------------------------------

def test_float32_variable_keeps_its_dtype_and_updates_are_functional():
    w = tf.Variable(W0.astype(np.float32), name="w")
    train_op = train.AdamOptimizer(0.1).minimize(quadratic_loss(w))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        stored = sess._state.variables["w"]
        snapshot = stored.copy()
        sess.run(train_op)
        assert sess._state.variables["w"] is not stored
        np.testing.assert_array_equal(stored, snapshot)    # the old array was not mutated
        for name in ("w", "w/Adam", "w/Adam_1", "beta1_power"):
            value = sess._state.variables[name]
            assert value.dtype == np.float32 and not value.flags.writeable, name


def test_sgd_update_fast_path_is_functional_and_matches_the_shared_path(monkeypatch):
    # A plain session's SGD update reads and stores the variable dict directly; a state
    # whose read/write are its own, or a non-array step size, takes the shared path. Same bits.
    from tenseur.ops import training_ops
    assert training_ops._plain_state(tf.Session()._state)
    results = {}
    for plain in (True, False):
        if not plain:
            monkeypatch.setattr(training_ops, "_plain_state", lambda ctx: False)
        tf.reset_default_graph()
        w = tf.Variable(W0.astype(np.float32), name="w")
        train_op = train.GradientDescentOptimizer(0.3).minimize(quadratic_loss(w))
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            before = sess.run(w)
            stored = sess._state.variables["w"]
            for _ in range(3):
                sess.run(train_op)
            after = sess._state.variables["w"]
            assert after is not stored and not after.flags.writeable
            assert after.dtype == np.float32
            np.testing.assert_array_equal(stored, before)      # never mutated
            results[plain] = after.copy()
    assert results[True].tobytes() == results[False].tobytes()


def test_sgd_update_of_an_uninitialized_variable_says_so():
    w = tf.Variable(W0, name="w")
    train_op = train.GradientDescentOptimizer(0.1).minimize(quadratic_loss(w))
    with tf.Session() as sess:
        with pytest.raises(tf.FailedPreconditionError, match="uninitialized value w"):
            sess.run(train_op)


def test_one_fused_update_op_per_variable():
    w = tf.Variable(W0, name="w")
    b = tf.Variable(1.0, dtype=tf.float64, name="b")
    train_op = train.AdamOptimizer().minimize(quadratic_loss(w) + b * b)
    graph = tf.get_default_graph()
    applies = [op for op in graph.get_operations() if op.type == "ApplyAdam"]
    assert sorted(op.name for op in applies) == ["Adam/update_b/ApplyAdam",
                                                 "Adam/update_w/ApplyAdam"]
    assert applies[0].get_attr("slot_names") in (("w/Adam", "w/Adam_1"), ("b/Adam", "b/Adam_1"))
    assert applies[0].op_def.gradient == tf.NOT_DIFFERENTIABLE
    assert isinstance(train_op, tf.Operation) and train_op.name == "Adam"


def test_apply_op_output_is_the_new_value():
    from tenseur.ops import training_ops
    w = tf.Variable(np.array([1.0, 2.0]), name="w")
    new_w = training_ops.apply_gradient_descent(w, tf.constant(0.5, tf.float64),
                                                tf.constant([2.0, -2.0], tf.float64))
    with tf.Session() as sess:
        sess.run(w.initializer)
        np.testing.assert_array_equal(sess.run(new_w), [0.0, 3.0])
        np.testing.assert_array_equal(sess.run(w), [0.0, 3.0])


def test_gradient_of_wrong_shape_is_rejected_when_building():
    from tenseur.ops import training_ops
    w = tf.Variable(np.zeros(3, np.float32), name="w")
    with pytest.raises(tf.ShapeError, match=r"ApplyGradientDescent.*\(2,\).*w.*\(3,\)"):
        training_ops.apply_gradient_descent(w, 0.1, tf.constant([1.0, 2.0]))


# -- slots ---------------------------------------------------------------------------------

@pytest.mark.parametrize("optimizer,slots", [
    (lambda: train.MomentumOptimizer(0.1, 0.9), {"momentum": "w/Momentum"}),
    (lambda: train.AdamOptimizer(), {"m": "w/Adam", "v": "w/Adam_1"}),
    (lambda: train.RMSPropOptimizer(0.1), {"rms": "w/RMSProp", "momentum": "w/RMSProp_1"}),
    (lambda: train.RMSPropOptimizer(0.1, centered=True),
     {"rms": "w/RMSProp", "mg": "w/RMSProp_1", "momentum": "w/RMSProp_2"}),
    (lambda: train.AdagradOptimizer(0.1), {"accumulator": "w/Adagrad"}),
    (lambda: train.AdadeltaOptimizer(), {"accum": "w/Adadelta", "accum_update": "w/Adadelta_1"}),
    (lambda: train.FtrlOptimizer(0.1), {"accum": "w/Ftrl", "linear": "w/Ftrl_1"}),
])
def test_slot_names_and_collections(optimizer, slots):
    w = tf.Variable(W0, name="w")
    opt = optimizer()
    with tf.name_scope("training"):       # slots are named after the variable, not the scope
        opt.minimize(quadratic_loss(w))
    assert opt.get_slot_names() == sorted(slots)
    for slot_name, var_name in slots.items():
        slot = opt.get_slot(w, slot_name)
        assert slot.name == var_name + ":0"
        assert slot in tf.global_variables()
        assert slot not in tf.trainable_variables()
        assert slot.shape == w.shape and slot.dtype == w.dtype
    assert opt.get_slot(w, "no_such_slot") is None
    assert tf.trainable_variables() == [w]


def test_slots_start_values_after_global_variables_initializer():
    w = tf.Variable(W0.astype(np.float32), name="w")
    rms = train.RMSPropOptimizer(0.1)
    adagrad = train.AdagradOptimizer(0.1, initial_accumulator_value=0.25)
    rms.minimize(quadratic_loss(w))
    adagrad.minimize(quadratic_loss(w))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(rms.get_slot(w, "rms")), np.ones(4))
        np.testing.assert_array_equal(sess.run(rms.get_slot(w, "momentum")), np.zeros(4))
        np.testing.assert_allclose(sess.run(adagrad.get_slot(w, "accumulator")), 0.25)


def test_adam_non_slot_variables_and_variables_list():
    w = tf.Variable(W0, name="w")
    opt = train.AdamOptimizer(beta1=0.8, beta2=0.7)
    train_op = opt.minimize(quadratic_loss(w))
    names = [v.name for v in opt.variables()]
    assert names == ["beta1_power:0", "beta2_power:0", "w/Adam:0", "w/Adam_1:0"]
    beta1_power = opt.variables()[0]
    assert beta1_power not in tf.trainable_variables()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train_op)
        sess.run(train_op)
        assert sess.run(beta1_power) == pytest.approx(0.8 ** 3)
        assert sess.run(opt.variables()[1]) == pytest.approx(0.7 ** 3)


# -- minimize, compute_gradients, apply_gradients --------------------------------------------

def test_global_step_incremented_once_per_run():
    w = tf.Variable(W0, name="w")
    step = train.get_or_create_global_step()
    train_op = train.AdamOptimizer().minimize(quadratic_loss(w), global_step=step)
    assert train_op.type == "AssignAdd" and train_op.name == "Adam"
    assert train_op in tf.get_collection(tf.GraphKeys.TRAIN_OP)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(3):
            assert sess.run(train_op) is None
        assert train.global_step(sess, step) == 3


def test_global_step_update_runs_after_the_variable_updates():
    w = tf.Variable(W0, name="w")
    step = train.get_or_create_global_step()
    train_op = train.GradientDescentOptimizer(0.1).minimize(quadratic_loss(w), global_step=step)
    (update,) = train_op.control_inputs
    assert update.name == "GradientDescent/update"
    assert [op.type for op in update.control_inputs] == ["ApplyGradientDescent"]


def test_minimize_under_control_dependencies_keeps_slot_initializers_free():
    # The batch-norm pattern: updates gated on UPDATE_OPS that need a fed placeholder; the
    # slot variables' initializers must not inherit that dependency.
    x = tf.placeholder(tf.float64, [4], name="x")
    w = tf.Variable(W0, name="w")
    moving = tf.Variable(np.zeros(4), trainable=False, name="moving")
    update_moving = moving.assign(x)
    with tf.control_dependencies([update_moving]):
        train_op = train.AdamOptimizer().minimize(quadratic_loss(w))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())      # feeds nothing
        sess.run(train_op, feed_dict={x: np.ones(4)})
        np.testing.assert_array_equal(sess.run(moving), np.ones(4))


def test_var_list_restricts_the_update():
    w = tf.Variable(W0, name="w")
    b = tf.Variable(2.0, dtype=tf.float64, name="b")
    loss = quadratic_loss(w) + b * b
    train_op = train.GradientDescentOptimizer(0.1).minimize(loss, var_list=[w])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train_op)
        assert sess.run(b) == 2.0
        np.testing.assert_allclose(sess.run(w), W0 - 0.1 * grad_of(W0))


def test_none_gradients_are_kept_by_compute_and_skipped_by_apply():
    w = tf.Variable(W0, name="w")
    unused = tf.Variable(np.ones(2), name="unused")
    opt = train.MomentumOptimizer(0.1, 0.5)
    grads_and_vars = opt.compute_gradients(quadratic_loss(w))
    assert [v for _, v in grads_and_vars] == [w, unused]
    assert grads_and_vars[1][0] is None and grads_and_vars[0][0] is not None
    train_op = opt.apply_gradients(grads_and_vars)
    assert opt.get_slot(unused, "momentum") is None
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train_op)
        np.testing.assert_array_equal(sess.run(unused), [1.0, 1.0])
        np.testing.assert_allclose(sess.run(w), W0 - 0.1 * grad_of(W0))


def test_all_none_gradients_raise():
    w = tf.Variable(W0, name="w")
    loss = tf.reduce_sum(tf.stop_gradient(w))
    with pytest.raises(ValueError, match=r"No gradients provided for any variable, check your "
                                         r"graph for ops that do not support gradients, between "
                                         r"variables \[.*w.*\] and loss"):
        train.AdamOptimizer().minimize(loss)


def test_no_variables_to_optimize():
    loss = tf.reduce_sum(tf.constant([1.0, 2.0]))
    with pytest.raises(ValueError, match="No variables to optimize"):
        train.GradientDescentOptimizer(0.1).minimize(loss)


def test_integer_variable_is_rejected():
    w = tf.Variable(W0, name="w")
    counter = tf.Variable(0, name="counter")
    with pytest.raises(TypeError, match="Invalid type int32 for counter"):
        train.GradientDescentOptimizer(0.1).minimize(quadratic_loss(w), var_list=[w, counter])


def test_apply_gradients_with_modified_gradients():
    w = tf.Variable(W0, name="w")
    opt = train.GradientDescentOptimizer(1.0)
    clipped = [(tf.clip_by_value(g, -0.1, 0.1), v)
               for g, v in opt.compute_gradients(quadratic_loss(w))]
    train_op = opt.apply_gradients(clipped, name="clipped_step")
    assert train_op.name == "clipped_step"
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train_op)
        np.testing.assert_allclose(sess.run(w), W0 - np.clip(grad_of(W0), -0.1, 0.1))


def test_learning_rate_from_a_placeholder():
    w = tf.Variable(W0, name="w")               # float64: the float32 rate is cast
    lr = tf.placeholder(tf.float32, shape=[], name="lr")
    train_op = train.GradientDescentOptimizer(lr).minimize(quadratic_loss(w))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train_op, feed_dict={lr: 0.0})
        np.testing.assert_array_equal(sess.run(w), W0)
        sess.run(train_op, feed_dict={lr: 0.5})
        np.testing.assert_allclose(sess.run(w), W0 - 0.5 * grad_of(W0))


def test_two_sessions_do_not_share_slots():
    w = tf.Variable(W0, name="w")
    train_op = train.MomentumOptimizer(0.1, 0.9).minimize(quadratic_loss(w))
    init = tf.global_variables_initializer()
    with tf.Session() as first, tf.Session() as second:
        first.run(init)
        second.run(init)
        first.run(train_op)
        first.run(train_op)
        second.run(train_op)
        np.testing.assert_allclose(second.run(w), W0 - 0.1 * grad_of(W0))


def test_a_tf_style_subclass_with_its_own_slot():
    class SignDescent(train.Optimizer):
        """var -= lr * scale * sign(grad), with a per-variable `scale` slot starting at ones."""

        def __init__(self, learning_rate):
            super().__init__(use_locking=False, name="SignDescent")
            self._lr = learning_rate

        def _create_slots(self, var_list):
            for v in var_list:
                self._get_or_make_slot_with_initializer(v, tf.ones_initializer(), v.shape,
                                                        v.dtype, "scale", self._name)

        def _apply_dense(self, grad, var):
            return var.assign_sub(self._lr * self.get_slot(var, "scale") * tf.sign(grad))

    w = tf.Variable(W0, name="w")
    opt = SignDescent(0.25)
    train_op = opt.minimize(quadratic_loss(w))
    assert opt.get_slot(w, "scale").name == "w/SignDescent:0"
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train_op)
        np.testing.assert_allclose(sess.run(w), W0 - 0.25 * np.sign(grad_of(W0)))


# -- convergence ---------------------------------------------------------------------------

@pytest.mark.parametrize("make,steps", [
    (lambda: train.GradientDescentOptimizer(0.5), 200),
    (lambda: train.MomentumOptimizer(0.1, 0.9), 200),
    (lambda: train.MomentumOptimizer(0.1, 0.9, use_nesterov=True), 200),
    (lambda: train.AdamOptimizer(0.1), 300),
    (lambda: train.RMSPropOptimizer(0.02), 400),
    (lambda: train.RMSPropOptimizer(0.01, momentum=0.5, centered=True), 400),
    (lambda: train.AdagradOptimizer(1.0), 300),
    (lambda: train.AdadeltaOptimizer(50.0), 400),
    (lambda: train.FtrlOptimizer(1.0), 300),
], ids=["sgd", "momentum", "nesterov", "adam", "rmsprop", "centered_rmsprop", "adagrad",
        "adadelta", "ftrl"])
def test_linear_regression_converges(make, steps):
    rng = np.random.RandomState(0)
    xs = rng.uniform(-1, 1, size=(64, 1)).astype(np.float32)
    ys = 3 * xs + 2
    x = tf.placeholder(tf.float32, [None, 1], name="x")
    y = tf.placeholder(tf.float32, [None, 1], name="y")
    w = tf.Variable(tf.zeros([1, 1]), name="w")
    b = tf.Variable(tf.zeros([1]), name="b")
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y))
    train_op = make().minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(steps):
            sess.run(train_op, feed_dict={x: xs, y: ys})
        w_value, b_value = sess.run([w, b])
    assert abs(w_value[0, 0] - 3.0) < 0.05 and abs(b_value[0] - 2.0) < 0.05, (w_value, b_value)
