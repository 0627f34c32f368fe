"""`tf.losses` of TensorFlow 1.x: weighted losses added to the LOSSES collection.

Each function computes per-element losses, weights them (`weights`: a scalar or a tensor
that broadcasts to the losses, e.g. one weight per example) and reduces them by `reduction`;
the default, SUM_BY_NONZERO_WEIGHTS, is the sum divided by the number of non-zero weights
(the mean when no weights are given). The result is added to `loss_collection`
(tf.GraphKeys.LOSSES) so that `get_total_loss()` finds it.

Example:
    >>> loss = tf.losses.softmax_cross_entropy(onehot_labels=y, logits=logits)
    >>> total = tf.losses.get_total_loss()     # + the regularization losses
"""
from __future__ import annotations

import tenseur as tf
from .framework.graph import GraphKeys

__all__ = ["Reduction", "compute_weighted_loss", "softmax_cross_entropy",
           "sparse_softmax_cross_entropy", "sigmoid_cross_entropy", "mean_squared_error",
           "absolute_difference", "log_loss", "hinge_loss", "huber_loss", "add_loss",
           "get_losses", "get_regularization_losses", "get_regularization_loss",
           "get_total_loss"]


class Reduction:
    """How `compute_weighted_loss` reduces the weighted losses."""

    NONE = "none"
    SUM = "weighted_sum"
    SUM_OVER_BATCH_SIZE = "weighted_sum_over_batch_size"
    MEAN = "weighted_mean"
    SUM_BY_NONZERO_WEIGHTS = "weighted_sum_by_nonzero_weights"
    SUM_OVER_NONZERO_WEIGHTS = SUM_BY_NONZERO_WEIGHTS

    @classmethod
    def all(cls):
        return (cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE, cls.MEAN,
                cls.SUM_BY_NONZERO_WEIGHTS)

    @classmethod
    def validate(cls, key):
        if key not in cls.all():
            raise ValueError(f"Invalid Reduction Key {key!r}: use one of "
                             f"tf.losses.Reduction.{{NONE, SUM, SUM_OVER_BATCH_SIZE, MEAN, "
                             f"SUM_BY_NONZERO_WEIGHTS}}.")


def _check_broadcastable(weights, losses):
    """TensorFlow's rule: weights are a scalar, or of the losses' rank with each dimension 1
    or the losses' (so weighting never changes the losses' shape)."""
    w, v = weights.shape, losses.shape
    if w.ndims is None or v.ndims is None or w.ndims == 0:
        return
    if w.ndims != v.ndims or any(a is not None and b is not None and a not in (1, b)
                                 for a, b in zip(w.dims, v.dims)):
        raise ValueError(f"weights can not be broadcast to values: weights of shape {w} "
                         f"against losses of shape {v} (one per example here). Give a "
                         f"scalar, or weights of the losses' rank with each dimension 1 or "
                         f"equal to theirs.")


def compute_weighted_loss(losses, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """`losses * weights` reduced by `reduction`, added to `loss_collection` (unless None).

    Raises:
        ValueError: an unknown reduction, or weights that do not broadcast to the losses.
    """
    Reduction.validate(reduction)
    with tf.name_scope(scope or "weighted_loss"):
        losses = tf.convert_to_tensor(losses)
        if not losses.dtype.is_floating:
            raise ValueError(f"compute_weighted_loss: losses must be floats, got "
                             f"{losses.dtype.name}.")
        weights = tf.cast(tf.convert_to_tensor(weights), losses.dtype)
        _check_broadcastable(weights, losses)
        weighted = losses * weights
        if reduction == Reduction.NONE:
            loss = weighted
        else:
            total = tf.reduce_sum(weighted)
            if reduction == Reduction.SUM:
                loss = total
            elif reduction == Reduction.MEAN:
                loss = tf.div_no_nan(total, tf.reduce_sum(weights * tf.ones_like(losses)))
            elif reduction == Reduction.SUM_OVER_BATCH_SIZE:
                loss = tf.div_no_nan(total, tf.cast(tf.size(losses), losses.dtype))
            else:
                present = tf.cast(tf.not_equal(weights * tf.ones_like(losses), 0.0),
                                  losses.dtype)
                loss = tf.div_no_nan(total, tf.reduce_sum(present))
        if loss_collection is not None:
            tf.add_to_collection(loss_collection, loss)
        return loss


def softmax_cross_entropy(onehot_labels, logits, weights=1.0, label_smoothing=0, scope=None,
                          loss_collection=GraphKeys.LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Cross-entropy of softmax(logits) against one-hot labels (smoothed towards
    1/num_classes by `label_smoothing`), one loss per example."""
    with tf.name_scope(scope or "softmax_cross_entropy_loss"):
        logits = tf.convert_to_tensor(logits)
        labels = tf.cast(tf.convert_to_tensor(onehot_labels), logits.dtype)
        if label_smoothing:
            classes = tf.cast(tf.shape(labels)[-1], logits.dtype)
            labels = labels * (1.0 - label_smoothing) + label_smoothing / classes
        losses = tf.nn.softmax_cross_entropy_with_logits_v2(
            labels=tf.stop_gradient(labels), logits=logits)
        return compute_weighted_loss(losses, weights, None, loss_collection, reduction)


def sparse_softmax_cross_entropy(labels, logits, weights=1.0, scope=None,
                                 loss_collection=GraphKeys.LOSSES,
                                 reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Cross-entropy of softmax(logits) against integer class labels."""
    with tf.name_scope(scope or "sparse_softmax_cross_entropy_loss"):
        losses = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        return compute_weighted_loss(losses, weights, None, loss_collection, reduction)


def sigmoid_cross_entropy(multi_class_labels, logits, weights=1.0, label_smoothing=0,
                          scope=None, loss_collection=GraphKeys.LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Cross-entropy of sigmoid(logits) against 0/1 labels, per element (labels smoothed
    towards 1/2 by `label_smoothing`)."""
    with tf.name_scope(scope or "sigmoid_cross_entropy_loss"):
        logits = tf.convert_to_tensor(logits)
        labels = tf.cast(tf.convert_to_tensor(multi_class_labels), logits.dtype)
        if label_smoothing:
            labels = labels * (1.0 - label_smoothing) + 0.5 * label_smoothing
        losses = tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)
        return compute_weighted_loss(losses, weights, None, loss_collection, reduction)


def _pair(labels, predictions):
    predictions = tf.convert_to_tensor(predictions)
    if not predictions.dtype.is_floating:
        predictions = tf.cast(predictions, tf.float32)
    labels = tf.cast(tf.convert_to_tensor(labels), predictions.dtype)
    if labels.shape.ndims is not None and predictions.shape.ndims is not None:
        if not labels.shape.is_compatible_with(predictions.shape):
            raise ValueError(f"labels of shape {labels.shape} and predictions of shape "
                             f"{predictions.shape} must have the same shape.")
    return labels, predictions


def mean_squared_error(labels, predictions, weights=1.0, scope=None,
                       loss_collection=GraphKeys.LOSSES,
                       reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """(labels - predictions)², weighted and reduced."""
    with tf.name_scope(scope or "mean_squared_error"):
        labels, predictions = _pair(labels, predictions)
        losses = tf.squared_difference(predictions, labels)
        return compute_weighted_loss(losses, weights, None, loss_collection, reduction)


def absolute_difference(labels, predictions, weights=1.0, scope=None,
                        loss_collection=GraphKeys.LOSSES,
                        reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """|labels - predictions|, weighted and reduced."""
    with tf.name_scope(scope or "absolute_difference"):
        labels, predictions = _pair(labels, predictions)
        losses = tf.abs(predictions - labels)
        return compute_weighted_loss(losses, weights, None, loss_collection, reduction)


def log_loss(labels, predictions, weights=1.0, epsilon=1e-7, scope=None,
             loss_collection=GraphKeys.LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """-labels log(predictions + eps) - (1 - labels) log(1 - predictions + eps)."""
    with tf.name_scope(scope or "log_loss"):
        labels, predictions = _pair(labels, predictions)
        losses = -labels * tf.log(predictions + epsilon) \
            - (1 - labels) * tf.log(1 - predictions + epsilon)
        return compute_weighted_loss(losses, weights, None, loss_collection, reduction)


def hinge_loss(labels, logits, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
               reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """max(0, 1 - (2 labels - 1) logits) for 0/1 labels."""
    with tf.name_scope(scope or "hinge_loss"):
        labels, logits = _pair(labels, logits)
        losses = tf.nn.relu(1.0 - (2.0 * labels - 1.0) * logits)
        return compute_weighted_loss(losses, weights, None, loss_collection, reduction)


def huber_loss(labels, predictions, weights=1.0, delta=1.0, scope=None,
               loss_collection=GraphKeys.LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """0.5 e² where |e| <= delta, else delta (|e| - 0.5 delta), with e = predictions - labels."""
    with tf.name_scope(scope or "huber_loss"):
        labels, predictions = _pair(labels, predictions)
        error = tf.abs(predictions - labels)
        quadratic = tf.minimum(error, delta)
        losses = 0.5 * quadratic * quadratic + delta * (error - quadratic)
        return compute_weighted_loss(losses, weights, None, loss_collection, reduction)


def add_loss(loss, loss_collection=GraphKeys.LOSSES):
    """Adds an externally computed loss to `loss_collection`."""
    if loss_collection is not None:
        tf.add_to_collection(loss_collection, loss)


def get_losses(scope=None, loss_collection=GraphKeys.LOSSES) -> list:
    return tf.get_collection(loss_collection, scope)


def get_regularization_losses(scope=None) -> list:
    return tf.get_collection(GraphKeys.REGULARIZATION_LOSSES, scope)


def get_regularization_loss(scope=None, name="total_regularization_loss"):
    """The sum of the regularization losses (0.0 when there are none)."""
    losses = get_regularization_losses(scope)
    if losses:
        return tf.add_n(losses, name=name)
    return tf.constant(0.0, name=name)


def get_total_loss(add_regularization_losses=True, name="total_loss", scope=None):
    """The sum of the LOSSES collection, plus the regularization losses if asked.

    Raises:
        ValueError: no losses were added (TensorFlow's message).
    """
    losses = get_losses(scope)
    if add_regularization_losses:
        losses = losses + get_regularization_losses(scope)
    if not losses:
        raise ValueError("No losses to sum: tf.losses.get_total_loss() found nothing in the "
                         "LOSSES (or REGULARIZATION_LOSSES) collection; compute a loss with "
                         "a tf.losses function first.")
    return tf.add_n(losses, name=name)
