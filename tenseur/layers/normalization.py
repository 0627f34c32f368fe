"""`tf.layers.batch_normalization` (Ioffe & Szegedy 2015) with TF 1.x's variables and update
ops.

Variables `batch_normalization/gamma`, `beta` (trainable), `moving_mean`, `moving_variance`
(not trainable). While training, the batch's statistics normalise the inputs and two update
ops `moving -= (moving - batch) * (1 - momentum)` go to `tf.GraphKeys.UPDATE_OPS`; as in TF 1.x
nothing runs them unless the train op depends on them:

    update_ops = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    with tf.control_dependencies(update_ops):
        train_op = optimizer.minimize(loss)

4-D inputs normalised over channels (axis 3, or 1 for channels first) use the fused op, whose
batch variance, the one averaged into moving_variance, has Bessel's correction n / (n - 1),
as TF's fused path; other inputs use tf.nn.moments (no correction), as TF's non-fused path.
"""
import numpy as np

import tenseur as tf

from .core import layer_scope, static_training

__all__ = ["batch_normalization"]


def batch_normalization(inputs, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                        beta_initializer=tf.zeros_initializer(),
                        gamma_initializer=tf.ones_initializer(),
                        moving_mean_initializer=tf.zeros_initializer(),
                        moving_variance_initializer=tf.ones_initializer(),
                        beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                        gamma_constraint=None, training=False, trainable=True, name=None,
                        reuse=None, renorm=False, renorm_clipping=None, renorm_momentum=0.99,
                        fused=None, virtual_batch_size=None, adjustment=None):
    """Normalises `inputs` per feature of `axis`: `gamma · (x - mean) / sqrt(var + eps) + beta`.

    Args:
        axis: the features axis (-1 for channels last, 1 for channels first).
        momentum: of the moving averages. epsilon: added to the variance.
        center, scale: learn beta / gamma (else 0 / 1).
        training: Python bool or bool tensor: batch statistics (and moving-average updates)
            when true, the moving statistics when false.
        fused: None (fused when possible: 4-D inputs, axis 1 or 3), True or False.
    Returns:
        The normalised tensor, inputs' shape.
    Raises:
        ValueError: the axis or its size is unknown; fused=True for inputs it cannot take.
        NotImplementedError: renorm, virtual_batch_size or adjustment.
    Example:
        >>> h = tf.layers.batch_normalization(h, training=is_training)
    """
    if renorm or virtual_batch_size is not None or adjustment is not None:
        raise NotImplementedError("batch_normalization: renorm, virtual_batch_size and "
                                  "adjustment are not supported.")
    inputs = tf.convert_to_tensor(inputs)
    axis, channels, fused = features_axis(inputs, axis, fused, "batch_normalization")
    with layer_scope(name, "batch_normalization", reuse):
        return normalize_in_scope(
            inputs, axis, channels, fused, training, momentum, epsilon,
            gamma=(gamma_initializer, gamma_regularizer, gamma_constraint) if scale else None,
            beta=(beta_initializer, beta_regularizer, beta_constraint) if center else None,
            moving_initializers=(moving_mean_initializer, moving_variance_initializer),
            trainable=trainable, updates_collection=tf.GraphKeys.UPDATE_OPS)


def features_axis(inputs, axis, fused, layer):
    """(axis made non-negative, its size, whether to use the fused op) after checking them.

    Raises:
        ValueError: unknown rank or features size, an axis out of range, or fused=True for
            inputs the fused op cannot take (4-D, axis 1 or 3).
    """
    rank = inputs.shape.ndims
    if rank is None:
        raise ValueError(f"{layer}: the rank of the inputs must be known, got "
                         f"{inputs.name} of unknown shape.")
    if not isinstance(axis, (int, np.integer)) or not -rank <= axis < rank:
        raise ValueError(f"{layer}: axis={axis!r} is not an axis of a rank-{rank} "
                         f"input (only a single int axis is supported).")
    axis = int(axis) % rank
    channels = inputs.shape.dims[axis]
    if channels is None:
        raise ValueError(f"{layer}: dimension {axis} of the inputs (the features "
                         f"axis) must be known, got shape {inputs.shape}.")
    can_fuse = rank == 4 and axis in (1, 3)
    if fused and not can_fuse:
        raise ValueError(f"{layer}: fused=True needs 4-D inputs normalised over "
                         f"axis 1 or 3, got shape {inputs.shape} and axis={axis}.")
    fused = can_fuse if fused is None else bool(fused)
    return axis, int(channels), fused


def normalize_in_scope(inputs, axis, channels, fused, training, momentum, epsilon, gamma, beta,
                       moving_initializers, trainable, updates_collection):
    """Batch normalisation with its variables made in the current variable scope (shared by
    tf.layers.batch_normalization and tf.contrib.layers.batch_norm).

    Args:
        gamma, beta: (initializer, regularizer, constraint) or None for no such variable.
        updates_collection: where the moving-average updates go; None runs them with the
            output (the output depends on them), as contrib's updates_collections=None.
    """
    mode = static_training(training)
    dtype = inputs.dtype

    def variable(var_name, initializer, trainable_var, regularizer=None, constraint=None):
        return tf.get_variable(var_name, [channels], dtype=dtype, initializer=initializer,
                               regularizer=regularizer, constraint=constraint,
                               trainable=trainable_var)

    gamma = variable("gamma", gamma[0], trainable, *gamma[1:]) if gamma else None
    beta = variable("beta", beta[0], trainable, *beta[1:]) if beta else None
    moving_mean = variable("moving_mean", moving_initializers[0], False)
    moving_variance = variable("moving_variance", moving_initializers[1], False)
    normalise = _fused if fused else _composed
    args = (inputs, axis, gamma, beta, epsilon)
    if mode is False:
        return normalise(*args, moving_mean, moving_variance)[0]
    train_out, batch_mean, batch_variance = normalise(*args, None, None)
    if mode is True:
        outputs, decay = train_out, float(momentum)
    else:
        training = tf.convert_to_tensor(training)
        infer_out = normalise(*args, moving_mean, moving_variance)[0]
        outputs = tf.where(training, train_out, infer_out)
        # Not training: decay 1, so the updates leave the moving statistics unchanged.
        decay = tf.where(training, tf.constant(float(momentum), dtype), tf.constant(1.0, dtype))
    updates = [tf.assign_sub(moving, (moving - value) * (1.0 - decay), name="AssignMovingAvg")
               for moving, value in ((moving_mean, batch_mean),
                                     (moving_variance, batch_variance))]
    if updates_collection is None:
        with tf.control_dependencies(updates):
            return tf.identity(outputs)
    for update in updates:
        tf.add_to_collection(updates_collection, update)
    return outputs


def _fused(inputs, axis, gamma, beta, epsilon, mean, variance):
    """(outputs, mean, variance) from tf.nn.fused_batch_norm (training when mean is None)."""
    channels = inputs.shape.dims[axis]
    scale = gamma if gamma is not None else tf.ones([channels], inputs.dtype)
    offset = beta if beta is not None else tf.zeros([channels], inputs.dtype)
    return tf.nn.fused_batch_norm(inputs, scale, offset, mean=mean, variance=variance,
                                  epsilon=epsilon, is_training=mean is None,
                                  data_format="NCHW" if axis == 1 else "NHWC")


def _composed(inputs, axis, gamma, beta, epsilon, mean, variance):
    """(outputs, mean, variance) from tf.nn.moments and tf.nn.batch_normalization."""
    rank = inputs.shape.ndims
    reduce_axes = [a for a in range(rank) if a != axis]
    broadcast = [1] * rank
    broadcast[axis] = inputs.shape.dims[axis]

    def shaped(t):
        return t if t is None or axis == rank - 1 else tf.reshape(t, broadcast)

    if mean is None:
        mean, variance = tf.nn.moments(inputs, reduce_axes)
    outputs = tf.nn.batch_normalization(inputs, shaped(mean), shaped(variance), shaped(beta),
                                        shaped(gamma), epsilon)
    return outputs, mean, variance
