"""Layers that move values around without weights: Reshape, Permute, RepeatVector,
ZeroPadding1D/2D, Cropping1D/2D, UpSampling1D/2D."""
from __future__ import annotations

import numpy as np

import tenseur as tf

from .. import backend
from ..engine.base_layer import InputSpec, Layer
from .conv_utils import normalize_data_format, normalize_tuple, to_channels_first, to_channels_last


def _batch_shape_tensor(inputs, dims):
    """[batch, *dims] as a shape tensor when the batch size is only known at run time."""
    return tf.stack([tf.shape(inputs)[0]] + [int(d) for d in dims])


class Reshape(Layer):
    """Reshapes every example to `target_shape` (the batch dimension is kept).

    Args: target_shape: a tuple of positive ints, one of which may be -1 (inferred).
    Example: `Reshape((-1, 4))` turns (batch, 2, 6) into (batch, 3, 4).
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        if isinstance(target_shape, (int, np.integer)):
            target_shape = (target_shape,)
        if not isinstance(target_shape, (list, tuple)) or not all(
                isinstance(d, (int, np.integer)) and not isinstance(d, bool) and (d > 0 or d == -1)
                for d in target_shape) or list(target_shape).count(-1) > 1:
            raise ValueError(f"Reshape: `target_shape` must be a tuple of positive ints, one of "
                             f"which may be -1, got target_shape={target_shape!r}.")
        self.target_shape = tuple(int(d) for d in target_shape)

    def _resolved_target(self, input_shape):
        """The target with -1 filled in, or None while an input dimension is unknown."""
        known = tuple(input_shape[1:])
        if any(d is None for d in known):
            return None
        total = int(np.prod(known))
        fixed = int(np.prod([d for d in self.target_shape if d != -1]))
        if -1 in self.target_shape:
            if fixed == 0 or total % fixed:
                self._size_error(known)
            return tuple(total // fixed if d == -1 else d for d in self.target_shape)
        if fixed != total:
            self._size_error(known)
        return self.target_shape

    def _size_error(self, known):
        raise ValueError(f"Reshape '{self.name}': the total size of the new array must be "
                         f"unchanged, input_shape = {list(known)}, output_shape = "
                         f"{list(self.target_shape)}.")

    def build(self, input_shape):
        self._resolved_target(input_shape)
        self.built = True

    def call(self, inputs):
        target = self._resolved_target(backend.int_shape(inputs))
        if target is not None:
            return tf.reshape(inputs, [-1] + list(target))
        return tf.reshape(inputs, _batch_shape_tensor(inputs, self.target_shape))

    def get_config(self):
        return {**super().get_config(), "target_shape": list(self.target_shape)}


class Permute(Layer):
    """Permutes the dimensions of each example: `Permute((2, 1))` swaps the two axes after
    the batch. `dims` is a permutation of 1..n (the batch axis 0 never moves)."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(dims, (list, tuple)) or sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(f"Permute: `dims` must be a permutation of 1..n (the batch axis is "
                             f"not included), got dims={dims!r}.")
        self.dims = tuple(int(d) for d in dims)
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs):
        return tf.transpose(inputs, [0] + list(self.dims))

    def get_config(self):
        return {**super().get_config(), "dims": list(self.dims)}


class RepeatVector(Layer):
    """Repeats a (batch, features) input `n` times: output (batch, n, features)."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n <= 0:
            raise ValueError(f"RepeatVector: `n` must be a positive integer, got n={n!r}.")
        self.n = int(n)
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return tf.tile(tf.expand_dims(inputs, 1), [1, self.n, 1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}


def _pairs(value, rank, name, owner):
    """int → ((v, v),)*rank; (a, b) → ((a, a), (b, b)) for rank 2, ((a, b),) for rank 1;
    ((a, b), (c, d)) as given. Every entry a non-negative int."""
    error = ValueError(f"{owner}: `{name}` must be an int, a tuple of {rank} ints or a tuple of "
                       f"{rank} pairs of non-negative ints, got {name}={value!r}.")
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        pairs = ((value, value),) * rank
    elif isinstance(value, (list, tuple)) and rank == 1 and len(value) == 2 \
            and all(isinstance(v, (int, np.integer)) for v in value):
        pairs = (tuple(value),)
    elif isinstance(value, (list, tuple)) and len(value) == rank \
            and all(isinstance(v, (int, np.integer)) for v in value):
        pairs = tuple((v, v) for v in value)
    elif isinstance(value, (list, tuple)) and len(value) == rank \
            and all(isinstance(v, (list, tuple)) and len(v) == 2 for v in value):
        pairs = tuple(tuple(v) for v in value)
    else:
        raise error
    if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 0
               for pair in pairs for v in pair):
        raise error
    return tuple((int(a), int(b)) for a, b in pairs)


class _SpatialLayer(Layer):
    """A weightless layer on (batch, *spatial, channels) or (batch, channels, *spatial)."""

    rank = 2

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format, type(self).__name__)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _spatial_dims(self, input_shape):
        return list(input_shape[1:-1] if self.data_format == "channels_last" else input_shape[2:])

    def call(self, inputs):
        if self.data_format == "channels_first":
            outputs = self._call_channels_last(to_channels_last(inputs, self.rank))
            return to_channels_first(outputs, self.rank)
        return self._call_channels_last(inputs)

    def get_config(self):
        config = super().get_config()
        if self.rank > 1:
            config["data_format"] = self.data_format
        return config


class ZeroPadding2D(_SpatialLayer):
    """Adds rows and columns of zeros around images.

    Args: padding: int (all sides), (rows, cols) symmetric, or ((top, bottom), (left, right));
        data_format.
    """

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.padding = _pairs(padding, self.rank, "padding", type(self).__name__)

    def _call_channels_last(self, inputs):
        return tf.pad(inputs, [[0, 0]] + [list(p) for p in self.padding] + [[0, 0]])

    def get_config(self):
        return {**super().get_config(), "padding": [list(p) for p in self.padding]}


class ZeroPadding1D(ZeroPadding2D):
    """Adds zeros at both ends of sequences: padding int or (left, right). Input (batch, steps,
    features), or (batch, features, steps) with data_format="channels_first" (Keras 3)."""

    rank = 1

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(padding=padding, data_format=data_format, **kwargs)

    def get_config(self):
        config = super().get_config()
        config["padding"] = list(self.padding[0])
        config["data_format"] = self.data_format       # Keras 3 writes it, unlike Cropping1D
        return config


class Cropping2D(_SpatialLayer):
    """Crops rows and columns off the borders of images.

    Args: cropping: int, (rows, cols) symmetric, or ((top, bottom), (left, right)); data_format.
    """

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.cropping = _pairs(cropping, self.rank, "cropping", type(self).__name__)

    def build(self, input_shape):
        for size, (before, after) in zip(self._spatial_dims(input_shape), self.cropping):
            if size is not None and before + after >= size:
                raise ValueError(f"{type(self).__name__} '{self.name}': cropping={self.cropping} "
                                 f"removes everything from inputs of shape {tuple(input_shape)}; "
                                 f"each dimension must keep at least one element.")
        self.built = True

    def _call_channels_last(self, inputs):
        index = [slice(None)]
        for before, after in self.cropping:
            index.append(slice(before, -after if after else None))
        return inputs[tuple(index) + (slice(None),)]

    def get_config(self):
        return {**super().get_config(), "cropping": [list(c) for c in self.cropping]}


class Cropping1D(Cropping2D):
    """Crops steps off both ends of sequences: cropping int or (left, right)."""

    rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping=cropping, data_format="channels_last", **kwargs)

    def get_config(self):
        config = super().get_config()
        config["cropping"] = list(self.cropping[0])
        return config


def _bilinear_matrix(size_in: int, scale: int) -> np.ndarray:
    """(size_in*scale, size_in) interpolation weights with half-pixel centres (tf.image.resize)."""
    size_out = size_in * scale
    matrix = np.zeros((size_out, size_in))
    for i in range(size_out):
        source = (i + 0.5) / scale - 0.5
        lower = int(np.floor(source))
        frac = source - lower
        matrix[i, min(max(lower, 0), size_in - 1)] += 1 - frac
        matrix[i, min(max(lower + 1, 0), size_in - 1)] += frac
    return matrix


class UpSampling2D(_SpatialLayer):
    """Repeats rows and columns `size` times ("nearest") or interpolates ("bilinear").

    Args: size: int or (rows, cols); data_format; interpolation: "nearest" or "bilinear"
        (half-pixel centres, as tf.image.resize; needs static height and width).
    """

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.size = normalize_tuple(size, self.rank, "size", type(self).__name__)
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"{type(self).__name__}: `interpolation` must be 'nearest' or "
                             f"'bilinear', got interpolation={interpolation!r}.")
        if interpolation == "bilinear" and self.rank != 2:
            raise ValueError(f"{type(self).__name__}: only 'nearest' interpolation is available.")
        self.interpolation = interpolation

    def build(self, input_shape):
        if self.interpolation == "bilinear" and None in self._spatial_dims(input_shape):
            raise ValueError(f"{type(self).__name__} '{self.name}': bilinear interpolation needs "
                             f"a known height and width, got input shape {tuple(input_shape)}.")
        self.built = True

    def _call_channels_last(self, inputs):
        if self.interpolation == "bilinear":
            return self._bilinear(inputs)
        dims = backend.int_shape(inputs)
        x = inputs
        multiples = [1]
        for axis in range(self.rank):            # (b, h, w, c) → (b, h, 1, w, 1, c)
            x = tf.expand_dims(x, 2 + 2 * axis)
            multiples += [1, self.size[axis]]
        x = tf.tile(x, multiples + [1])
        spatial = [None if d is None else d * s for d, s in zip(dims[1:-1], self.size)]
        if all(d is not None for d in spatial + [dims[-1]]):
            return tf.reshape(x, [-1] + spatial + [dims[-1]])
        shape = tf.shape(inputs)
        target = [shape[0]] + [shape[1 + i] * s for i, s in enumerate(self.size)] + [shape[-1]]
        out = tf.reshape(x, tf.stack(target))
        out.set_shape([dims[0]] + spatial + [dims[-1]])
        return out

    def _bilinear(self, inputs):
        _, height, width, _ = backend.int_shape(inputs)
        dtype = inputs.dtype.as_numpy_dtype
        rows = tf.constant(_bilinear_matrix(height, self.size[0]).T.astype(dtype))
        cols = tf.constant(_bilinear_matrix(width, self.size[1]).T.astype(dtype))
        x = tf.tensordot(inputs, rows, [[1], [0]])     # (b, w, c, H)
        x = tf.tensordot(x, cols, [[1], [0]])          # (b, c, H, W)
        return tf.transpose(x, [0, 2, 3, 1])

    def get_config(self):
        return {**super().get_config(), "size": list(self.size),
                "interpolation": self.interpolation}


class UpSampling1D(UpSampling2D):
    """Repeats each step `size` times: (batch, steps, features) → (batch, steps*size, features)."""

    rank = 1

    def __init__(self, size=2, **kwargs):
        super().__init__(size=size, data_format="channels_last", **kwargs)

    def get_config(self):
        config = super().get_config()
        config["size"] = self.size[0]
        del config["interpolation"]
        return config
