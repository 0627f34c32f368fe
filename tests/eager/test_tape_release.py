"""A tape lets go of the large tensors no gradient reads (autodiff/records.py): a convolution's
output before its bias add and the bias add's result before a ReLU are freed during the forward
pass, as a graph plan frees them; the gradients are bit for bit those of a tape that keeps
everything, through the op-by-op walk and the compiled tape plan, with tensors watched late,
read again by later ops, or differentiated twice over."""
import gc
import weakref

import numpy as np
import pytest

import tenseur as tf
from tenseur.autodiff import records
from tenseur.autodiff import tape as tape_module
from tenseur.eager import GradientTape, eager_mode

rng = np.random.default_rng(21)


@pytest.fixture(autouse=True)
def fresh_caches(monkeypatch):
    monkeypatch.setattr(tape_module, "_tape_plans", {})
    monkeypatch.setattr(tape_module, "_tape_seen", set())
    monkeypatch.setattr(records, "_reads_cache", {})
    monkeypatch.setattr(records, "_RELEASE_MIN_BYTES", 1 << 10)


def _keep_everything(monkeypatch):
    monkeypatch.setattr(records, "_RELEASE_MIN_BYTES", float("inf"))


def _params():
    return [rng.normal(size=s).astype(np.float32) * 0.2
            for s in ((3, 3, 1, 8), (8,), (3, 3, 8, 4), (4,), (3 * 3 * 4, 5), (5,))]


def _cnn_gradients(values, x, steps=1, spy=None):
    """Gradients of a small CNN's loss for its weights, `steps` times (the second and later
    through the compiled tape plan); `spy(tape, intermediates)` sees the tape before gradient()."""
    with eager_mode():
        params = [tf.Variable(v) for v in values]
        xt = tf.constant(x)
        results = []
        for _ in range(steps):
            with GradientTape() as tape:
                conv = tf.nn.conv2d(xt, params[0], [1, 1, 1, 1], "VALID")
                refs = [weakref.ref(conv)]
                h = tf.nn.relu(tf.nn.bias_add(conv, params[1]))
                del conv
                h = tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
                h = tf.nn.relu(tf.nn.bias_add(
                    tf.nn.conv2d(h, params[2], [1, 1, 1, 1], "VALID"), params[3]))
                h = tf.reshape(h, [x.shape[0], -1])          # read again by the product
                logits = tf.nn.bias_add(tf.matmul(h, params[4]), params[5])
                loss = tf.reduce_mean(tf.square(logits))
            if spy is not None:
                spy(tape, refs)
            results.append([g.numpy() for g in tape.gradient(loss, params)])
    return results


def test_the_gradients_are_those_of_a_tape_keeping_everything(monkeypatch):
    values, x = _params(), rng.normal(size=(6, 12, 12, 1)).astype(np.float32)
    monkeypatch.setattr(tape_module, "compile_at_first_sight", False)
    released = _cnn_gradients(values, x, steps=3)         # walk, walk, then the tape plan
    _keep_everything(monkeypatch)
    kept = _cnn_gradients(values, x, steps=3)
    for got, want in zip(released, kept):
        for g, w in zip(got, want):
            assert g.tobytes() == w.tobytes()
    assert tape_module._tape_plans                          # the plan did run


def test_the_convolution_output_is_freed_before_the_gradient():
    seen = {}

    def spy(tape, refs):
        gc.collect()
        seen["freed"] = refs[0]() is None
        first = {}
        for r in tape._records:                  # the first convolution's bias add and ReLU
            first.setdefault(r.type, r)
        seen["bias_input"] = type(first["BiasAdd"].inputs[0]).__name__
        seen["relu_output"] = type(first["Relu"].outputs[0]).__name__
        seen["tracked"] = all(isinstance(k, int) for k in tape._tracked)

    _cnn_gradients(_params(), rng.normal(size=(6, 12, 12, 1)).astype(np.float32), spy=spy)
    assert seen == {"freed": True, "bias_input": "Released", "relu_output": "EagerTensor",
                    "tracked": True}


def test_a_tensor_watched_after_its_op_ran_still_gets_its_gradient():
    a = rng.normal(size=(64, 64)).astype(np.float32)
    b = rng.normal(size=(64, 64)).astype(np.float32)
    with eager_mode():
        at, bt = tf.constant(a), tf.constant(b)
        with GradientTape(persistent=True) as tape:
            tape.watch(at)
            z = at * bt                  # recorded for a; b's gradient needs a's value
            tape.watch(bt)
            loss = tf.reduce_sum(z * z)
        ga, gb = tape.gradient(loss, [at, bt])
    np.testing.assert_allclose(ga.numpy(), 2 * a * b * b, rtol=1e-5)
    np.testing.assert_allclose(gb.numpy(), 2 * a * b * a, rtol=1e-5)


def test_nested_tapes_keep_everything_for_second_derivatives():
    x = rng.normal(size=(40, 40)).astype(np.float32)
    with eager_mode():
        xt = tf.constant(x)
        with GradientTape() as outer:
            outer.watch(xt)
            with GradientTape() as inner:
                inner.watch(xt)
                y = tf.reduce_sum(tf.nn.relu(xt + 1.0) ** 3)
            g = inner.gradient(y, xt)
            assert not any(type(t).__name__ == "Released"
                           for r in inner._records for t in (*r.inputs, *r.outputs))
            total = tf.reduce_sum(g)
        gg = outer.gradient(total, xt)
    np.testing.assert_allclose(gg.numpy(), 6 * np.maximum(x + 1, 0), rtol=1e-5)


def test_a_released_value_read_by_mistake_fails_loudly():
    with eager_mode():
        stand_in = records.Released(tf.constant(np.ones((3, 2), np.float32)))
    assert stand_in.shape.as_list() == [3, 2] and stand_in.dtype == tf.float32
    with pytest.raises(RuntimeError, match="released by the tape"):
        stand_in._value  # noqa: B018
