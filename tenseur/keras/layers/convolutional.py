"""Convolution layers: Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D.

Kernels are laid out as Keras' (HWIO: `(kernel_h, kernel_w, in_channels, filters)`; the
transposed convolution's is `(kernel_h, kernel_w, filters, in_channels)`), so weights load
from Keras files unchanged. Everything runs on `tf.nn.conv2d` and friends in NHWC: 1-D
convolutions as height-1 images (as TF 1.x's conv1d), channels_first inputs transposed to
channels_last and back (as Keras does on the CPU). Output sizes are Keras' (= TF's):
"valid" ceil((n - dilated_kernel + 1) / stride), "same" ceil(n / stride).
"""
from __future__ import annotations

import numpy as np

import tenseur as tf

from .. import activations, constraints, initializers, regularizers
from ..engine.base_layer import InputSpec, Layer
from .conv_utils import (conv_output_length, deconv_output_length, normalize_data_format,
                         normalize_padding, normalize_tuple, to_channels_first,
                         to_channels_last)


def _positive_int(value, name, owner):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{owner}: `{name}` must be a positive integer, got {name}={value!r}.")
    return int(value)


class _BaseConv(Layer):
    """Shared by every convolution: window arguments, bias, activation, layout handling.

    Subclasses define `_build_kernels(in_channels)` (returning the number of output channels)
    and `_convolve(x)` on NHWC tensors.
    """

    rank = 2
    paddings = ("valid", "same")
    grouped = False

    def __init__(self, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, bias_initializer="zeros",
                 bias_regularizer=None, activity_regularizer=None, bias_constraint=None,
                 groups=1, **kwargs):
        super().__init__(**kwargs)
        owner = type(self).__name__
        # Keras 2 configs of every convolution (depthwise ones too) carry `groups`; only
        # Conv1D and Conv2D (`_Conv.grouped`) split their channels into groups.
        self.groups = _positive_int(groups, "groups", owner)
        if self.groups != 1 and not self.grouped:
            raise ValueError(f"{owner}: only groups=1 is supported, got groups={groups!r} "
                             f"(Conv1D and Conv2D take groups > 1).")
        self.kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size", owner)
        self.strides = normalize_tuple(strides, self.rank, "strides", owner)
        self.padding = normalize_padding(padding, owner, self.paddings)
        self.data_format = normalize_data_format(data_format, owner)
        self.dilation_rate = normalize_tuple(dilation_rate, self.rank, "dilation_rate", owner)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{owner}: strides > 1 cannot be combined with dilation_rate > 1, "
                             f"got strides={self.strides}, dilation_rate={self.dilation_rate}.")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.bias_initializer = initializers.get(bias_initializer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=self.rank + 2)

    @property
    def _channel_axis(self) -> int:
        return -1 if self.data_format == "channels_last" else 1

    def build(self, input_shape):
        if len(input_shape) != self.rank + 2:
            raise ValueError(f"{type(self).__name__} '{self.name}' expects inputs of rank "
                             f"{self.rank + 2} (batch, {'spatial, ' * self.rank}channels), got "
                             f"input shape {tuple(input_shape)}.")
        in_channels = input_shape[self._channel_axis]
        if in_channels is None:
            raise ValueError(f"{type(self).__name__} '{self.name}': the channel dimension of the "
                             f"inputs must be known, got input shape {tuple(input_shape)}.")
        spatial = input_shape[1:-1] if self.data_format == "channels_last" else input_shape[2:]
        if any(n is not None and n <= 0 for n in self._spatial_output(spatial)):
            raise ValueError(f"{type(self).__name__} '{self.name}': kernel_size="
                             f"{self.kernel_size} with dilation_rate={self.dilation_rate} and "
                             f"padding='{self.padding}' does not fit inputs of shape "
                             f"{tuple(input_shape)}: the output would be empty. Use "
                             f"padding='same' or a smaller kernel.")
        out_channels = self._build_kernels(int(in_channels))
        self.bias = (self.add_weight("bias", (out_channels,), initializer=self.bias_initializer,
                                     regularizer=self.bias_regularizer,
                                     constraint=self.bias_constraint)
                     if self.use_bias else None)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: int(in_channels)})
        self.built = True

    def _window(self, values):
        """A `rank`-tuple as the 4-entry NHWC list of tf.nn (1-D: height 1)."""
        return [1] + [1] * (2 - self.rank) + list(values) + [1]

    def call(self, inputs):
        x = inputs if self.data_format == "channels_last" else to_channels_last(inputs, self.rank)
        if self.rank == 1:
            if self.padding == "causal":
                left = self.dilation_rate[0] * (self.kernel_size[0] - 1)
                x = tf.pad(x, [[0, 0], [left, 0], [0, 0]])
            x = tf.expand_dims(x, 1)
        outputs = self._convolve(x)
        if self.rank == 1:
            outputs = tf.squeeze(outputs, [1])
        if self.bias is not None:
            outputs = tf.nn.bias_add(outputs, self.bias)
        outputs = self.activation(outputs)
        if self.data_format == "channels_first":
            outputs = to_channels_first(outputs, self.rank)
        if self.activity_regularizer is not None:
            self._add_activity_loss(outputs)
        return outputs

    def _padding_op(self) -> str:
        return "VALID" if self.padding in ("valid", "causal") else "SAME"

    def _spatial_output(self, spatial):
        """Keras' output sizes for the input's spatial sizes."""
        return tuple(conv_output_length(n, k, self.padding, s, d) for n, k, s, d in
                     zip(spatial, self.kernel_size, self.strides, self.dilation_rate))

    def get_config(self):
        return {**super().get_config(), "kernel_size": list(self.kernel_size),
                "strides": list(self.strides), "padding": self.padding,
                "data_format": self.data_format, "dilation_rate": list(self.dilation_rate),
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "bias_constraint": constraints.serialize(self.bias_constraint)}


class _Conv(_BaseConv):
    """A convolution with a `(*kernel_size, in_channels // groups, filters)` kernel: with
    groups > 1, the input channels are cut into `groups` equal runs, each convolved with its
    own `filters // groups` filters, and the results concatenated in order (Keras 3)."""

    grouped = True

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         bias_constraint=bias_constraint, groups=groups, **kwargs)
        owner = type(self).__name__
        self.filters = _positive_int(filters, "filters", owner)
        if self.filters % self.groups:
            raise ValueError(f"{owner}: filters={self.filters} must be a multiple of "
                             f"groups={self.groups} (each group gets filters // groups).")
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)

    def _kernel_shape(self, in_channels):
        return self.kernel_size + (in_channels // self.groups, self.filters)

    def _build_kernels(self, in_channels):
        if in_channels % self.groups:
            raise ValueError(f"{type(self).__name__} '{self.name}': the input's {in_channels} "
                             f"channels must be a multiple of groups={self.groups}; change "
                             f"groups or the previous layer's channels.")
        self.kernel = self.add_weight("kernel", self._kernel_shape(in_channels),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        return self.filters

    def _convolve(self, x):
        kernel = self.kernel if self.rank == 2 else tf.expand_dims(self.kernel, 0)
        if self.groups == 1:
            return self._conv(x, kernel)
        pieces = zip(tf.split(x, self.groups, axis=-1), tf.split(kernel, self.groups, axis=-1))
        return tf.concat([self._conv(xs, ks) for xs, ks in pieces], axis=-1)

    def _conv(self, x, kernel):
        return tf.nn.conv2d(x, kernel, strides=self._window(self.strides),
                            padding=self._padding_op(),
                            dilations=self._window(self.dilation_rate))

    def get_config(self):
        config = super().get_config()
        config.update({"filters": self.filters,
                       "kernel_initializer": initializers.serialize(self.kernel_initializer),
                       "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                       "kernel_constraint": constraints.serialize(self.kernel_constraint)})
        if self.grouped:        # Keras 3's transposed convolutions refuse a groups argument
            config["groups"] = self.groups
        return config


class Conv2D(_Conv):
    """2-D convolution: `activation(conv2d(inputs, kernel) + bias)`.

    Args:
        filters: number of output channels. kernel_size: int or (height, width).
        strides, dilation_rate: ints or pairs (not both > 1). padding: "valid" (default) or
            "same". data_format: "channels_last" (default) or "channels_first".
        groups: splits the input channels and the filters into this many groups, each
            convolved separately (both must be multiples of it). activation, use_bias, kernel/bias initializers (glorot_uniform /
            zeros), regularizers, constraints, activity_regularizer.
    Weights: kernel `(kh, kw, in_channels, filters)`, bias `(filters,)`.
    Example:
        >>> x = keras.Input(shape=(28, 28, 1))
        >>> y = Conv2D(32, 3, activation="relu")(x)        # (None, 26, 26, 32)
    """


class Conv1D(_Conv):
    """1-D convolution over (batch, steps, channels) sequences.

    Args: as Conv2D with ints for kernel_size/strides/dilation_rate; padding also "causal"
        (left-padded so output t sees inputs <= t). Kernel `(k, in_channels, filters)`.
    """

    rank = 1
    paddings = ("valid", "same", "causal")



class Conv2DTranspose(_Conv):
    """Transposed 2-D convolution (the gradient of Conv2D with respect to its input), to
    upsample feature maps.

    Args: as Conv2D, plus output_padding (int or pair, each < stride; None: Keras' default
        sizes). dilation_rate must be 1. Kernel `(kh, kw, filters, in_channels)`.
    Output height: h * stride + max(kh - stride, 0) ("valid"), h * stride ("same").
    """

    grouped = False        # as Keras 3: no groups argument

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, **kwargs)
        owner = type(self).__name__
        if max(self.dilation_rate) > 1:
            raise ValueError(f"{owner}: only dilation_rate=1 is supported, got "
                             f"dilation_rate={dilation_rate!r}.")
        self.output_padding = (None if output_padding is None else
                               normalize_tuple(output_padding, self.rank, "output_padding",
                                               owner, allow_zero=True))
        if self.output_padding is not None and any(
                p >= s for p, s in zip(self.output_padding, self.strides)):
            raise ValueError(f"{owner}: each output_padding must be smaller than its stride, got "
                             f"output_padding={self.output_padding}, strides={self.strides}.")

    def _kernel_shape(self, in_channels):
        return self.kernel_size + (self.filters, in_channels)

    def _spatial_output(self, spatial):
        paddings = self.output_padding or (None,) * self.rank
        return tuple(deconv_output_length(n, k, self.padding, p, s) for n, k, p, s in
                     zip(spatial, self.kernel_size, paddings, self.strides))

    def _convolve(self, x):
        shape = tf.shape(x)
        if self.rank == 1:          # (batch, 1, steps, channels): the height stays 1
            (width,) = self._spatial_output(x.shape.dims[2:3])
            height, kernel = 1, tf.expand_dims(self.kernel, 0)
            width_t = width if width is not None else self._runtime_length(shape[2], 0)
            height_t = 1
        else:
            height, width = self._spatial_output(x.shape.dims[1:3])
            kernel = self.kernel
            height_t = height if height is not None else self._runtime_length(shape[1], 0)
            width_t = width if width is not None else self._runtime_length(shape[2], 1)
        outputs = tf.nn.conv2d_transpose(x, kernel,
                                         tf.stack([shape[0], height_t, width_t, self.filters]),
                                         strides=self._window(self.strides),
                                         padding=self._padding_op())
        outputs.set_shape([x.shape.dims[0], height, width, self.filters])
        return outputs

    def _runtime_length(self, length, axis):
        """deconv_output_length on a run-time size (unknown height or width)."""
        k, s = self.kernel_size[axis], self.strides[axis]
        if self.output_padding is None:
            extra = max(k - s, 0) if self.padding == "valid" else 0
            return length * s + extra
        pad = k // 2 if self.padding == "same" else 0
        return (length - 1) * s + k - 2 * pad + self.output_padding[axis]

    def get_config(self):
        config = super().get_config()
        config["output_padding"] = (None if self.output_padding is None
                                    else list(self.output_padding))
        return config


class DepthwiseConv2D(_BaseConv):
    """Convolves each input channel with its own `depth_multiplier` filters.

    Args: kernel_size, strides, padding, depth_multiplier (default 1), data_format,
        dilation_rate, activation, use_bias, depthwise/bias initializers, regularizers and
        constraints. Weights: depthwise_kernel `(kh, kw, in_channels, depth_multiplier)`, bias
        `(in_channels * depth_multiplier,)`.
    """

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         bias_constraint=bias_constraint, **kwargs)
        self.depth_multiplier = _positive_int(depth_multiplier, "depth_multiplier",
                                              type(self).__name__)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)

    def _build_depthwise(self, in_channels):
        self.depthwise_kernel = self.add_weight(
            "depthwise_kernel", self.kernel_size + (in_channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint)

    def _build_kernels(self, in_channels):
        self._build_depthwise(in_channels)
        return in_channels * self.depth_multiplier

    def _depthwise(self, x):
        kernel = self.depthwise_kernel if self.rank == 2 else \
            tf.expand_dims(self.depthwise_kernel, 0)
        return tf.nn.depthwise_conv2d(x, kernel, strides=self._window(self.strides),
                                      padding=self._padding_op(),
                                      dilations=self._window(self.dilation_rate)[1:3])

    def _convolve(self, x):
        return self._depthwise(x)

    def get_config(self):
        config = super().get_config()
        config.update({"depth_multiplier": self.depth_multiplier,
                       "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
                       "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
                       "depthwise_constraint": constraints.serialize(self.depthwise_constraint)})
        return config


class SeparableConv2D(DepthwiseConv2D):
    """A depthwise convolution followed by a 1x1 convolution mixing the channels.

    Args: filters, kernel_size, strides, padding, data_format, dilation_rate,
        depth_multiplier, activation, use_bias, depthwise/pointwise/bias initializers,
        regularizers and constraints. Weights: depthwise_kernel `(kh, kw, in, depth_multiplier)`,
        pointwise_kernel `(1, 1, in * depth_multiplier, filters)`, bias `(filters,)`.
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(kernel_size, strides=strides, padding=padding,
                         depth_multiplier=depth_multiplier, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         depthwise_initializer=depthwise_initializer,
                         bias_initializer=bias_initializer,
                         depthwise_regularizer=depthwise_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         depthwise_constraint=depthwise_constraint,
                         bias_constraint=bias_constraint, **kwargs)
        self.filters = _positive_int(filters, "filters", type(self).__name__)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def _build_kernels(self, in_channels):
        self._build_depthwise(in_channels)
        self.pointwise_kernel = self.add_weight(
            "pointwise_kernel", (1,) * self.rank + (in_channels * self.depth_multiplier,
                                                    self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint)
        return self.filters

    def _convolve(self, x):
        # TF's separable_conv2d: the depthwise step carries strides/padding/dilation, the
        # pointwise one is 1x1, stride 1, VALID.
        pointwise = self.pointwise_kernel if self.rank == 2 else \
            tf.expand_dims(self.pointwise_kernel, 0)
        return tf.nn.conv2d(self._depthwise(x), pointwise, strides=[1, 1, 1, 1],
                            padding="VALID")

    def get_config(self):
        config = super().get_config()
        config.update({"filters": self.filters,
                       "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
                       "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
                       "pointwise_constraint": constraints.serialize(self.pointwise_constraint)})
        return config


class Conv1DTranspose(Conv2DTranspose):
    """Transposed 1-D convolution over (batch, steps, channels) sequences, to upsample them.
    Kernel `(k, filters, in_channels)`."""

    rank = 1


class DepthwiseConv1D(DepthwiseConv2D):
    """Convolves each channel of (batch, steps, channels) sequences with its own
    `depth_multiplier` filters. Kernel `(k, in_channels, depth_multiplier)`."""

    rank = 1


class SeparableConv1D(SeparableConv2D):
    """A depthwise 1-D convolution followed by a pointwise one mixing the channels.
    Kernels `(k, in_channels, depth_multiplier)` and `(1, in * depth_multiplier, filters)`."""

    rank = 1


Convolution1D, Convolution2D, Convolution2DTranspose = Conv1D, Conv2D, Conv2DTranspose
Convolution1DTranspose = Conv1DTranspose
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
