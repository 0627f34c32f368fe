"""BatchNormalization and LayerNormalization.

BatchNormalization follows Keras 3: in training it normalises with the batch's mean and
(biased) variance and updates the moving statistics with
`moving = moving * momentum + batch * (1 - momentum)`; at inference it uses the moving
statistics. A frozen layer (`trainable = False`) always runs in inference mode, even inside
`fit`, and its statistics stay put — the behaviour transfer learning needs.
"""
from __future__ import annotations

import numpy as np

import tenseur as tf

from .. import backend, constraints, initializers, regularizers
from ..engine.base_layer import InputSpec, Layer


def _axes(axis, owner) -> list:
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    if not axes or not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool)
                           for a in axes):
        raise ValueError(f"{owner}: `axis` must be an int or a list of ints, got axis={axis!r}.")
    return [int(a) for a in axes]


def _resolve_axes(layer, axes, input_shape) -> list:
    """`axes` made non-negative for inputs of `input_shape`; each must be known and not 0."""
    rank = len(input_shape)
    resolved = []
    for axis in axes:
        if not -rank <= axis < rank or axis % rank == 0:
            raise ValueError(f"{type(layer).__name__} '{layer.name}': axis={axis} is not an "
                             f"axis after the batch of inputs of shape {tuple(input_shape)}.")
        if input_shape[axis] is None:
            raise ValueError(f"{type(layer).__name__} '{layer.name}': axis {axis} of the inputs "
                             f"must be known, got input shape {tuple(input_shape)}.")
        resolved.append(axis % rank)
    if len(set(resolved)) != len(resolved):
        raise ValueError(f"{type(layer).__name__} '{layer.name}': duplicate axes in axis={axes}.")
    return sorted(resolved)


class _Normalization(Layer):
    """What both normalisations share: axes, epsilon, and the gamma/beta options."""

    _passes_masks = True

    def __init__(self, axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                 beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint,
                 **kwargs):
        super().__init__(**kwargs)
        owner = type(self).__name__
        self.axis = _axes(axis, owner)
        try:
            self.epsilon = float(epsilon)
        except (TypeError, ValueError):
            self.epsilon = -1.0
        if not self.epsilon >= 0:
            raise ValueError(f"{owner}: `epsilon` must be a number >= 0, got epsilon={epsilon!r}.")
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    def _build_affine(self, param_shape, scale, center):
        self.gamma = (self.add_weight("gamma", param_shape, initializer=self.gamma_initializer,
                                      regularizer=self.gamma_regularizer,
                                      constraint=self.gamma_constraint)
                      if scale else None)
        self.beta = (self.add_weight("beta", param_shape, initializer=self.beta_initializer,
                                     regularizer=self.beta_regularizer,
                                     constraint=self.beta_constraint)
                     if center else None)

    def _broadcast(self, param, rank):
        """A (dims of axis) parameter reshaped to broadcast against rank-`rank` inputs."""
        if param is None or self._axes == [rank - 1]:
            return param
        shape = [1] * rank
        for axis in self._axes:
            shape[axis] = self._input_dims[axis]
        return tf.reshape(param, shape)

    def _config_axis(self):
        return self.axis[0] if len(self.axis) == 1 else list(self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self._config_axis(), "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint)}


class BatchNormalization(_Normalization):
    """Normalises each feature with batch statistics in training, moving ones at inference.

    Args:
        axis: the feature axis (default -1: channels last; 1 for channels_first images).
        momentum: of the moving averages (default 0.99). epsilon: added to the variance (1e-3).
        center, scale: learn beta / gamma. beta/gamma/moving_mean/moving_variance
            initializers, beta/gamma regularizers and constraints.
    Weights, in Keras' order: gamma, beta (trainable), moving_mean, moving_variance.
    Output: gamma * (x - mean) / sqrt(variance + epsilon) + beta.
    The moving-average updates are in `layer.updates` (assign ops computed from the batch
    statistics); `fit` runs them in training steps only.
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, synchronized=False, fused=None, renorm=False,
                 virtual_batch_size=None, adjustment=None, **kwargs):
        # Keras 2 options only accepted at their defaults (so Keras 2 configs load).
        if renorm or virtual_batch_size is not None or adjustment is not None:
            raise ValueError("BatchNormalization: renorm, virtual_batch_size and adjustment are "
                             "not supported (Keras 3 removed them).")
        del fused, synchronized   # one device: a synchronised layer is a plain one
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint,
                         **kwargs)
        try:
            self.momentum = float(momentum)
        except (TypeError, ValueError):
            self.momentum = -1.0
        if not 0 <= self.momentum <= 1:
            raise ValueError(f"BatchNormalization: `momentum` must be a number in [0, 1], got "
                             f"momentum={momentum!r}.")
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self._trainable_flag = None

    # Freezing must also switch an already-built graph to inference mode, so the choice
    # between batch and moving statistics reads a boolean variable that follows `trainable`.
    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        Layer.trainable.fset(self, value)
        if self._trainable_flag is not None:
            with self._trainable_flag.graph.as_default():
                backend.set_value(self._trainable_flag, bool(value))

    def build(self, input_shape):
        self._axes = _resolve_axes(self, self.axis, input_shape)
        self._input_dims = list(input_shape)
        param_shape = tuple(input_shape[a] for a in self._axes)
        self._build_affine(param_shape, self.scale, self.center)
        self.moving_mean = self.add_weight("moving_mean", param_shape,
                                           initializer=self.moving_mean_initializer,
                                           trainable=False)
        self.moving_variance = self.add_weight("moving_variance", param_shape,
                                               initializer=self.moving_variance_initializer,
                                               trainable=False)
        graph = tf.get_default_graph()
        with graph.name_scope(None):
            self._trainable_flag = tf.Variable(self.trainable, trainable=False, dtype=tf.bool,
                                               name=f"{self.name}/trainable_flag")
        backend.track_variable(self._trainable_flag)
        self.input_spec = InputSpec(ndim=len(input_shape),
                                    axes={a: input_shape[a] for a in self._axes})
        self.built = True

    def _normalize(self, inputs, mean, variance):
        rank = len(self._input_dims)
        return tf.nn.batch_normalization(inputs, self._broadcast(mean, rank),
                                         self._broadcast(variance, rank),
                                         self._broadcast(self.beta, rank),
                                         self._broadcast(self.gamma, rank), self.epsilon)

    def call(self, inputs, training=None, mask=None):
        if mask is not None and mask.shape.ndims is not None and inputs.shape.ndims is not None \
                and mask.shape.ndims != inputs.shape.ndims - 1:
            raise ValueError(f"BatchNormalization '{self.name}': the mask must have one axis less "
                             f"than the inputs (one flag per step), got mask shape {mask.shape} "
                             f"for inputs of shape {inputs.shape}.")
        if backend.eager_context() and not (isinstance(training, tf.Tensor)
                                            and not isinstance(training, tf.EagerTensor)):
            # Eagerly (or in a function traced in eager mode, which runs every update it
            # holds) the mode is known now (Keras 3: training=None means inference), and an
            # update made here is made at once, so it is made only when training.
            if not (training is not None and bool(training) and self.trainable):
                return self._normalize(inputs, self.moving_mean, self.moving_variance)
            mean, variance = self._moments(inputs, mask)
            self._update_moving_statistics(mean, variance, inputs)
            return self._normalize(inputs, mean, variance)
        if training is not None and not isinstance(training, tf.Tensor) and not training:
            return self._normalize(inputs, self.moving_mean, self.moving_variance)
        mean, variance = self._moments(inputs, mask)
        if training is None:
            use_batch = tf.logical_and(backend.learning_phase(), self._trainable_flag)
        elif isinstance(training, tf.Tensor):
            use_batch = tf.logical_and(tf.cast(training, tf.bool), self._trainable_flag)
        else:
            use_batch = self._trainable_flag
        self._update_moving_statistics(mean, variance, inputs)
        # Choose the statistics (per-feature vectors), not the outputs: one normalisation
        # pass over the inputs instead of two, and the gradient flows to the batch
        # statistics only when they are used.
        return self._normalize(inputs, tf.where(use_batch, mean, self.moving_mean),
                               tf.where(use_batch, variance, self.moving_variance))

    def _reduction_axes(self):
        return [i for i in range(len(self._input_dims)) if i not in self._axes]

    def _moments(self, inputs, mask):
        """The batch mean and variance per feature; with a mask (e.g. from
        Embedding(mask_zero=True)), over the real steps only, as Keras 3."""
        axes = self._reduction_axes()
        if mask is None:
            return tf.nn.moments(inputs, axes)
        weights = tf.expand_dims(tf.cast(mask, inputs.dtype), -1) * tf.ones_like(inputs)
        weighted = weights * inputs
        count = tf.reduce_sum(weights, axis=axes, keepdims=True) + 1e-7
        mean = tf.reduce_sum(weighted, axis=axes, keepdims=True) / count
        variance = tf.reduce_sum(weights * tf.square(weighted - mean), axis=axes,
                                 keepdims=True) / count
        return tf.squeeze(mean, axis=axes), tf.squeeze(variance, axis=axes)

    def _update_moving_statistics(self, mean, variance, inputs):
        """Registers Keras' moving-average assign ops (run by `fit` in training steps), with
        the inputs they depend on (Keras 2's `add_update(updates, inputs)`)."""
        momentum = tf.constant(self.momentum, dtype=self.moving_mean.dtype.base_dtype)
        self.add_update([
            tf.assign(self.moving_mean, self.moving_mean * momentum + mean * (1.0 - momentum)),
            tf.assign(self.moving_variance,
                      self.moving_variance * momentum + variance * (1.0 - momentum))],
            inputs=inputs)

    def get_config(self):
        config = super().get_config()
        config.update({
            "momentum": self.momentum,
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(
                self.moving_variance_initializer),
            "synchronized": False})
        return config


class LayerNormalization(_Normalization):
    """Normalises each example over `axis` (default -1): gamma * (x - mean)/sqrt(var + eps) + beta.

    Args: axis (int or list), epsilon (1e-3), center, scale, rms_scaling (Keras 3's deprecated
        option, computed as Keras 3.15 does: x / sqrt(var(x) + eps) * gamma, no centring, gamma
        only; Keras itself warns that this divides by the variance's root, not the root mean
        square), beta/gamma initializers, regularizers, constraints.
    Weights: gamma, beta.
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint,
                         **kwargs)
        self.rms_scaling = bool(rms_scaling)
        if self.rms_scaling:
            import warnings
            warnings.warn("LayerNormalization(rms_scaling=True) is deprecated in Keras 3 and "
                          "scales the input by its variance's root, not its root mean square "
                          "(computed here as Keras does, for parity).", DeprecationWarning,
                          stacklevel=2)

    def build(self, input_shape):
        self._axes = _resolve_axes(self, self.axis, input_shape)
        self._input_dims = list(input_shape)
        # Keras 3: with rms_scaling, `center` and `scale` are ignored and only gamma exists.
        self._build_affine(tuple(input_shape[a] for a in self._axes),
                           scale=self.scale or self.rms_scaling,
                           center=self.center and not self.rms_scaling)
        self.built = True

    def call(self, inputs):
        rank = len(self._input_dims)
        gamma = self._broadcast(self.gamma, rank)
        if self.rms_scaling:
            # Keras 3.15: x / sqrt(variance + eps) * gamma, without centring x itself.
            _, variance = tf.nn.moments(inputs, self._axes, keep_dims=True)
            out = inputs * tf.rsqrt(variance + self.epsilon)
            return out * gamma if gamma is not None else out
        mean, variance = tf.nn.moments(inputs, self._axes, keep_dims=True)
        return tf.nn.batch_normalization(inputs, mean, variance, self._broadcast(self.beta, rank),
                                         gamma, self.epsilon)

    def get_config(self):
        return {**super().get_config(), "rms_scaling": self.rms_scaling}


class UnitNormalization(Layer):
    """Scales each example to unit L2 norm over `axis` (default -1):
    x / sqrt(max(sum(x²), 1e-12)), as Keras 3."""

    _passes_masks = True

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else int(axis)

    def call(self, inputs):
        return tf.nn.l2_normalize(inputs, axis=self.axis, epsilon=1e-12)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class GroupNormalization(_Normalization):
    """Normalises each example over groups of channels (Wu & He, 2018): the `axis` channels
    (default -1) split into `groups` groups, each normalised over its channels and the other
    non-batch axes, then gamma * x + beta per channel (Keras 3's layer).

    Args: groups (32; must divide the channels), axis (-1), epsilon (1e-3), center, scale,
        beta/gamma initializers, regularizers, constraints.
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint,
                         **kwargs)
        if len(self.axis) != 1:
            raise ValueError(f"GroupNormalization: `axis` must be one axis, got {axis!r}.")
        if not isinstance(groups, (int, np.integer)) or groups <= 0:
            raise ValueError(f"GroupNormalization: `groups` must be a positive integer, got "
                             f"groups={groups!r}.")
        self.groups = int(groups)

    def build(self, input_shape):
        self._axes = _resolve_axes(self, self.axis, input_shape)
        self._input_dims = list(input_shape)
        channels = input_shape[self._axes[0]]
        if channels is None or channels % self.groups:
            raise ValueError(f"GroupNormalization '{self.name}': the {channels} channels of "
                             f"axis {self.axis[0]} (inputs {tuple(input_shape)}) must be known "
                             f"and a multiple of groups={self.groups}.")
        self._build_affine((channels,), scale=self.scale, center=self.center)
        self.built = True

    def call(self, inputs):
        rank = len(self._input_dims)
        axis = self._axes[0]
        channels = self._input_dims[axis]
        shape = tf.shape(inputs)
        # (..., groups, channels / groups) in place of the channel axis
        grouped_shape = tf.concat([shape[:axis], [self.groups, channels // self.groups],
                                   shape[axis + 1:]], 0)
        grouped = tf.reshape(inputs, grouped_shape)
        reduce_axes = [a for a in range(1, rank + 1) if a != axis]
        mean, variance = tf.nn.moments(grouped, reduce_axes, keep_dims=True)
        normalized = tf.reshape((grouped - mean) * tf.rsqrt(variance + self.epsilon), shape)
        gamma = self._broadcast(self.gamma, rank)
        beta = self._broadcast(self.beta, rank)
        if gamma is not None:
            normalized = normalized * gamma
        if beta is not None:
            normalized = normalized + beta
        return normalized

    def get_config(self):
        return {**super().get_config(), "groups": self.groups}
