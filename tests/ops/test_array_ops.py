"""Dedicated tests for the array ops: `t[...]` against NumPy indexing, static shapes with
unknown dimensions, error messages, dtypes and names as TF 1.x, gradients through dynamic
shapes — what the op-case table cannot express."""
import numpy as np
import pytest

import tenseur as tf
import tenseur.ops.array_ops_indexing as ai
from tenseur.framework.errors import DTypeError, InvalidArgumentError, ShapeError

X = np.arange(60, dtype=np.float32).reshape(3, 4, 5)


def run(fetches, feed=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed)


# -- t[...] against NumPy ------------------------------------------------------------------

KEYS = [
    1, -1, (1, 2), (slice(None), 2), (Ellipsis, 1), (None, 1), (1, 2, 3), (-1, -1, -1),
    (slice(1, None), None, slice(None, None, -1)), slice(-1, 0, -2), (Ellipsis, None),
    (0, Ellipsis, 0), slice(5, 10), (slice(None, None, 3), 1, slice(4, 1, -1)),
    (Ellipsis, slice(-2, None)), (slice(None), slice(None), None, slice(None), None),
    (slice(-100, 100), slice(1, -1, 2)), (None, Ellipsis, None, 2),
]


@pytest.mark.parametrize("key", KEYS, ids=repr)
def test_getitem_matches_numpy(key):
    x = tf.constant(X)
    y = x[key]
    expected = X[key]
    assert y.shape.as_list() == list(np.shape(expected))
    np.testing.assert_array_equal(run(y), expected)


@pytest.mark.skipif(not hasattr(tf.Variable, "__getitem__"),
                    reason="Variable copies t[...] only once tenseur/__init__.py imports "
                           "tenseur.ops.array_ops_indexing")
def test_getitem_on_a_variable_and_its_gradient():
    v = tf.Variable(X)
    y = v[1:, ::-2, 0]
    (grad,) = tf.gradients(tf.reduce_sum(y * 3.0), v)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        value, g = sess.run([y, grad])
    np.testing.assert_array_equal(value, X[1:, ::-2, 0])
    expected = np.zeros_like(X)
    expected[1:, ::-2, 0] = 3.0
    np.testing.assert_array_equal(g, expected)


@pytest.mark.parametrize("key, dims", [
    ((0,), [4, None]),
    ((slice(None), 1), [None, None]),
    ((Ellipsis, slice(1, 3)), [None, 4, None]),
    ((slice(None, None, -1), None), [None, 1, 4, None]),
    ((slice(0, 2), slice(1, None)), [None, 3, None]),
])
def test_getitem_static_shape_with_unknown_dims(key, dims):
    x = tf.placeholder(tf.float32, [None, 4, None])
    assert x[key].shape.as_list() == dims


def test_getitem_of_unknown_rank_has_unknown_shape():
    x = tf.placeholder(tf.float32)
    assert x[0].shape.ndims is None


@pytest.mark.parametrize("key, pattern", [
    ((5,), r"StridedSlice 'strided_slice'.*index 5 is out of range for dimension 0 of size 3"),
    ((0, -5), r"index -5 is out of range for dimension 1 of size 4"),
    ((0, 0, 0, 0), r"too many indices for a rank-3 tensor: 4 given"),
    ((Ellipsis, 0, Ellipsis), r"single ellipsis"),
])
def test_getitem_shape_errors(key, pattern):
    with pytest.raises(ShapeError, match=pattern):
        tf.constant(X)[key]


def test_getitem_takes_scalar_int_tensors_and_rejects_other_tensors_lists_and_zero_steps():
    x = tf.constant(X)
    i = tf.constant(1)
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(x[i]), X[1])
        np.testing.assert_array_equal(sess.run(x[:, i:]), X[:, 1:])
    with pytest.raises(TypeError, match=r"scalar tensors.*tenseur.gather"):
        x[tf.constant([0, 1])]
    with pytest.raises(tf.ShapeError, match=r"boolean_mask.*must not be a scalar"):
        x[tf.constant(True)]                     # a bool tensor is a mask (TensorFlow 2)
    with pytest.raises(TypeError, match=r"integer tensors"):
        x[tf.constant(1.0)]
    with pytest.raises(TypeError, match=r"Python ints as steps"):
        x[::i]
    with pytest.raises(TypeError, match=r"tenseur.gather.*boolean_mask"):
        x[[0, 1]]
    with pytest.raises(ValueError, match=r"step cannot be zero"):
        x[::0]


def test_shape_indexing_keeps_the_batch_dimension_static():
    x = tf.placeholder(tf.float32, [None, 28, 28])
    flat = tf.reshape(x, [tf.shape(x)[0], 28 * 28])
    assert flat.shape.as_list() == [None, 784]
    last = tf.reshape(x, tf.concat([tf.shape(x)[:1], [-1]], 0))
    assert last.shape.as_list() == [None, None]
    assert tf.reshape(x, [-1, 784]).shape.as_list() == [None, 784]
    out = run(flat, {x: np.ones((2, 28, 28), np.float32)})
    assert out.shape == (2, 784)


# -- reshape -------------------------------------------------------------------------------

def test_reshape_error_names_the_op_and_the_counts():
    x = tf.placeholder(tf.float32, [2, 3], name="x")
    with pytest.raises(ShapeError, match=r"Reshape 'Reshape': cannot reshape a tensor of 6 "
                                         r"elements into shape \(4, -1\): 6 is not a multiple "
                                         r"of 4"):
        tf.reshape(x, [4, -1])
    with pytest.raises(ShapeError, match=r"6 elements into shape \(4, 2\), which has 8"):
        tf.reshape(x, [4, 2])
    with pytest.raises(ShapeError, match=r"one -1"):
        tf.reshape(x, [-1, -1])


def test_reshape_with_a_fed_shape_fails_at_run_time_with_the_counts():
    x = tf.placeholder(tf.float32, [2, 3])
    shape = tf.placeholder(tf.int32, [2])
    y = tf.reshape(x, shape)
    assert y.shape.as_list() == [None, None]
    with pytest.raises(InvalidArgumentError, match=r"Reshape 'Reshape'.*6 values.*\(4, 2\)"):
        run(y, {x: np.zeros((2, 3)), shape: [4, 2]})
    assert run(y, {x: np.zeros((2, 3)), shape: [3, 2]}).shape == (3, 2)


def test_reshape_gradient_follows_the_fed_batch_size():
    x = tf.placeholder(tf.float32, [None, 2, 3])
    y = tf.reshape(x, [-1, 6])
    (grad,) = tf.gradients(tf.reduce_sum(y * 2.0), x)
    for batch in (1, 4):
        g = run(grad, {x: np.ones((batch, 2, 3))})
        np.testing.assert_array_equal(g, np.full((batch, 2, 3), 2.0))


# -- concat, stack, split ------------------------------------------------------------------

def test_concat_errors():
    a = tf.placeholder(tf.float32, [2, 3])
    with pytest.raises(ShapeError, match=r"ConcatV2 'concat': all values must have the same "
                                         r"rank, got shapes \(2, 3\), \(3,\)"):
        tf.concat([a, tf.placeholder(tf.float32, [3])], 0)
    with pytest.raises(ShapeError, match=r"dimension 0 must agree.*axis 1"):
        tf.concat([a, tf.placeholder(tf.float32, [4, 3])], 1)
    with pytest.raises(ShapeError, match=r"axis=2 is out of range"):
        tf.concat([a, a], 2)
    with pytest.raises(ShapeError, match=r"(?s)cannot concatenate scalars.*hint: use "
                                         r"tenseur.stack"):
        tf.concat([tf.constant(1.0), tf.constant(2.0)], 0)


def test_concat_static_shape_with_unknown_dims():
    a = tf.placeholder(tf.float32, [None, 3])
    b = tf.placeholder(tf.float32, [2, None])
    assert tf.concat([a, b], 0).shape.as_list() == [None, 3]
    assert tf.concat([b, tf.placeholder(tf.float32, [2, 4])], 1).shape.as_list() == [2, None]
    assert tf.concat([a, tf.placeholder(tf.float32)], 0).shape.as_list() == [None, 3]


def test_concat_gradient_splits_at_the_fed_sizes():
    a = tf.placeholder(tf.float32, [None, 2])
    b = tf.placeholder(tf.float32, [None, 2])
    y = tf.concat([a, b], 0)
    weights = tf.placeholder(tf.float32, [None, 2])
    grads = tf.gradients(tf.reduce_sum(y * weights), [a, b])
    w = np.arange(10, dtype=np.float32).reshape(5, 2)
    ga, gb = run(grads, {a: np.zeros((2, 2)), b: np.zeros((3, 2)), weights: w})
    np.testing.assert_array_equal(ga, w[:2])
    np.testing.assert_array_equal(gb, w[2:])


def test_split_errors():
    x = tf.placeholder(tf.float32, [2, 5])
    with pytest.raises(ShapeError, match=r"Split 'split': dimension 1 of size 5 cannot be split "
                                         r"evenly into num_split=2 pieces"):
        ai.split(x, 2, axis=1)
    with pytest.raises(ShapeError, match=r"SplitV 'split_1': size_splits=\[2, 2\] add up to 4, "
                                         r"but dimension 1 has size 5"):
        ai.split(x, [2, 2], axis=1)
    with pytest.raises(ShapeError, match=r"at most one -1"):
        ai.split(x, [-1, -1], axis=1)


def test_split_with_unknown_dim_runs():
    x = tf.placeholder(tf.float32, [None, 4])
    a, b = ai.split(x, 2, axis=0)
    c, d = ai.split(x, [1, -1], axis=1)
    assert a.shape.as_list() == [None, 4] and d.shape.as_list() == [None, 3]
    value = np.arange(8, dtype=np.float32).reshape(2, 4)
    got = run([a, b, c, d], {x: value})
    for g, e in zip(got, [value[:1], value[1:], value[:, :1], value[:, 1:]]):
        np.testing.assert_array_equal(g, e)


def test_stack_and_unstack():
    x = tf.placeholder(tf.float32, [None, 3])
    assert len(tf.unstack(x, axis=1)) == 3
    with pytest.raises(ValueError, match=r"cannot infer num from shape \(None, 3\).*pass num="):
        tf.unstack(x)
    assert tf.unstack(tf.zeros([0, 2])) == []
    with pytest.raises(ShapeError, match=r"Pack 'stack': all values must have one shape"):
        tf.stack([tf.zeros([2]), tf.zeros([3])])


# -- gather --------------------------------------------------------------------------------

def test_gather_errors():
    params = tf.placeholder(tf.float32, [4, 3])
    with pytest.raises(DTypeError, match=r"GatherV2 'GatherV2': indices must be int32 or "
                                         r"int64, got float32"):
        tf.gather(params, tf.constant([0.0]))
    with pytest.raises(ShapeError, match=r"axis=2 is out of range"):
        tf.gather(params, [0], axis=2)
    y = tf.gather(params, tf.placeholder(tf.int32, [None]), name="pick")
    with pytest.raises(InvalidArgumentError, match=r"GatherV2 'pick'.*indices\[1\] = 7 is not "
                                                   r"in \[0, 4\)"):
        run(y, {params: np.zeros((4, 3)), y.op.inputs[1]: [0, 7]})


def test_gather_gradient_accumulates_repeated_indices_at_run_time_sizes():
    params = tf.placeholder(tf.float32, [None, 2])
    indices = tf.placeholder(tf.int32, [None])
    (grad,) = tf.gradients(tf.reduce_sum(tf.gather(params, indices)), params)
    g = run(grad, {params: np.zeros((3, 2)), indices: [2, 2, 0, 2]})
    np.testing.assert_array_equal(g, [[1, 1], [0, 0], [3, 3]])


def test_tensordot_with_an_unknown_batch_uses_the_array_ops():
    a = tf.placeholder(tf.float32, [None, 3, 4])
    b = tf.constant(np.arange(20, dtype=np.float32).reshape(4, 5))
    y = tf.tensordot(a, b, 1)
    value = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
    np.testing.assert_allclose(run(y, {a: value}), value @ b.op.attrs["value"], rtol=1e-5)


# -- slice, squeeze, expand_dims, transpose ------------------------------------------------

def test_shape_errors_of_the_other_ops():
    x = tf.placeholder(tf.float32, [4, 3], name="x")
    cases = [
        (lambda: ai.slice(x, [2, 0], [3, -1]),
         r"Slice 'Slice': begin=2, size=3 is out of range for dimension 0 of size 4"),
        (lambda: ai.slice(x, [0], [1]), r"one entry per dimension of the rank-2 input"),
        (lambda: ai.squeeze(x, axis=[1]),
         r"Squeeze 'Squeeze': cannot squeeze dimension 1 of size 3"),
        (lambda: ai.expand_dims(x, 3), r"ExpandDims.*axis=3 is out of range.*-3 to 2"),
        (lambda: tf.transpose(x, [0, 0]),
         r"Transpose 'transpose': perm=\[0, 0\] is not a permutation of the axes \[0, 1\]"),
        (lambda: ai.tile(x, [1, 2, 3]), r"Tile 'Tile': multiples=\[1, 2, 3\] needs one entry"),
        (lambda: ai.pad(x, [[0, 0], [3, 0]], "REFLECT"),
         r"Pad 'Pad': REFLECT padding of 3 is too large for dimension 1 of size 3 \(at most 2\)"),
        (lambda: ai.pad(x, [[0, 0]]), r"one \(before, after\) pair per dimension"),
        (lambda: ai.reverse(x, [0, -2]), r"ReverseV2.*must be distinct axes"),
        (lambda: ai.one_hot(x, 3), r"OneHot 'one_hot': indices must be integers"),
    ]
    for build, pattern in cases:
        with pytest.raises((ShapeError, DTypeError), match=pattern):
            build()


def test_squeeze_and_expand_dims_with_unknown_dims():
    x = tf.placeholder(tf.float32, [None, 1, 3])
    assert ai.squeeze(x, axis=[1]).shape.as_list() == [None, 3]
    assert ai.squeeze(x).shape.ndims is None
    assert ai.expand_dims(x, -1).shape.as_list() == [None, 1, 3, 1]
    assert ai.expand_dims(x, 0, name="e").op.name == "e"
    (grad,) = tf.gradients(tf.reduce_sum(ai.squeeze(x, axis=[1]) * 2.0), x)
    np.testing.assert_array_equal(run(grad, {x: np.ones((2, 1, 3))}), np.full((2, 1, 3), 2.0))


def test_tile_with_unknown_dims_and_its_gradient():
    x = tf.placeholder(tf.float32, [None, 2])
    y = ai.tile(x, [3, 2])
    assert y.shape.as_list() == [None, 4]
    (grad,) = tf.gradients(tf.reduce_sum(y), x)
    np.testing.assert_array_equal(run(grad, {x: np.ones((5, 2))}), np.full((5, 2), 6.0))


# -- selecting, dtypes and names -----------------------------------------------------------

def test_dtypes_follow_tensorflow():
    x = tf.placeholder(tf.float32, [2, 3])
    assert tf.shape(x).dtype == tf.int32
    assert ai.rank(x).dtype == tf.int32
    assert ai.size(x).dtype == tf.int32
    assert ai.where(x > 0).dtype == tf.int64
    assert ai.where(x > 0).shape.as_list() == [None, 2]
    assert ai.one_hot([0, 1], 3).dtype == tf.float32
    assert ai.one_hot([0, 1], 3, on_value=1, off_value=0).dtype == tf.int32
    assert ai.one_hot([0, 1], 3, dtype=tf.float64).dtype == tf.float64
    assert [t.dtype for t in ai.shape_n([x, x], out_type=tf.int64)] == [tf.int64, tf.int64]


def test_where_with_x_and_y():
    with pytest.raises(ValueError, match=r"pass both x and y, or neither"):
        ai.where(tf.constant([True]), x=tf.constant([1.0]))
    y = ai.where(tf.constant([[True, False], [False, True]]), [[1, 2], [3, 4]], 0)
    assert y.op.type == "Select" and y.dtype == tf.int32
    np.testing.assert_array_equal(run(y), [[1, 0], [0, 4]])


def test_boolean_mask_errors_and_unknown_count():
    x = tf.placeholder(tf.float32, [4, 3])
    y = ai.boolean_mask(x, tf.placeholder(tf.bool, [4]))
    assert y.shape.as_list() == [None, 3]
    assert y.op.name.startswith("boolean_mask/")
    with pytest.raises(ShapeError, match=r"mask of shape \(3,\) does not match dimensions 0 to 0"):
        ai.boolean_mask(x, tf.constant([True, False, True]))


def test_default_node_names_are_tensorflows():
    x = tf.placeholder(tf.float32, [2, 4])
    built = [tf.reshape(x, [8]), tf.transpose(x), tf.concat([x, x], 0), tf.stack([x, x]),
             ai.split(x, 2, axis=1)[0], tf.gather(x, [0]), x[0], ai.slice(x, [0, 0], [1, 1]),
             ai.tile(x, [1, 1]), ai.pad(x, [[0, 0], [1, 1]]), ai.expand_dims(x, 0),
             ai.one_hot([1], 2), ai.where(x > 0), ai.reverse(x, [0])]
    assert [t.op.name for t in built] == [
        "Reshape", "transpose", "concat", "stack", "split", "GatherV2", "strided_slice", "Slice",
        "Tile", "Pad", "ExpandDims", "one_hot", "Where", "ReverseV2"]


def test_gradient_kernels_do_not_modify_their_inputs():
    x = tf.placeholder(tf.float32, [4, 3])
    outputs = [x[1:, ::-1], ai.pad(x, [[1, 2], [2, 0]], "SYMMETRIC"), tf.gather(x, [0, 0, 2]),
               tf.concat([x, x], 1), ai.tile(x, [2, 1])]
    weights = [tf.placeholder(tf.float32, out.shape) for out in outputs]
    loss = tf.add_n([tf.reduce_sum(o * w) for o, w in zip(outputs, weights)])
    (grad,) = tf.gradients(loss, x)
    rng = np.random.default_rng(0)
    feed = {w: rng.standard_normal(w.shape.as_list()).astype(np.float32) for w in weights}
    feed[x] = rng.standard_normal((4, 3)).astype(np.float32)
    before = {k: v.copy() for k, v in feed.items()}
    run(grad, feed)
    for key, value in feed.items():
        np.testing.assert_array_equal(value, before[key])


# -- ops of a variable number of outputs, with one ----------------------------------------

ONE_PIECE = {
    "split num=1": lambda x: tf.split(x, 1, axis=0),
    "split sizes=[5]": lambda x: tf.split(x, [5], axis=2),
    "unstack of a size-1 axis": lambda x: tf.unstack(tf.expand_dims(x, 1), axis=1),
    "identity_n": lambda x: tf.identity_n([x]),
    "gradient of stack([x])": lambda x: tf.gradients(tf.stack([x], axis=1) * 2.0, [x]),
    "gradient of concat([x])": lambda x: tf.gradients(tf.concat([x], 1) * 2.0, [x]),
}


@pytest.mark.parametrize("build", ONE_PIECE.values(), ids=ONE_PIECE.keys())
@pytest.mark.parametrize("fed", [True, False], ids=["fed", "constant"])
def test_a_list_of_one_output_runs_as_the_array(build, fed):
    """A kernel returning a list of one piece gave the executor the list as the value (shape (1,
    3, 4, 5), found by fuzzing against TF); fed inputs run the plan, constants are folded."""
    x = tf.placeholder(tf.float32, X.shape) if fed else tf.constant(X)
    (out,) = build(x)
    assert out.shape.as_list() == list(X.shape)
    expected = np.full_like(X, 2.0) if out.name.startswith("gradients") else X
    np.testing.assert_array_equal(run(out, {x: X} if fed else None), expected)


def test_shape_n_of_one_tensor():
    x = tf.placeholder(tf.float32, [None, 4])
    (shape,) = tf.shape_n([x])
    np.testing.assert_array_equal(run(shape, {x: np.zeros((3, 4), np.float32)}), [3, 4])


def test_a_list_of_one_output_in_eager_mode():
    from tenseur import eager
    with eager.eager_mode():
        (piece,) = tf.split(tf.constant(X), 1, axis=0)
        (row,) = tf.unstack(tf.constant(X[:1]))
        assert piece.numpy().shape == X.shape and row.numpy().shape == X.shape[1:]
