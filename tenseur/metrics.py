"""`tf.metrics` of TensorFlow 1.x: streaming metrics over many `Session.run` calls.

Each function returns `(value, update_op)`: running `update_op` on a batch adds its
statistics to local variables (collections LOCAL_VARIABLES and METRIC_VARIABLES) and returns
the updated value; `value` reads the metric so far. Initialize (or reset) the statistics with
`tf.local_variables_initializer()`.

Example:
    >>> acc, update = tf.metrics.accuracy(labels=y, predictions=tf.argmax(logits, 1))
    >>> sess.run(tf.local_variables_initializer())
    >>> for bx, by in batches:
    ...     sess.run(update, {x: bx, y: by})
    >>> sess.run(acc)
"""
from __future__ import annotations

import tenseur as tf
from .framework.graph import GraphKeys

__all__ = ["mean", "accuracy", "mean_squared_error", "mean_absolute_error",
           "root_mean_squared_error", "precision", "recall", "true_positives",
           "false_positives", "false_negatives"]


def _statistic(name, shape=()):
    """A float32 zeros local variable counting one statistic of the metric."""
    return tf.Variable(tf.zeros(shape, tf.float32), trainable=False, name=name,
                       collections=[GraphKeys.LOCAL_VARIABLES, GraphKeys.METRIC_VARIABLES])


def _ratio(numerator, denominator, name=None):
    """numerator / denominator, 0 while the denominator is 0 (no data yet)."""
    return tf.identity(tf.div_no_nan(numerator, denominator), name=name)


def _collect(value, update_op, metrics_collections, updates_collections):
    for key in metrics_collections or ():
        tf.add_to_collection(key, value)
    for key in updates_collections or ():
        tf.add_to_collection(key, update_op)
    return value, update_op


def _weights_like(values, weights):
    if weights is None:
        return tf.ones_like(values)
    weights = tf.cast(tf.convert_to_tensor(weights), tf.float32)
    return weights * tf.ones_like(values)       # broadcast to the values' shape


def mean(values, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """The (weighted) mean of every value seen so far."""
    with tf.variable_scope(name, default_name="mean"):
        values = tf.cast(tf.convert_to_tensor(values), tf.float32)
        weights = _weights_like(values, weights)
        total, count = _statistic("total"), _statistic("count")
        update_total = tf.assign_add(total, tf.reduce_sum(values * weights))
        update_count = tf.assign_add(count, tf.reduce_sum(weights))
        value = _ratio(total, count, name="value")
        update_op = _ratio(update_total, update_count, name="update_op")
    return _collect(value, update_op, metrics_collections, updates_collections)


def _checked_pair(labels, predictions, fn):
    labels, predictions = tf.convert_to_tensor(labels), tf.convert_to_tensor(predictions)
    if labels.shape.ndims is not None and predictions.shape.ndims is not None \
            and not labels.shape.is_compatible_with(predictions.shape):
        raise ValueError(f"tf.metrics.{fn}: labels of shape {labels.shape} and predictions of "
                         f"shape {predictions.shape} must have the same shape (e.g. labels of "
                         f"shape [batch] and predictions=tf.argmax(logits, 1)).")
    return labels, predictions


def accuracy(labels, predictions, weights=None, metrics_collections=None,
             updates_collections=None, name=None):
    """How often `predictions` equals `labels` (e.g. class ids), over every batch so far."""
    labels, predictions = _checked_pair(labels, predictions, "accuracy")
    if labels.dtype != predictions.dtype:
        predictions = tf.cast(predictions, labels.dtype)
    hits = tf.cast(tf.equal(labels, predictions), tf.float32)
    return mean(hits, weights, metrics_collections, updates_collections, name or "accuracy")


def mean_squared_error(labels, predictions, weights=None, metrics_collections=None,
                       updates_collections=None, name=None):
    labels, predictions = _checked_pair(labels, predictions, "mean_squared_error")
    errors = tf.squared_difference(tf.cast(predictions, tf.float32), tf.cast(labels, tf.float32))
    return mean(errors, weights, metrics_collections, updates_collections,
                name or "mean_squared_error")


def mean_absolute_error(labels, predictions, weights=None, metrics_collections=None,
                        updates_collections=None, name=None):
    labels, predictions = _checked_pair(labels, predictions, "mean_absolute_error")
    errors = tf.abs(tf.cast(predictions, tf.float32) - tf.cast(labels, tf.float32))
    return mean(errors, weights, metrics_collections, updates_collections,
                name or "mean_absolute_error")


def root_mean_squared_error(labels, predictions, weights=None, metrics_collections=None,
                            updates_collections=None, name=None):
    value, update_op = mean_squared_error(labels, predictions, weights, None, None,
                                          name or "root_mean_squared_error")
    return _collect(tf.sqrt(value), tf.sqrt(update_op), metrics_collections,
                    updates_collections)


def _count(kind, labels, predictions, weights, name):
    """A running weighted count of true/false positives/negatives (bools or 0/1 values)."""
    labels, predictions = _checked_pair(labels, predictions, kind)
    actual = tf.cast(labels, tf.bool) if labels.dtype != tf.bool else labels
    said = tf.cast(predictions, tf.bool) if predictions.dtype != tf.bool else predictions
    cases = {"true_positives": tf.logical_and(actual, said),
             "false_positives": tf.logical_and(tf.logical_not(actual), said),
             "false_negatives": tf.logical_and(actual, tf.logical_not(said))}
    hits = tf.cast(cases[kind], tf.float32)
    with tf.variable_scope(name, default_name=kind):
        count = _statistic("count")
        update = tf.assign_add(count, tf.reduce_sum(hits * _weights_like(hits, weights)))
    return tf.identity(count), update


def true_positives(labels, predictions, weights=None, metrics_collections=None,
                   updates_collections=None, name=None):
    return _collect(*_count("true_positives", labels, predictions, weights, name),
                    metrics_collections, updates_collections)


def false_positives(labels, predictions, weights=None, metrics_collections=None,
                    updates_collections=None, name=None):
    return _collect(*_count("false_positives", labels, predictions, weights, name),
                    metrics_collections, updates_collections)


def false_negatives(labels, predictions, weights=None, metrics_collections=None,
                    updates_collections=None, name=None):
    return _collect(*_count("false_negatives", labels, predictions, weights, name),
                    metrics_collections, updates_collections)


def _ratio_metric(kind, other, labels, predictions, weights, metrics_collections,
                  updates_collections, name):
    with tf.variable_scope(name, default_name=kind):
        tp, update_tp = _count("true_positives", labels, predictions, weights, None)
        xx, update_xx = _count(other, labels, predictions, weights, None)
        value = _ratio(tp, tp + xx, name="value")
        update_op = _ratio(update_tp, update_tp + update_xx, name="update_op")
    return _collect(value, update_op, metrics_collections, updates_collections)


def precision(labels, predictions, weights=None, metrics_collections=None,
              updates_collections=None, name=None):
    """true positives / (true positives + false positives) over every batch so far
    (labels and predictions: bools or 0/1)."""
    return _ratio_metric("precision", "false_positives", labels, predictions, weights,
                         metrics_collections, updates_collections, name)


def recall(labels, predictions, weights=None, metrics_collections=None,
           updates_collections=None, name=None):
    """true positives / (true positives + false negatives) over every batch so far."""
    return _ratio_metric("recall", "false_negatives", labels, predictions, weights,
                         metrics_collections, updates_collections, name)
