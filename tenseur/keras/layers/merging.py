"""Layers that merge a list of tensors: Add, Subtract, Multiply, Average, Maximum, Minimum,
Concatenate, Dot (and their functional forms `add([a, b])`, ...).

Elementwise merges broadcast as Keras 2 did: inputs of lower rank get size-1 axes inserted
after the batch axis, then the shapes must agree or be 1, axis by axis.
"""
from __future__ import annotations

import numpy as np

import tenseur as tf

from .. import backend
from ..engine.base_layer import Layer


def _describe(shapes) -> str:
    return ", ".join(str(tuple(s)) for s in shapes)


class _Merge(Layer):
    """Base of the elementwise merges: checks the list of inputs and their shapes."""

    _passes_masks = True

    min_inputs, max_inputs = 2, None

    def _check_inputs(self, input_shape):
        name = type(self).__name__
        if not isinstance(input_shape, list) or (input_shape and not isinstance(
                input_shape[0], (list, tuple, type(None)))):
            raise ValueError(f"{name} '{self.name}': a merge layer must be called on a list of "
                             f"tensors, got a single input of shape {input_shape}.")
        count = len(input_shape)
        if count < self.min_inputs or (self.max_inputs is not None and count > self.max_inputs):
            expected = (f"exactly {self.min_inputs}" if self.min_inputs == self.max_inputs
                        else f"at least {self.min_inputs}")
            raise ValueError(f"{name} '{self.name}': expects {expected} inputs, got {count} "
                             f"(shapes {_describe(input_shape)}).")

    def build(self, input_shape):
        self._check_inputs(input_shape)
        shapes = [s for s in input_shape if s is not None]
        if shapes:
            self._broadcast_shape(shapes)
        self.built = True

    def _broadcast_shape(self, shapes):
        """The output shape of the elementwise merge, or a ValueError naming the shapes."""
        rank = max(len(s) for s in shapes)
        batches = {s[0] for s in shapes if s and s[0] is not None}
        if len(batches) > 1:
            self._incompatible(shapes)
        out = [1] * (rank - 1)
        for shape in shapes:
            rest = [1] * (rank - len(shape)) + list(shape[1:])
            for i, (a, b) in enumerate(zip(out, rest)):
                if b == 1 or (b is None and a not in (1, None)):
                    continue
                if a in (1, None):
                    out[i] = b if b is not None or a == 1 else None
                elif b != a:
                    self._incompatible(shapes)
        return out

    def _incompatible(self, shapes):
        raise ValueError(f"{type(self).__name__} '{self.name}': inputs have incompatible shapes "
                         f"{_describe(shapes)}; they must be equal, or 1 where they differ, on "
                         f"every axis after the batch.")

    def call(self, inputs):
        inputs = list(inputs)
        ranks = [t.shape.ndims for t in inputs]
        if None not in ranks and len(set(ranks)) > 1:
            top = max(ranks)
            for i, t in enumerate(inputs):
                for _ in range(top - ranks[i]):
                    t = tf.expand_dims(t, 1)
                inputs[i] = t
        return self._merge(inputs)


class Add(_Merge):
    """Sum of the inputs: `Add()([a, b])`."""

    def _merge(self, inputs):
        out = inputs[0]
        for t in inputs[1:]:
            out = out + t
        return out

    def compute_mask(self, inputs, mask=None):
        return _merged_mask(mask)


def _merged_mask(masks):
    """Keras' mask of a merge: a step is real where it is real in every masked input."""
    if not isinstance(masks, (list, tuple)) or all(m is None for m in masks):
        return None
    present = [tf.expand_dims(m, 0) for m in masks if m is not None]
    return tf.reduce_all(tf.concat(present, axis=0), axis=0)


class Subtract(_Merge):
    """Difference of exactly two inputs: `Subtract()([a, b])` is a - b."""

    min_inputs = max_inputs = 2

    def _merge(self, inputs):
        return inputs[0] - inputs[1]


class Multiply(_Merge):
    """Elementwise product of the inputs."""

    def _merge(self, inputs):
        out = inputs[0]
        for t in inputs[1:]:
            out = out * t
        return out


class Average(_Merge):
    """Elementwise mean of the inputs."""

    def _merge(self, inputs):
        out = inputs[0]
        for t in inputs[1:]:
            out = out + t
        return out / float(len(inputs))


class Maximum(_Merge):
    """Elementwise maximum of the inputs."""

    def _merge(self, inputs):
        out = inputs[0]
        for t in inputs[1:]:
            out = tf.maximum(out, t)
        return out


class Minimum(_Merge):
    """Elementwise minimum of the inputs."""

    def _merge(self, inputs):
        out = inputs[0]
        for t in inputs[1:]:
            out = tf.minimum(out, t)
        return out


class Concatenate(_Merge):
    """Concatenates the inputs along `axis` (default -1); other dimensions must match."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
            raise ValueError(f"Concatenate: `axis` must be an int, got axis={axis!r}.")
        self.axis = int(axis)

    def build(self, input_shape):
        self._check_inputs(input_shape)
        shapes = [tuple(s) for s in input_shape if s is not None]
        if len({len(s) for s in shapes}) > 1:
            self._mismatch(shapes)
        if shapes:
            rank = len(shapes[0])
            axis = self.axis % rank if -rank <= self.axis < rank else None
            if axis is None:
                raise ValueError(f"Concatenate '{self.name}': axis={self.axis} is out of range "
                                 f"for inputs of rank {rank} (shapes {_describe(shapes)}).")
            for i in range(rank):
                dims = {s[i] for s in shapes if s[i] is not None}
                if i != axis and len(dims) > 1:
                    self._mismatch(shapes)
        self.built = True

    def _mismatch(self, shapes):
        raise ValueError(f"Concatenate '{self.name}': inputs must have matching shapes except "
                         f"for the concatenation axis {self.axis}, got shapes {_describe(shapes)}.")

    def call(self, inputs):
        return tf.concat(list(inputs), axis=self.axis)

    def compute_mask(self, inputs, mask=None):
        """Keras': each input's mask (all True where it has none) broadcast to the input's
        shape, concatenated along `axis`, then any() over the last axis."""
        if not isinstance(mask, (list, tuple)) or all(m is None for m in mask):
            return None
        full = []
        for x, m in zip(inputs, mask):
            if m is None:
                full.append(tf.ones_like(x, dtype=tf.bool))
            elif m.shape.ndims is not None and m.shape.ndims < x.shape.ndims:
                full.append(tf.broadcast_to(tf.expand_dims(m, -1), tf.shape(x)))
            else:
                full.append(m)
        return tf.reduce_any(tf.concat(full, axis=self.axis), axis=-1)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class Dot(_Merge):
    """Dot product of two samples-wise tensors along `axes` (Keras' batch_dot).

    Args:
        axes: int, or (axis of the first input, axis of the second); axes count the batch as 0
            and may be negative; the batch axis cannot be contracted.
        normalize: L2-normalise both inputs along `axes` first (the cosine similarity).
    Output: the first input's shape without its axis, followed by the second input's shape
    without the batch and its axis; (batch, 1) when nothing is left.
    """

    min_inputs = max_inputs = 2

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        valid = (isinstance(axes, (int, np.integer)) and not isinstance(axes, bool)) or (
            isinstance(axes, (list, tuple)) and len(axes) == 2
            and all(isinstance(a, (int, np.integer)) for a in axes))
        if not valid:
            raise ValueError(f"Dot: `axes` must be an int or a pair of ints, got axes={axes!r}.")
        self.axes = int(axes) if isinstance(axes, (int, np.integer)) else [int(a) for a in axes]
        self.normalize = bool(normalize)

    def _axes_for(self, shapes):
        axes = [self.axes, self.axes] if isinstance(self.axes, int) else list(self.axes)
        out = []
        for axis, shape in zip(axes, shapes):
            rank = len(shape)
            if not -rank <= axis < rank or axis % rank == 0:
                raise ValueError(f"Dot '{self.name}': axes={self.axes} is not a non-batch axis of "
                                 f"inputs of shapes {_describe(shapes)}.")
            out.append(axis % rank)
        return out

    def build(self, input_shape):
        self._check_inputs(input_shape)
        shapes = [tuple(s) for s in input_shape]
        a, b = self._axes_for(shapes)
        if None in shapes[0][1:] or None in shapes[1][1:]:
            raise ValueError(f"Dot '{self.name}': the non-batch dimensions must be known, got "
                             f"shapes {_describe(shapes)}.")
        if shapes[0][a] != shapes[1][b]:
            raise ValueError(f"Dot '{self.name}': incompatible input shapes {_describe(shapes)}: "
                             f"axis {a} of the first ({shapes[0][a]}) and axis {b} of the second "
                             f"({shapes[1][b]}) must have the same size.")
        self.built = True

    def compute_mask(self, inputs, mask=None):
        return None

    def call(self, inputs):
        x, y = inputs
        shape_x, shape_y = backend.int_shape(x), backend.int_shape(y)
        a, b = self._axes_for([shape_x, shape_y])
        if self.normalize:
            x = tf.nn.l2_normalize(x, axis=a)
            y = tf.nn.l2_normalize(y, axis=b)
        rest_x = [d for i, d in enumerate(shape_x) if i not in (0, a)]
        rest_y = [d for i, d in enumerate(shape_y) if i not in (0, b)]
        size = shape_x[a]
        # x → (batch, Px, size), y → (batch, size, Py): one batched matrix product.
        x = tf.transpose(x, [0] + [i for i in range(1, len(shape_x)) if i != a] + [a])
        y = tf.transpose(y, [0, b] + [i for i in range(1, len(shape_y)) if i != b])
        x = tf.reshape(x, [-1, int(np.prod(rest_x)), size])
        y = tf.reshape(y, [-1, size, int(np.prod(rest_y))])
        out = tf.matmul(x, y)
        return tf.reshape(out, [-1] + (rest_x + rest_y or [1]))

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def add(inputs, **kwargs):
    """`Add(**kwargs)(inputs)`."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """`Subtract(**kwargs)(inputs)`."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """`Multiply(**kwargs)(inputs)`."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """`Average(**kwargs)(inputs)`."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """`Maximum(**kwargs)(inputs)`."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """`Minimum(**kwargs)(inputs)`."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """`Concatenate(axis, **kwargs)(inputs)`."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes, normalize=False, **kwargs):
    """`Dot(axes, normalize, **kwargs)(inputs)`."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
