"""Keras losses: functions `fn(y_true, y_pred)` giving one value per sample, and `Loss` classes
that add `reduction` (and `from_logits`) on top, built on tenseur ops.

Cross-entropies are computed in their stable form. With `from_logits=True` they go through
tenseur's fused `*_cross_entropy_with_logits` ops. Given probabilities, they look at what
produced `y_pred`: the output of a `Softmax` (or `Sigmoid`) op, or of the Keras activation of
that name (which marks its output, eager tensors included), is replaced by its input, the
logits, as tf.keras 2.x and Keras 3 do, so `Dense(10, activation="softmax")` with
`categorical_crossentropy` never takes the log of a rounded-off probability. Other
probabilities are clipped to `[epsilon, 1 - epsilon]` (epsilon = 1e-7) as Keras does.

Example:
    >>> model.compile(optimizer="sgd", loss="categorical_crossentropy")
    >>> loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    >>> value = loss(labels, logits)        # a scalar Tensor (mean over the batch)
"""
from __future__ import annotations

import math

import tenseur as tf

from . import backend

# -- helpers -------------------------------------------------------------------------------


def _float(x, dtype=None):
    x = x._as_tensor() if hasattr(x, "_as_tensor") else x
    if isinstance(x, tf.Tensor):
        if dtype is not None and x.dtype != dtype:
            return tf.cast(x, dtype)
        if not x.dtype.is_floating:
            return tf.cast(x, backend.floatx())
        return x
    return tf.constant(x, dtype=dtype or backend.floatx())


def _pair(y_true, y_pred):
    """Both as float tensors of y_pred's dtype, brought to the same rank (`same_rank`)."""
    y_pred = _float(y_pred)
    return same_rank(_float(y_true, y_pred.dtype), y_pred)


def same_rank(y_true, y_pred):
    """Keras 3's squeeze_or_expand_to_same_rank: when the ranks differ by one and the longer
    one ends in a size-1 axis, a rank-1 tensor gets that axis too, else the longer one loses
    it. Labels (N,) against predictions (N, 1) are then compared row by row instead of
    broadcasting to (N, N)."""
    r_true, r_pred = y_true.shape.ndims, y_pred.shape.ndims
    if r_true is None or r_pred is None or abs(r_true - r_pred) != 1:
        return y_true, y_pred
    if r_true == r_pred + 1 and y_true.shape.dims[-1] == 1:
        if r_pred == 1:
            y_pred = _marked_like(tf.expand_dims(y_pred, -1), y_pred,
                                  lambda t: tf.expand_dims(t, -1))
        else:
            y_true = tf.squeeze(y_true, [-1])
    elif r_pred == r_true + 1 and y_pred.shape.dims[-1] == 1:
        if r_true == 1:
            y_true = tf.expand_dims(y_true, -1)
        else:
            y_pred = _marked_like(tf.squeeze(y_pred, [-1]), y_pred, lambda t: tf.squeeze(t, [-1]))
    return y_true, y_pred


def _marked_like(new, old, reshape):
    """`new` (a reshaped `old`) keeping the logits mark of a Keras activation's output."""
    marked = getattr(old, "_keras_logits_of", None)
    if marked is None:
        logits = _logits_behind(old, "Sigmoid")
        marked = None if logits is None else ("Sigmoid", logits)
        if marked is None:
            logits = _logits_behind(old, "Softmax")
            marked = None if logits is None else ("Softmax", logits)
    if marked is not None:
        new._keras_logits_of = (marked[0], reshape(marked[1]))
    return new


def _logits_behind(output, op_type: str):
    """The logits of `output` when it is the output of a `op_type` op (through Identity ops),
    or of the Keras activation of that name (eager tensors too), else None."""
    marked = getattr(output, "_keras_logits_of", None)
    if marked is not None:
        return marked[1] if marked[0] == op_type else None
    tensor = output
    while isinstance(tensor, tf.Tensor):
        op = tensor.op
        if op.type == op_type:
            if op_type == "Softmax" and op.attrs.get("axis", -1) not in (-1, None):
                return None
            return op.inputs[0]
        if op.type != "Identity":
            return None
        tensor = op.inputs[0]
    return None


def _epsilon():
    return backend.epsilon()


# -- regression losses ---------------------------------------------------------------------

def mean_squared_error(y_true, y_pred):
    """`mean(square(y_pred - y_true), axis=-1)`."""
    y_true, y_pred = _pair(y_true, y_pred)
    return tf.reduce_mean(tf.squared_difference(y_pred, y_true), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """`mean(abs(y_pred - y_true), axis=-1)`."""
    y_true, y_pred = _pair(y_true, y_pred)
    return tf.reduce_mean(tf.abs(y_pred - y_true), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """`100 * mean(abs((y_true - y_pred) / max(abs(y_true), epsilon)), axis=-1)`."""
    y_true, y_pred = _pair(y_true, y_pred)
    diff = tf.abs((y_true - y_pred) / tf.maximum(tf.abs(y_true), _epsilon()))
    return 100.0 * tf.reduce_mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """`mean(square(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)), axis=-1)`."""
    y_true, y_pred = _pair(y_true, y_pred)
    first = tf.log(tf.maximum(y_pred, _epsilon()) + 1.0)
    second = tf.log(tf.maximum(y_true, _epsilon()) + 1.0)
    return tf.reduce_mean(tf.squared_difference(first, second), axis=-1)


def huber(y_true, y_pred, delta=1.0):
    """Quadratic for |error| <= delta, linear beyond: `mean(h(y_pred - y_true), axis=-1)`."""
    y_true, y_pred = _pair(y_true, y_pred)
    error = y_pred - y_true
    abs_error = tf.abs(error)
    quadratic = 0.5 * tf.square(error)
    linear = delta * abs_error - 0.5 * delta * delta
    return tf.reduce_mean(tf.where(abs_error <= delta, quadratic, linear), axis=-1)


def log_cosh(y_true, y_pred):
    """`mean(log(cosh(y_pred - y_true)), axis=-1)`, as `x + softplus(-2x) - log 2` (no overflow)."""
    y_true, y_pred = _pair(y_true, y_pred)
    x = y_pred - y_true
    return tf.reduce_mean(x + tf.nn.softplus(-2.0 * x) - math.log(2.0), axis=-1)


# -- probabilistic losses ------------------------------------------------------------------

def dice(y_true, y_pred, axis=None):
    """1 - 2 sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + eps), over `axis` (all axes
    by default: one value for the batch), Keras 3's segmentation loss."""
    y_true, y_pred = _pair(y_true, y_pred)
    intersection = tf.reduce_sum(y_true * y_pred, axis=axis)
    total = tf.reduce_sum(y_true, axis=axis) + tf.reduce_sum(y_pred, axis=axis)
    return 1.0 - 2.0 * intersection / (total + _epsilon())


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """1 - TP / (TP + alpha * A + beta * B + eps) with TP = sum(y_true y_pred),
    A = sum((1 - y_pred) y_true), B = sum(y_pred (1 - y_true)), as Keras 3 writes it."""
    y_true, y_pred = _pair(y_true, y_pred)
    intersection = tf.reduce_sum(y_true * y_pred, axis=axis)
    first = tf.reduce_sum((1.0 - y_pred) * y_true, axis=axis)
    second = tf.reduce_sum(y_pred * (1.0 - y_true), axis=axis)
    return 1.0 - intersection / (intersection + first * alpha + second * beta + _epsilon())


def _clipped(p):
    eps = _epsilon()
    return tf.clip_by_value(p, eps, 1.0 - eps)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy down-weighted on well-classified values (Lin et al., 2017):
    mean over `axis` of `(1 - p_t) ** gamma * bce`, p_t the probability of the true label,
    times `alpha` (positives) / `1 - alpha` (negatives) with `apply_class_balancing`."""
    y_true, y_pred = _pair(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        y_pred = tf.sigmoid(y_pred)
    p = _clipped(y_pred)
    bce = -(y_true * tf.log(p) + (1.0 - y_true) * tf.log(1.0 - p))
    p_t = y_true * y_pred + (1.0 - y_true) * (1.0 - y_pred)
    focal = tf.pow(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        focal = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * focal
    return tf.reduce_mean(focal, axis=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """Categorical cross-entropy with each class's term weighted by
    `alpha * (1 - p) ** gamma` (Keras 3's focal form)."""
    y_true, y_pred = _pair(y_true, y_pred)
    if label_smoothing:
        classes = tf.cast(tf.shape(y_true)[-1], y_pred.dtype)
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / classes
    if from_logits:
        y_pred = tf.nn.softmax(y_pred, axis=axis)
    p = _clipped(y_pred / tf.reduce_sum(y_pred, axis=axis, keepdims=True))
    focal = alpha * tf.pow(1.0 - p, gamma) * (-y_true * tf.log(p))
    return tf.reduce_sum(focal, axis=axis)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Mean over `axis` of `-(y log p + (1 - y) log(1 - p))`.

    Args:
        from_logits: `y_pred` holds logits (no sigmoid applied).
        label_smoothing: in [0, 1]; targets become `y * (1 - s) + 0.5 * s`.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    logits = y_pred if from_logits else _logits_behind(y_pred, "Sigmoid")
    if logits is not None:
        elementwise = tf.nn.sigmoid_cross_entropy_with_logits(labels=y_true, logits=logits)
    else:
        eps = _epsilon()
        p = tf.clip_by_value(y_pred, eps, 1.0 - eps)
        elementwise = -(y_true * tf.log(p) + (1.0 - y_true) * tf.log(1.0 - p))
    return tf.reduce_mean(elementwise, axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """`-sum(y_true * log(y_pred), axis)` for one-hot (or soft) targets.

    Args:
        from_logits: `y_pred` holds logits (no softmax applied).
        label_smoothing: in [0, 1]; targets become `y * (1 - s) + s / num_classes`.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    if label_smoothing:
        num_classes = tf.cast(tf.shape(y_true)[-1], y_pred.dtype)
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    logits = y_pred if from_logits else (_logits_behind(y_pred, "Softmax") if axis == -1
                                         else None)
    if logits is not None:
        return tf.nn.softmax_cross_entropy_with_logits_v2(labels=y_true, logits=logits,
                                                          axis=axis)
    eps = _epsilon()
    p = y_pred / tf.reduce_sum(y_pred, axis=axis, keepdims=True)
    p = tf.clip_by_value(p, eps, 1.0 - eps)
    return -tf.reduce_sum(y_true * tf.log(p), axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None,
                                    axis=-1):
    """Categorical cross-entropy with integer class labels: `-log(y_pred[label])`.

    `y_true` has the shape of `y_pred` without its last axis, or with a last axis of size 1.
    `ignore_class`: a label whose samples contribute 0 (e.g. padding).
    """
    y_pred = _float(y_pred)
    labels = y_true._as_tensor() if hasattr(y_true, "_as_tensor") else y_true
    if not isinstance(labels, tf.Tensor):
        labels = tf.constant(labels)
    rank, pred_rank = labels.shape.ndims, y_pred.shape.ndims
    if rank is not None and pred_rank is not None and rank == pred_rank:
        labels = tf.squeeze(labels, axis=[-1])
    labels = tf.cast(labels, tf.int32)
    valid = None
    if ignore_class is not None:
        valid = tf.not_equal(labels, ignore_class)
        labels = tf.where(valid, labels, tf.zeros_like(labels))
    logits = y_pred if from_logits else _logits_behind(y_pred, "Softmax")
    if logits is not None:
        losses = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    else:
        depth = y_pred.shape.dims[-1] if y_pred.shape.dims else None
        if depth is None:
            raise ValueError(f"sparse_categorical_crossentropy: the number of classes (last "
                             f"dimension of y_pred, shape {backend.int_shape(y_pred)}) must "
                             f"be known.")
        eps = _epsilon()
        p = y_pred / tf.reduce_sum(y_pred, axis=-1, keepdims=True)
        p = tf.clip_by_value(p, eps, 1.0 - eps)
        one_hot = tf.one_hot(tf.reshape(labels, [-1]), depth, dtype=y_pred.dtype)
        picked = tf.reduce_sum(one_hot * tf.log(tf.reshape(p, [-1, depth])), axis=-1)
        losses = -tf.reshape(picked, tf.shape(labels))
    if valid is not None:
        # Zero at the ignored labels, and masked there: the mean is over the other ones.
        losses = losses * tf.cast(valid, losses.dtype)
        losses._keras_mask = valid
    return losses


def kl_divergence(y_true, y_pred):
    """`sum(y_true * log(y_true / y_pred), axis=-1)`, both clipped to [epsilon, 1]."""
    y_true, y_pred = _pair(y_true, y_pred)
    eps = _epsilon()
    y_true = tf.clip_by_value(y_true, eps, 1.0)
    y_pred = tf.clip_by_value(y_pred, eps, 1.0)
    return tf.reduce_sum(y_true * tf.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    """`mean(y_pred - y_true * log(y_pred + epsilon), axis=-1)`."""
    y_true, y_pred = _pair(y_true, y_pred)
    return tf.reduce_mean(y_pred - y_true * tf.log(y_pred + _epsilon()), axis=-1)


def cosine_similarity(y_true, y_pred, axis=-1):
    """`-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)`: -1 when aligned (Keras'
    sign: minimising it maximises the similarity)."""
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = tf.nn.l2_normalize(y_true, axis=axis)
    y_pred = tf.nn.l2_normalize(y_pred, axis=axis)
    return -tf.reduce_sum(y_true * y_pred, axis=axis)


# -- hinge losses --------------------------------------------------------------------------

def _hinge_labels(y_true):
    """Labels in {0, 1} become {-1, 1} (Keras converts binary labels; others pass as given)."""
    is_binary = tf.reduce_all(tf.logical_or(tf.equal(y_true, 0.0), tf.equal(y_true, 1.0)))
    return tf.where(is_binary, 2.0 * y_true - 1.0, y_true)


def hinge(y_true, y_pred):
    """`mean(maximum(1 - y_true * y_pred, 0), axis=-1)`, labels -1/1 (or 0/1, converted)."""
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = _hinge_labels(y_true)
    return tf.reduce_mean(tf.maximum(1.0 - y_true * y_pred, 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    """`mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)`."""
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = _hinge_labels(y_true)
    return tf.reduce_mean(tf.square(tf.maximum(1.0 - y_true * y_pred, 0.0)), axis=-1)


def categorical_hinge(y_true, y_pred):
    """`maximum(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)` (one-hot targets)."""
    y_true, y_pred = _pair(y_true, y_pred)
    positive = tf.reduce_sum(y_true * y_pred, axis=-1)
    negative = tf.reduce_max((1.0 - y_true) * y_pred, axis=-1)
    return tf.maximum(negative - positive + 1.0, 0.0)


# Keras' short names.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
huber_loss = huber

# -- Loss classes --------------------------------------------------------------------------

_REDUCTIONS = ("sum_over_batch_size", "sum", "none", "mean", "mean_with_sample_weight", "auto")


def _like_values(weights, values):
    """`weights` (batch,), (batch, 1) or the values' own shape, brought to the values' rank:
    a trailing 1 squeezed, missing trailing axes added (they broadcast)."""
    value_rank, weight_rank = values.shape.ndims, weights.shape.ndims
    if value_rank is not None and weight_rank is not None:
        if weight_rank == value_rank + 1 and weights.shape.dims[-1] == 1:
            weights = tf.squeeze(weights, axis=[-1])
            weight_rank -= 1
        for _ in range(value_rank - weight_rank):
            weights = tf.expand_dims(weights, -1)
    return weights


def mask_weights(values, mask, sample_weight=None, reduction="sum"):
    """Weights that leave the masked steps out: `mask` (True where real, e.g. an Embedding's
    `inputs != 0`) as 0/1 times `sample_weight` (broadcast from the batch axis), shaped as
    `values`. For the mean reductions the mask is scaled by total / valid, as Keras 3 does,
    so that reduce_weighted's sum / size is the mean over the real steps."""
    values = _float(values)
    weights = _like_values(tf.cast(mask, values.dtype), values) * tf.ones_like(values)
    if reduction in ("sum_over_batch_size", "auto", "mean"):
        total = tf.cast(tf.size(weights), values.dtype)
        weights = weights * (total / (tf.reduce_sum(weights) + _epsilon()))
    if sample_weight is not None:
        weights = weights * _like_values(_float(sample_weight, values.dtype), values)
    return weights


def reduce_loss(values, y_pred, sample_weight=None, reduction="sum_over_batch_size"):
    """`reduce_weighted` of per-sample losses, leaving out the steps masked on `y_pred`
    (its `_keras_mask`, e.g. from Embedding(mask_zero=True)), as Keras 3's losses do."""
    mask = getattr(y_pred, "_keras_mask", None)
    out_mask = getattr(values, "_keras_mask", None)      # e.g. ignore_class's valid labels
    if out_mask is not None:
        mask = out_mask if mask is None else tf.logical_and(mask, out_mask)
    if mask is not None:
        sample_weight = mask_weights(values, mask, sample_weight, reduction)
    return reduce_weighted(values, sample_weight, reduction)


def reduce_weighted(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Applies `sample_weight` (broadcast from the batch axis) and `reduction` to per-sample
    losses.

    "sum_over_batch_size" ("auto", "mean"): sum of weighted values / number of values, as
    tf.keras 2.x and Keras 3; "mean_with_sample_weight": divided by the sum of weights;
    "sum"; "none": the weighted values.
    """
    values = _float(values)
    if sample_weight is not None:
        weights = _like_values(_float(sample_weight, values.dtype), values)
        values = values * weights
    if reduction in (None, "none"):
        return values
    total = tf.reduce_sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        denominator = tf.reduce_sum(weights * tf.ones_like(values))
        return total / tf.maximum(denominator, _epsilon())
    return total / tf.cast(tf.maximum(tf.size(values), 1), values.dtype)


class Loss:
    """Base class of losses: `call(y_true, y_pred)` per sample, `__call__` reduces.

    Args:
        reduction: "sum_over_batch_size" (default; "auto" is its tf.keras 2 name), "sum",
            "none", or "mean_with_sample_weight".
        name: the loss's name.
    Subclass and implement `call(y_true, y_pred)`, or use `LossFunctionWrapper`.
    """

    def __init__(self, reduction="sum_over_batch_size", name=None, dtype=None):
        if reduction not in _REDUCTIONS and reduction is not None:
            raise ValueError(f"Invalid value for argument `reduction`: {reduction!r}; expected "
                             f"one of {', '.join(repr(r) for r in _REDUCTIONS)}.")
        self.reduction = reduction or "none"
        self.name = name or backend.snake_case(type(self).__name__)
        self.dtype = dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        with tf.name_scope(self.name):
            return reduce_loss(self.call(y_true, y_pred), y_pred, sample_weight, self.reduction)

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred).")

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class LossFunctionWrapper(Loss):
    """A `Loss` from a function `fn(y_true, y_pred, **kwargs)` returning per-sample values."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, **kwargs):
        super().__init__(reduction=reduction, name=name or fn.__name__)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        return {**super().get_config(), **self._fn_kwargs}


def _loss_class(class_name, fn, default_name, doc, **defaults):
    """A `LossFunctionWrapper` subclass whose constructor takes `fn`'s options by keyword."""

    def __init__(self, *args, reduction="sum_over_batch_size", name=default_name, **kwargs):
        options = dict(defaults)
        for key, value in zip(defaults, args):
            options[key] = value
        unknown = set(kwargs) - set(defaults)
        if unknown:
            raise TypeError(f"{class_name}: unexpected keyword argument(s) "
                            f"{', '.join(sorted(unknown))}.")
        options.update(kwargs)
        LossFunctionWrapper.__init__(self, fn, reduction=reduction, name=name, **options)

    return type(class_name, (LossFunctionWrapper,), {"__init__": __init__, "__doc__": doc})


MeanSquaredError = _loss_class("MeanSquaredError", mean_squared_error, "mean_squared_error",
                               "Mean of squares of errors between labels and predictions.")
MeanAbsoluteError = _loss_class("MeanAbsoluteError", mean_absolute_error, "mean_absolute_error",
                                "Mean of absolute differences between labels and predictions.")
MeanAbsolutePercentageError = _loss_class(
    "MeanAbsolutePercentageError", mean_absolute_percentage_error,
    "mean_absolute_percentage_error", "Mean absolute percentage error.")
MeanSquaredLogarithmicError = _loss_class(
    "MeanSquaredLogarithmicError", mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error", "Mean squared logarithmic error.")
Huber = _loss_class("Huber", huber, "huber_loss", "Huber loss (`delta=1.0`).", delta=1.0)
LogCosh = _loss_class("LogCosh", log_cosh, "log_cosh", "Logarithm of the hyperbolic cosine.")
BinaryCrossentropy = _loss_class(
    "BinaryCrossentropy", binary_crossentropy, "binary_crossentropy",
    "Binary cross-entropy (`from_logits=False, label_smoothing=0.0, axis=-1`).",
    from_logits=False, label_smoothing=0.0, axis=-1)
CategoricalCrossentropy = _loss_class(
    "CategoricalCrossentropy", categorical_crossentropy, "categorical_crossentropy",
    "Cross-entropy with one-hot targets (`from_logits=False, label_smoothing=0.0, axis=-1`).",
    from_logits=False, label_smoothing=0.0, axis=-1)
SparseCategoricalCrossentropy = _loss_class(
    "SparseCategoricalCrossentropy", sparse_categorical_crossentropy,
    "sparse_categorical_crossentropy",
    "Cross-entropy with integer targets (`from_logits=False, ignore_class=None, axis=-1`).",
    from_logits=False, ignore_class=None, axis=-1)
KLDivergence = _loss_class("KLDivergence", kl_divergence, "kl_divergence",
                           "Kullback-Leibler divergence.")
Poisson = _loss_class("Poisson", poisson, "poisson", "Poisson loss.")
CosineSimilarity = _loss_class("CosineSimilarity", cosine_similarity, "cosine_similarity",
                               "Negative cosine similarity (`axis=-1`).", axis=-1)
Hinge = _loss_class("Hinge", hinge, "hinge", "Hinge loss.")
SquaredHinge = _loss_class("SquaredHinge", squared_hinge, "squared_hinge", "Squared hinge loss.")
CategoricalHinge = _loss_class("CategoricalHinge", categorical_hinge, "categorical_hinge",
                               "Categorical hinge loss.")
Dice = _loss_class("Dice", dice, "dice", "Dice loss (`axis=None`: over everything).",
                   axis=None)
Tversky = _loss_class("Tversky", tversky, "tversky",
                      "Tversky loss (`alpha=0.5, beta=0.5, axis=None`).", alpha=0.5, beta=0.5,
                      axis=None)
BinaryFocalCrossentropy = _loss_class(
    "BinaryFocalCrossentropy", binary_focal_crossentropy, "binary_focal_crossentropy",
    "Focal binary cross-entropy (`apply_class_balancing=False, alpha=0.25, gamma=2.0, "
    "from_logits=False, label_smoothing=0.0, axis=-1`).", apply_class_balancing=False,
    alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1)
CategoricalFocalCrossentropy = _loss_class(
    "CategoricalFocalCrossentropy", categorical_focal_crossentropy,
    "categorical_focal_crossentropy",
    "Focal categorical cross-entropy (`alpha=0.25, gamma=2.0, from_logits=False, "
    "label_smoothing=0.0, axis=-1`).", alpha=0.25, gamma=2.0, from_logits=False,
    label_smoothing=0.0, axis=-1)

_FUNCTIONS = {fn.__name__: fn for fn in (
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, huber, log_cosh, binary_crossentropy,
    categorical_crossentropy, sparse_categorical_crossentropy, kl_divergence, poisson,
    cosine_similarity, hinge, squared_hinge, categorical_hinge, binary_focal_crossentropy,
    categorical_focal_crossentropy, dice, tversky)}
_FUNCTIONS.update({"mse": mse, "MSE": mse, "mae": mae, "MAE": mae, "mape": mape, "MAPE": mape,
                   "msle": msle, "MSLE": msle, "kld": kld, "KLD": kld,
                   "kullback_leibler_divergence": kld, "logcosh": log_cosh,
                   "huber_loss": huber})
# Every public Loss class of this module, by class name (a saved model's compile config names
# its loss so): written out by hand, the list had missed the four newest.
_CLASSES = {name: cls for name, cls in list(globals().items())
            if isinstance(cls, type) and issubclass(cls, Loss) and not name.startswith("_")
            and cls.__module__ == __name__ and cls not in (Loss, LossFunctionWrapper)}


def get(identifier):
    """A loss function or `Loss` object from a name ("mse", "categorical_crossentropy"...),
    a config dict, a callable or a `Loss`.

    Raises:
        ValueError: an unknown name (the message lists the known ones).
    """
    if identifier is None or isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        if identifier in _FUNCTIONS:
            return _FUNCTIONS[identifier]
        if identifier in _CLASSES:
            return _CLASSES[identifier]()
        raise ValueError(f"Unknown loss: {identifier!r}. Known losses: "
                         f"{', '.join(sorted(_FUNCTIONS))}; or pass a function "
                         f"f(y_true, y_pred) or a keras.losses.Loss.")
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret loss identifier: {identifier!r}.")


def serialize(loss):
    if isinstance(loss, Loss):
        return {"module": "keras.losses", "class_name": type(loss).__name__,
                "config": loss.get_config(), "registered_name": None}
    return getattr(loss, "__name__", None)


def deserialize(config, custom_objects=None):
    if isinstance(config, str):
        return get(config)
    name = config.get("class_name")
    cls = (custom_objects or {}).get(name) or _CLASSES.get(name)
    if cls is None:
        raise ValueError(f"Unknown loss class: {name!r}.")
    options = dict(config.get("config", {}))
    if cls in _CLASSES.values():
        options.pop("fn", None)
    return cls(**options)
