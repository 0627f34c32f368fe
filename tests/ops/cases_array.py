"""Op cases for the array family: values, shapes, reshaping, joining, gathering, slicing,
`t[...]`, padding, selecting. References are written with NumPy from the math."""
import numpy as np

import tenseur as tf
import tenseur.ops.array_ops_indexing as ai
from tenseur.ops.registry import apply_op
from tenseur.testing import OpCase

rng = np.random.default_rng(4321)


def u(*shape):
    return rng.uniform(-2.0, 2.0, size=shape)


def ints(*shape, high):
    return rng.integers(0, high, size=shape).astype(np.int32)


def unknown(x, shape):
    """`x` seen with a partly unknown static shape (e.g. [None, 4]): exercises dynamic paths."""
    return tf.placeholder_with_default(x, shape)


def known(x, shape):
    """`x` given back a known static shape, as the gradient checker needs."""
    return tf.placeholder_with_default(x, shape)


def split_ref(x, sizes, axis):
    return np.split(x, np.cumsum(sizes)[:-1], axis=axis)


def one_hot_ref(indices, depth, on=1.0, off=0.0, dtype=np.float32):
    out = np.full(indices.shape + (depth,), off, dtype=dtype)
    for pos in np.ndindex(indices.shape):
        if 0 <= indices[pos] < depth:
            out[pos + (indices[pos],)] = on
    return out


def gather_ref(params, indices, axis):
    moved = np.moveaxis(params, axis, 0)
    picked = np.stack([moved[i] for i in indices.reshape(-1)])
    picked = picked.reshape(indices.shape + moved.shape[1:])
    # picked is indices.shape + the other axes; move the index axes to where `axis` was.
    lead = list(range(indices.ndim, indices.ndim + axis))
    return np.transpose(picked, lead + list(range(indices.ndim)) +
                        list(range(indices.ndim + axis, picked.ndim)))


def mirror_ref(x, paddings, mode):
    """Mirror padding written out by indices: REFLECT skips the edge, SYMMETRIC repeats it."""
    out = x
    for axis, (before, after) in enumerate(paddings):
        n = out.shape[axis]
        skip = 1 if mode == "REFLECT" else 0
        index = ([before - i - 1 + skip for i in range(before)] + list(range(n))
                 + [n - 1 - skip - j for j in range(after)])
        out = np.take(out, index, axis=axis)
    return out


def mirror_fold_ref(grad, paddings, mode):
    """The adjoint of mirror_ref: each padded element added to the element it copies."""
    out = grad
    for axis, (before, after) in enumerate(paddings):
        n = out.shape[axis] - before - after
        skip = 1 if mode == "REFLECT" else 0
        index = ([before - i - 1 + skip for i in range(before)] + list(range(n))
                 + [n - 1 - skip - j for j in range(after)])
        folded = np.zeros(out.shape[:axis] + (n,) + out.shape[axis + 1:], out.dtype)
        for src, dst in enumerate(index):
            folded[(slice(None),) * axis + (dst,)] += out[(slice(None),) * axis + (src,)]
        out = folded
    return out


CASES = [
    # -- values and shapes (existing ops) --
    OpCase("Identity", tf.identity, [u(3, 4)], lambda x: x, second_order=True),
    OpCase("StopGradient", tf.stop_gradient, [u(3, 4)], lambda x: x, grad=False),
    OpCase("PlaceholderWithDefault", lambda x: tf.placeholder_with_default(x, [3, 4]), [u(3, 4)],
           lambda x: x),
    OpCase("Shape", tf.shape, [u(3, 0, 2)], lambda x: np.array([3, 0, 2], np.int32), grad=False),
    OpCase("Fill", lambda v: tf.fill([2, 3], v), [u()], lambda v: np.full((2, 3), v)),
    OpCase("ZerosLike", tf.zeros_like, [u(2, 3)], np.zeros_like, grad=False),
    OpCase("OnesLike", tf.ones_like, [u(2, 3)], np.ones_like, grad=False),
    OpCase("SumToLike", lambda x, like: apply_op("SumToLike", x, like), [u(2, 3, 4), u(3, 1)],
           lambda x, like: x.sum(axis=(0, 2)).reshape(3, 1), wrt=[0]),
    OpCase("BroadcastLike", lambda x, like: apply_op("BroadcastLike", x, like),
           [u(3, 1), u(2, 3, 4)],
           lambda x, like: np.broadcast_to(x, (2, 3, 4)), wrt=[0]),
    OpCase("BroadcastTo", lambda x: tf.broadcast_to(x, [2, 3, 4]), [u(3, 1)],
           lambda x: np.broadcast_to(x, (2, 3, 4))),
    OpCase("Pack/axis-1", lambda x, y: tf.stack([x, y], axis=-1), [u(2, 3), u(2, 3)],
           lambda x, y: np.concatenate([x[..., None], y[..., None]], axis=-1), second_order=True),
    OpCase("Pack/python-values", lambda x: tf.stack([x, [1.0, 2.0]]), [u(2)],
           lambda x: np.array([x, [1.0, 2.0]], dtype=x.dtype)),
    OpCase("Unpack", lambda x: tf.unstack(x, axis=1), [u(2, 3)],
           lambda x: [x[:, 0], x[:, 1], x[:, 2]]),
    OpCase("Unpack/one-used", lambda x: tf.unstack(x)[1], [u(3, 2)], lambda x: x[1]),

    # -- reshape, transpose --
    OpCase("Reshape", lambda x: tf.reshape(x, [6, -1]), [u(2, 3, 4)],
           lambda x: x.ravel().reshape(6, 4), second_order=True),
    OpCase("Reshape/scalar", lambda x: tf.reshape(x, []), [u(1, 1)], lambda x: x.ravel()[0]),
    OpCase("Reshape/zero-size", lambda x: tf.reshape(x, [3, 0]), [u(0, 3)],
           lambda x: np.zeros((3, 0), x.dtype)),
    OpCase("Reshape/shape-tensor", lambda x, y: tf.reshape(x, tf.shape(y)), [u(6), u(2, 3)],
           lambda x, y: x.reshape(2, 3), wrt=[0]),
    OpCase("Reshape/unknown-dims",
           lambda x: known(tf.reshape(unknown(x, [None, 4]), [-1, 2]), [4, 2]), [u(2, 4)],
           lambda x: x.reshape(4, 2)),
    OpCase("Transpose/default", tf.transpose, [u(2, 3, 4)],
           lambda x: np.einsum("ijk->kji", x), second_order=True),
    OpCase("Transpose/perm", lambda x: tf.transpose(x, [1, 2, 0]), [u(2, 3, 4)],
           lambda x: np.einsum("ijk->jki", x)),

    # -- concat and its gradient --
    OpCase("ConcatV2", lambda a, b, c: tf.concat([a, b, c], 1), [u(2, 1), u(2, 3), u(2, 2)],
           lambda a, b, c: np.hstack([a, b, c]), second_order=True),
    OpCase("ConcatV2/negative-axis-zero-size", lambda a, b: tf.concat([a, b], -1),
           [u(2, 0), u(2, 3)], lambda a, b: b),
    OpCase("ConcatV2/unknown-dims",
           lambda a, b: known(tf.concat([unknown(a, [None, 2]), unknown(b, [2, None])], 0),
                              [5, 2]), [u(3, 2), u(2, 2)], lambda a, b: np.vstack([a, b])),
    OpCase("ConcatV2/single", lambda a: tf.concat([a], 0), [u(2, 3)], lambda a: a),
    OpCase("ConcatGrad", lambda g, a, b: apply_op("ConcatGrad", g, a, b, axis=1),
           [u(2, 5), u(2, 2), u(2, 3)], lambda g, a, b: [g[:, :2], g[:, 2:]], wrt=[0],
           second_order=True),

    # -- gather and its gradient --
    OpCase("GatherV2/repeated-indices", lambda p, i: tf.gather(p, i),
           [u(4, 3), np.array([2, 0, 2, 3], np.int32)],
           lambda p, i: gather_ref(p, i, 0)),
    OpCase("GatherV2/axis1-matrix-indices", lambda p, i: tf.gather(p, i, axis=1),
           [u(2, 4, 3), ints(2, 3, high=4)], lambda p, i: gather_ref(p, i, 1)),
    OpCase("GatherV2/int64-scalar-index", lambda p: tf.gather(p, np.int64(1), axis=-1), [u(3, 2)],
           lambda p: p[:, 1]),
    OpCase("GatherV2/unknown-dims",
           lambda p, i: known(tf.gather(unknown(p, [None, 3]), i), [5, 3]),
           [u(4, 3), ints(5, high=4)], lambda p, i: gather_ref(p, i, 0)),
    OpCase("GatherGrad", lambda g, i, p: apply_op("GatherGrad", g, i, p, axis=1),
           [u(2, 3), np.array([1, 1, 0], np.int32), u(2, 4)],
           lambda g, i, p: np.stack([g[:, 2], g[:, 0] + g[:, 1], 0 * g[:, 0], 0 * g[:, 0]], 1),
           wrt=[0], second_order=True),

    # -- strided slices: t[...] --
    OpCase("StridedSlice/int", lambda x: x[1], [u(3, 4)], lambda x: x[1]),
    OpCase("StridedSlice/negative-step", lambda x: x[:, ::-2], [u(3, 5)], lambda x: x[:, ::-2],
           second_order=True),
    OpCase("StridedSlice/ellipsis-newaxis", lambda x: x[..., None, 1:3], [u(2, 3, 4)],
           lambda x: x[..., None, 1:3]),
    OpCase("StridedSlice/mixed", lambda x: x[-1, None, 3:0:-1, ...], [u(2, 5, 2)],
           lambda x: x[-1, None, 3:0:-1, ...]),
    OpCase("StridedSlice/scalar", lambda x: x[1, -2], [u(3, 4)], lambda x: x[1, -2]),
    OpCase("StridedSlice/empty", lambda x: x[2:1], [u(3, 4)], lambda x: x[2:1]),
    OpCase("StridedSlice/unknown-dims", lambda x: known(unknown(x, [None, 4])[1:, -1], [2]),
           [u(3, 4)], lambda x: x[1:, -1]),
    OpCase("StridedSlice/strided_slice-masks",
           lambda x: ai.strided_slice(x, [1, 0], [0, 3], [1, 2], end_mask=1),
           [u(3, 4)], lambda x: x[1:, 0:3:2]),
    OpCase("StridedSliceGrad", lambda dy, like: apply_op(
        "StridedSliceGrad", dy, like, begin=(0, 3), end=(0, 0), strides=(1, -2),
        begin_mask=1, end_mask=3),
        [u(3, 2), u(3, 4)], lambda dy, like: np.stack([0 * dy[:, 0], dy[:, 1], 0 * dy[:, 0],
                                                       dy[:, 0]], axis=1),
        wrt=[0], second_order=True),

    # -- slice, split --
    OpCase("Slice", lambda x: ai.slice(x, [1, 0, 2], [2, -1, 1]), [u(3, 2, 4)],
           lambda x: x[1:3, :, 2:3], second_order=True),
    OpCase("Slice/unknown-dims",
           lambda x: known(ai.slice(unknown(x, [None, None]), [0, 1], [-1, 2]), [3, 2]),
           [u(3, 4)], lambda x: x[:, 1:3]),
    OpCase("Split", lambda x: ai.split(x, 3, axis=-1), [u(2, 6)],
           lambda x: [x[:, 0:2], x[:, 2:4], x[:, 4:6]]),
    OpCase("Split/one-piece-used", lambda x: ai.split(x, 2)[1], [u(4, 3)], lambda x: x[2:]),
    OpCase("SplitV", lambda x: ai.split(x, [1, -1, 2], axis=1), [u(2, 6)],
           lambda x: split_ref(x, [1, 3, 2], 1)),
    OpCase("SplitV/zero-size-piece", lambda x: ai.split(x, [0, 3]), [u(3, 2)],
           lambda x: [x[:0], x]),

    # -- expand_dims, squeeze --
    OpCase("ExpandDims", lambda x: ai.expand_dims(x, -1), [u(2, 3)], lambda x: x[:, :, None]),
    OpCase("ExpandDims/front", lambda x: ai.expand_dims(x, 0), [u(3)], lambda x: x[None]),
    OpCase("Squeeze/all", ai.squeeze, [u(1, 3, 1, 2)], lambda x: x.reshape(3, 2)),
    OpCase("Squeeze/axis", lambda x: ai.squeeze(x, axis=[-2]), [u(1, 3, 1, 2)],
           lambda x: x.reshape(1, 3, 2)),

    # -- tile, pad, reverse --
    OpCase("Tile", lambda x: ai.tile(x, [2, 1, 3]), [u(2, 3, 2)],
           lambda x: np.concatenate([np.concatenate([x] * 3, axis=2)] * 2, axis=0),
           second_order=True),
    OpCase("Tile/zero-multiple", lambda x: ai.tile(x, [0, 2]), [u(2, 3)],
           lambda x: np.zeros((0, 6), x.dtype)),
    OpCase("Tile/dynamic-multiples",
           lambda x, y: known(ai.tile(x, tf.stack([tf.shape(y)[0], 1])), [6, 2]),
           [u(2, 2), u(3)], lambda x, y: np.vstack([x, x, x]), wrt=[0]),
    OpCase("Pad/constant", lambda x: ai.pad(x, [[1, 0], [2, 1]], constant_values=0.5), [u(2, 3)],
           lambda x: np.block([[np.full((1, 6), 0.5)],
                               [np.full((2, 2), 0.5), x, np.full((2, 1), 0.5)]]).astype(x.dtype),
           second_order=True),
    OpCase("Pad/reflect", lambda x: ai.pad(x, [[2, 1], [0, 2]], "REFLECT"), [u(3, 4)],
           lambda x: mirror_ref(x, [[2, 1], [0, 2]], "REFLECT"), second_order=True),
    OpCase("Pad/symmetric", lambda x: ai.pad(x, [[1, 3], [2, 0]], mode="symmetric"), [u(3, 2)],
           lambda x: mirror_ref(x, [[1, 3], [2, 0]], "SYMMETRIC")),
    OpCase("MirrorPadGrad", lambda g: apply_op("MirrorPadGrad", g, paddings=((1, 2), (2, 0)),
                                               mode="SYMMETRIC"),
           [u(6, 4)], lambda g: mirror_fold_ref(g, [[1, 2], [2, 0]], "SYMMETRIC"),
           second_order=True),
    OpCase("ReverseV2", lambda x: ai.reverse(x, [0, -1]), [u(2, 3, 4)], lambda x: x[::-1, :, ::-1],
           second_order=True),

    # -- selecting --
    OpCase("OneHot", lambda i: ai.one_hot(i, 4), [np.array([[0, 3], [-1, 4], [2, 2]], np.int32)],
           lambda i: one_hot_ref(i, 4), grad=False),
    OpCase("OneHot/axis0-values-dtype",
           lambda i: ai.one_hot(i, 3, on_value=5, off_value=-1, axis=0), [ints(2, 2, high=3)],
           lambda i: np.moveaxis(one_hot_ref(i, 3, 5, -1, np.int32), -1, 0), grad=False),
    OpCase("Where/coordinates", lambda x: ai.where(x > 0), [u(3, 4)],
           lambda x: np.array([[i, j] for i in range(3) for j in range(4) if x[i, j] > 0],
                              np.int64).reshape(-1, 2), grad=False),
    OpCase("Select/where-rows", lambda c, x, y: ai.where(c, x, y),
           [np.array([True, False, True]), u(3, 2), u(3, 2)],
           lambda c, x, y: np.stack([x[0], y[1], x[2]]), wrt=[1, 2]),
    # The number of true elements is known only at run time; `known` restores it for the checker.
    OpCase("boolean_mask", lambda x, m: known(ai.boolean_mask(x, m), [3, 3]),
           [u(4, 3), np.array([True, False, True, True])],
           lambda x, m: x[[0, 2, 3]], wrt=[0]),
    OpCase("boolean_mask/2d-mask-axis1",
           lambda x, m: known(ai.boolean_mask(x, m, axis=1), [2, 3, 2]),
           [u(2, 2, 3, 2), np.array([[True, False, False], [False, True, True]])],
           lambda x, m: np.stack([x[:, 0, 0], x[:, 1, 1], x[:, 1, 2]], axis=1), wrt=[0]),

    # -- shape queries, identity_n --
    OpCase("Rank", ai.rank, [u(2, 3, 1)], lambda x: np.int32(3), grad=False),
    OpCase("Size/int64", lambda x: ai.size(x, out_type=tf.int64), [u(2, 3)],
           lambda x: np.int64(6), grad=False),
    OpCase("ShapeN", lambda x, y: ai.shape_n([x, y]), [u(2, 3), u(4)],
           lambda x, y: [np.array([2, 3], np.int32), np.array([4], np.int32)], grad=False),
    OpCase("IdentityN", lambda x, y: ai.identity_n([x, y]), [u(2, 3), u(4)],
           lambda x, y: [x, y]),
]

# Index tuples (values and gradients also compared with TensorFlow 2.21 by tf_op_parity.py).
_nd_indices = np.array([[0, 1], [2, 0], [0, 1]])
CASES += [
    OpCase("GatherNd/elements", lambda p: tf.gather_nd(p, _nd_indices), [np.arange(12.0).reshape(3, 4) / 7],
           lambda p: p[_nd_indices[:, 0], _nd_indices[:, 1]]),
    OpCase("GatherNd/rows", lambda p: tf.gather_nd(p, [[2], [0]]), [np.arange(12.0).reshape(3, 4) / 7],
           lambda p: p[[2, 0]]),
    OpCase("ScatterNd/repeated", lambda u: tf.scatter_nd([[1], [3], [1]], u, [5, 2]),
           [np.arange(6.0).reshape(3, 2) / 5],
           lambda u: np.array([[0, 0], u[0] + u[2], [0, 0], u[1], [0, 0]], dtype=u.dtype)),
]

# `t[...]` with tensor indices and bounds (StridedSliceDyn); TensorFlow's results match
# (tf_op_parity.py, "getitem with tensor ...").
CASES += [
    # (reshaped to a static shape for the gradient check: a computed bound leaves it unknown)
    OpCase("getitem/tensor-bound", lambda x: tf.reshape(x[:, :tf.size(x[0]) - 2], [3, 3]),
           [rng.normal(size=(3, 5))], lambda x: x[:, :3], ops=("StridedSliceDyn",)),
    OpCase("getitem/tensor-index-and-steps",
           lambda x: x[tf.shape(x)[0] - 1, ::2], [rng.normal(size=(3, 5))], lambda x: x[2, ::2],
           second_order=True, ops=("StridedSliceDyn", "StridedSliceDynGrad")),
    OpCase("getitem/tensor-start-negative-step",
           lambda x: tf.reshape(x[tf.constant(3)::-2, 1:], [2, 3]), [rng.normal(size=(5, 4))],
           lambda x: x[3::-2, 1:]),
]
