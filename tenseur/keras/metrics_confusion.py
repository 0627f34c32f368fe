"""Metrics kept as counts over every batch so far, not as a mean: the confusion-count ones
(Precision, Recall, true/false positives/negatives, AUC, the at-constraint pairs), R2Score,
FBetaScore / F1Score and MeanIoU. Public through `tenseur.keras.metrics`."""
from __future__ import annotations

import numpy as np

import tenseur as tf

from . import backend
from . import losses as losses_module
from .metrics_base import Metric, _broadcast_weights, _tensor


def _confusion_counts(y_true, y_pred, thresholds, sample_weight, wanted, class_id=None,
                      top_k=None, per_label=False, label_weights=None):
    """Weighted counts of true/false positives/negatives for each threshold.

    A prediction is positive when `y_pred > threshold` (Keras' rule); labels are positive when
    non-zero. Returns tensors of shape (len(thresholds),) in the order of `wanted`
    ("tp", "fp", "tn", "fn"); with `per_label`, (len(thresholds), labels), the last axis of
    `y_pred` being the labels. `label_weights` (one per label) multiply the sample weights.
    """
    y_pred = tf.cast(_tensor(y_pred), tf.float32)
    y_true = tf.cast(_tensor(y_true), tf.float32)
    if top_k is not None:
        kth = tf.reduce_min(tf.nn.top_k(y_pred, k=top_k)[0], axis=-1, keepdims=True)
        y_pred = tf.where(y_pred >= kth, y_pred, tf.ones_like(y_pred) * -np.inf)
    weights = None if sample_weight is None else _broadcast_weights(y_pred, sample_weight)
    if class_id is not None:
        y_true, y_pred = y_true[..., class_id], y_pred[..., class_id]
        weights = None if weights is None else weights[..., class_id]
    if label_weights is not None:
        label_weights = tf.constant(np.asarray(label_weights, np.float32))
        weights = (tf.ones_like(y_pred) if weights is None else weights) * label_weights
    if per_label:
        labels_count = y_pred.shape[-1]
        predictions = tf.reshape(y_pred, [-1, 1, labels_count])
        labels = tf.reshape(tf.not_equal(y_true, 0.0), [-1, 1, labels_count])
        above = predictions > tf.constant(
            np.asarray(thresholds, np.float32).reshape(1, -1, 1))
        weight = (tf.ones_like(predictions) if weights is None
                  else tf.reshape(weights, [-1, 1, labels_count]))
    else:
        predictions = tf.reshape(y_pred, [-1, 1])
        labels = tf.reshape(tf.not_equal(y_true, 0.0), [-1, 1])
        above = predictions > tf.constant(np.asarray(thresholds, np.float32).reshape(1, -1))
        weight = (tf.ones_like(predictions) if weights is None
                  else tf.reshape(weights, [-1, 1]))
    masks = {"tp": tf.logical_and(labels, above),
             "fp": tf.logical_and(tf.logical_not(labels), above),
             "tn": tf.logical_and(tf.logical_not(labels), tf.logical_not(above)),
             "fn": tf.logical_and(labels, tf.logical_not(above))}
    return [tf.reduce_sum(tf.cast(masks[name], tf.float32) * weight, axis=0) for name in wanted]


def _thresholds_arg(thresholds, default):
    if thresholds is None:
        return [default], True
    if isinstance(thresholds, (list, tuple, np.ndarray)):
        return [float(t) for t in thresholds], False
    return [float(thresholds)], True


class _ConfusionMetric(Metric):
    """Accumulates some confusion counts at fixed thresholds."""

    _counts = ()
    direction = "up"

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        self.init_thresholds = thresholds
        # With top_k and no thresholds, every top-k prediction counts as positive (Keras).
        self.thresholds, self._single = _thresholds_arg(
            thresholds, 0.5 if top_k is None else -np.inf)
        self.top_k, self.class_id = top_k, class_id
        super().__init__(name=name, dtype=dtype)

    def batch_statistics(self, y_true, y_pred, sample_weight=None):
        return _confusion_counts(y_true, y_pred, self.thresholds, sample_weight, self._counts,
                                 class_id=self.class_id, top_k=self.top_k)

    def merge(self, values):
        for name, value in zip(self._counts, values):
            self._state[name] += np.asarray(value, np.float64)

    def reset_state(self):
        self._state = {name: np.zeros(len(self.thresholds)) for name in self._counts}

    def _rates(self, numerator, other):
        """numerator / (numerator + other) at each threshold, 0 where both are 0."""
        total = self._state[numerator] + self._state[other]
        return np.divide(self._state[numerator], total, out=np.zeros_like(total),
                         where=total > 0)

    def _ratio(self, numerator, other):
        values = self._rates(numerator, other)
        return float(values[0]) if self._single else values.tolist()

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


class Precision(_ConfusionMetric):
    """`true_positives / (true_positives + false_positives)`, predictions thresholded at 0.5.

    Args: thresholds (a float or a list: then `result()` is a list), top_k, class_id, name.
    """

    _counts = ("tp", "fp")

    def result(self):
        return self._ratio("tp", "fp")


class _Count(_ConfusionMetric):
    """One confusion count (weighted) at each threshold (0.5 by default). top_k and class_id
    are tenseur's extension: Keras 3's counts take only thresholds, so its configs leave them
    out while unset (Keras reads the config back)."""

    def result(self):
        values = self._state[self._counts[0]]
        return float(values[0]) if self._single else values.tolist()

    def get_config(self):
        config = super().get_config()
        for key in ("top_k", "class_id"):
            if config[key] is None:
                del config[key]
        return config


class TruePositives(_Count):
    """The (weighted) number of true positives: predictions above the threshold, labels
    non-zero."""

    _counts = ("tp",)


class FalsePositives(_Count):
    """The (weighted) number of false positives."""

    _counts = ("fp",)


class TrueNegatives(_Count):
    """The (weighted) number of true negatives."""

    _counts = ("tn",)


class FalseNegatives(_Count):
    """The (weighted) number of false negatives."""

    _counts = ("fn",)


class Recall(_ConfusionMetric):
    """`true_positives / (true_positives + false_negatives)`, predictions thresholded at 0.5."""

    _counts = ("tp", "fn")

    def result(self):
        return self._ratio("tp", "fn")


class R2Score(Metric):
    """The coefficient of determination, 1 - residual sum of squares / total sum of squares,
    per output column, over every batch so far (Keras 3's R2Score).

    Args: class_aggregation ("uniform_average" (default), "variance_weighted_average" or
        None for one score per column), num_regressors (0; > 0 gives the adjusted R²).
    """

    direction = "up"

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score",
                 dtype=None):
        if class_aggregation not in ("uniform_average", "variance_weighted_average", None):
            raise ValueError(f"R2Score: class_aggregation must be 'uniform_average', "
                             f"'variance_weighted_average' or None, got "
                             f"{class_aggregation!r}.")
        if num_regressors < 0:
            raise ValueError(f"R2Score: num_regressors must be >= 0, got {num_regressors}.")
        self.class_aggregation, self.num_regressors = class_aggregation, int(num_regressors)
        super().__init__(name=name, dtype=dtype)

    def batch_statistics(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = losses_module.same_rank(_tensor(y_true), _tensor(y_pred))
        y_true = tf.cast(y_true, tf.float32)
        y_pred = tf.cast(y_pred, tf.float32)
        if y_true.shape.ndims == 1:
            y_true, y_pred = tf.expand_dims(y_true, 1), tf.expand_dims(y_pred, 1)
        if sample_weight is None:
            weight = tf.ones_like(y_true)
        else:
            weight = tf.cast(_tensor(sample_weight), tf.float32)
            if weight.shape.ndims == 1:
                weight = tf.expand_dims(weight, 1)
            weight = weight * tf.ones_like(y_true)
        weighted = y_true * weight
        return [tf.reduce_sum(weighted, 0), tf.reduce_sum(y_true * weighted, 0),
                tf.reduce_sum(tf.square(y_true - y_pred) * weight, 0),
                tf.reduce_sum(weight, 0), tf.cast(tf.size(y_true), tf.float32)]

    def merge(self, values):
        if self._state is None:
            self._state = [np.zeros_like(np.asarray(v, np.float64)) for v in values]
        self._state = [s + np.asarray(v, np.float64) for s, v in zip(self._state, values)]

    def reset_state(self):
        self._state = None

    def result(self):
        if self._state is None:
            return 0.0
        total_sum, squared_sum, residual, count, samples = self._state
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = total_sum / count
            total = squared_sum - total_sum * mean
            raw = 1.0 - residual / total
        raw = np.where(np.isinf(raw), 0.0, raw)
        if self.class_aggregation == "uniform_average":
            score = float(np.mean(raw))
        elif self.class_aggregation == "variance_weighted_average":
            score = float(np.sum(total * raw) / np.sum(total))
        else:
            return raw.tolist()
        n, p = float(samples), self.num_regressors
        if p and p < n - 1:
            score = 1.0 - (1.0 - score) * (n - 1.0) / (n - p - 1.0)
        return score

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}


class FBetaScore(Metric):
    """F-beta score of multi-label (or one-hot) predictions, per class, from the true
    positives, false positives and false negatives of every batch so far (Keras 3).

    Args: average (None: one score per class; "micro", "macro" or "weighted"), beta (1.0),
        threshold (None: each row's largest prediction counts as positive; else
        `y_pred > threshold`).
    """

    direction = "up"

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError(f"{type(self).__name__}: average must be None, 'micro', 'macro' "
                             f"or 'weighted', got {average!r}.")
        if not beta > 0:
            raise ValueError(f"{type(self).__name__}: beta must be > 0, got {beta!r}.")
        if threshold is not None and not 0 < threshold <= 1:
            raise ValueError(f"{type(self).__name__}: threshold must be in (0, 1], got "
                             f"{threshold!r}.")
        self.average, self.beta, self.threshold = average, float(beta), threshold
        super().__init__(name=name, dtype=dtype)

    def batch_statistics(self, y_true, y_pred, sample_weight=None):
        y_true = tf.cast(_tensor(y_true), tf.float32)
        y_pred = tf.cast(_tensor(y_pred), tf.float32)
        if self.threshold is None:
            top = tf.reduce_max(y_pred, axis=-1, keepdims=True)
            positive = tf.logical_and(y_pred >= top, tf.abs(y_pred) > 1e-9)
        else:
            positive = y_pred > self.threshold
        predicted = tf.cast(positive, tf.float32)
        axis = None if self.average == "micro" else 0

        def total(values):
            if sample_weight is not None:
                values = values * tf.expand_dims(tf.cast(_tensor(sample_weight), tf.float32), 1)
            return tf.reduce_sum(values, axis=axis)
        return [total(predicted * y_true), total(predicted * (1.0 - y_true)),
                total((1.0 - predicted) * y_true), total(y_true)]

    def merge(self, values):
        values = [np.asarray(v, np.float64) for v in values]
        self._state = values if self._state is None else [
            s + v for s, v in zip(self._state, values)]

    def reset_state(self):
        self._state = None

    def result(self):
        if self._state is None:
            return 0.0
        tp, fp, fn, weights = self._state
        eps = backend.epsilon()
        precision = tp / (tp + fp + eps)
        recall = tp / (tp + fn + eps)
        beta2 = self.beta ** 2
        score = precision * recall / (beta2 * precision + recall + eps) * (1.0 + beta2)
        if self.average == "weighted":
            return float(np.sum(score * weights / (np.sum(weights) + eps)))
        if self.average is not None:
            return float(np.mean(score))
        return np.asarray(score).tolist()

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """F1 score (FBetaScore with beta = 1)."""

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        config.pop("beta")
        return config


class MeanIoU(Metric):
    """Mean intersection-over-union of class predictions (segmentation): from the confusion
    matrix of every batch so far, tp / (tp + fp + fn) for each class that occurred in the
    labels or the predictions, averaged (Keras 3's MeanIoU).

    Args: num_classes, ignore_class (a label whose pixels are left out), sparse_y_true and
        sparse_y_pred (True: class ids; False: scores along `axis`, argmax taken), axis (-1).
    """

    direction = "up"

    def __init__(self, num_classes, name="mean_iou", dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        if not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
            raise ValueError(f"MeanIoU: num_classes must be a positive integer, got "
                             f"{num_classes!r}.")
        self.num_classes, self.ignore_class = int(num_classes), ignore_class
        self.sparse_y_true, self.sparse_y_pred, self.axis = sparse_y_true, sparse_y_pred, axis
        super().__init__(name=name, dtype=dtype)

    def batch_statistics(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _tensor(y_true), _tensor(y_pred)
        if not self.sparse_y_true:
            y_true = tf.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = tf.argmax(y_pred, axis=self.axis)
        labels = tf.reshape(tf.cast(y_true, tf.int32), [-1])
        predictions = tf.reshape(tf.cast(y_pred, tf.int32), [-1])
        weight = tf.ones_like(labels, dtype=tf.float32) if sample_weight is None else \
            tf.reshape(tf.cast(_tensor(sample_weight), tf.float32), [-1]) * \
            tf.ones_like(labels, dtype=tf.float32)
        n = self.num_classes
        keep = tf.logical_and(tf.logical_and(labels >= 0, labels < n),
                              tf.logical_and(predictions >= 0, predictions < n))
        if self.ignore_class is not None:
            keep = tf.logical_and(keep, tf.not_equal(labels, self.ignore_class))
        weight = weight * tf.cast(keep, tf.float32)
        cells = tf.one_hot(tf.where(keep, labels * n + predictions, tf.zeros_like(labels)),
                           n * n, dtype=tf.float32)
        return [tf.reshape(tf.reduce_sum(cells * tf.expand_dims(weight, 1), 0), [n, n])]

    def merge(self, values):
        self._state = self._state + np.asarray(values[0], np.float64)

    def reset_state(self):
        self._state = np.zeros((self.num_classes, self.num_classes))

    def result(self):
        cm = self._state
        tp = np.diag(cm)
        denominator = cm.sum(0) + cm.sum(1) - tp
        valid = denominator > 1e-9
        iou = np.where(valid, tp / (denominator + backend.epsilon()), 0.0)
        return float(iou.sum() / (valid.sum() + backend.epsilon()))

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class _AtConstraint(_ConfusionMetric):
    """A rate at the best threshold under a constraint on another rate (Keras 3's
    SensitivitySpecificityBase): confusion counts at `num_thresholds` thresholds spread evenly
    over [0, 1] (a prediction is positive when above one), then the largest `_dependent` rate
    among the thresholds whose `_constrained` rate is at least `value` (0 if none). Rates are
    (numerator count, other count) pairs."""

    _counts = ("tp", "fp", "tn", "fn")
    _value_name = "value"
    _constrained = _dependent = ()

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        if num_thresholds <= 0:
            raise ValueError(f"{type(self).__name__}: num_thresholds must be an integer > 0, "
                             f"got {num_thresholds}.")
        if not 0 <= value <= 1:
            raise ValueError(f"{type(self).__name__}: `{self._value_name}` must be in [0, 1], "
                             f"got {value}.")
        self.value, self.num_thresholds = float(value), num_thresholds
        thresholds = [0.5] if num_thresholds == 1 else (
            [0.0] + [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)] + [1.0])
        super().__init__(thresholds=thresholds, class_id=class_id, name=name, dtype=dtype)

    def result(self):
        feasible = self._rates(*self._constrained) >= self.value
        return float(np.max(np.where(feasible, self._rates(*self._dependent), 0.0),
                            initial=0.0))

    def get_config(self):
        return {**Metric.get_config(self), self._value_name: self.value,
                "num_thresholds": self.num_thresholds, "class_id": self.class_id}


class SensitivityAtSpecificity(_AtConstraint):
    """The best sensitivity (recall) at a specificity of at least `specificity`."""

    _value_name, _constrained, _dependent = "specificity", ("tn", "fp"), ("tp", "fn")

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)


class SpecificityAtSensitivity(_AtConstraint):
    """The best specificity at a sensitivity (recall) of at least `sensitivity`."""

    _value_name, _constrained, _dependent = "sensitivity", ("tp", "fn"), ("tn", "fp")

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)


class PrecisionAtRecall(_AtConstraint):
    """The best precision at a recall of at least `recall`."""

    _value_name, _constrained, _dependent = "recall", ("tp", "fn"), ("tp", "fp")

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)


class RecallAtPrecision(_AtConstraint):
    """The best recall at a precision of at least `precision`."""

    _value_name, _constrained, _dependent = "precision", ("tp", "fp"), ("tp", "fn")

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)


class AUC(Metric):
    """Area under the ROC (or precision-recall) curve, from counts at `num_thresholds`
    thresholds evenly spread over [0, 1] (Keras' approximation, with its summation rules).

    Args:
        num_thresholds: default 200. curve: "ROC" or "PR".
        summation_method: "interpolation" (trapezoids; Davis & Goadrich for PR), "minoring"
            or "majoring".
        thresholds: explicit thresholds in (0, 1) instead of `num_thresholds`.
        multi_label: the last axis holds independent labels: one curve per label, and the
            result is their mean (weighted by `label_weights` when given); else every label
            joins one curve.
        num_labels: the number of labels (else read from the first batch).
        label_weights: one weight per label: with `multi_label`, the weights of the mean;
            without, they weight each label's counts.
        from_logits: apply a sigmoid to predictions first.
    """

    direction = "up"

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        curve = curve.upper()
        if curve not in ("ROC", "PR"):
            raise ValueError(f"AUC: curve must be 'ROC' or 'PR', got {curve!r}.")
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f"AUC: summation_method must be 'interpolation', 'minoring' or "
                             f"'majoring', got {summation_method!r}.")
        self.curve, self.summation_method = curve, summation_method
        self.from_logits = from_logits
        self.multi_label = bool(multi_label)
        self.num_labels = None if num_labels is None else int(num_labels)
        self.label_weights = (None if label_weights is None
                              else np.asarray(label_weights, np.float64).reshape(-1))
        if self.label_weights is not None and self.num_labels is not None \
                and len(self.label_weights) != self.num_labels:
            raise ValueError(f"AUC: label_weights has {len(self.label_weights)} values but "
                             f"num_labels is {self.num_labels}; give one weight per label.")
        eps = backend.epsilon()
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
            self._init_thresholds = inner
        else:
            if num_thresholds <= 1:
                raise ValueError(f"AUC: num_thresholds must be > 1, got {num_thresholds}.")
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._init_thresholds = None
        self.thresholds = [0.0 - eps] + inner + [1.0 + eps]
        self.num_thresholds = len(self.thresholds)
        super().__init__(name=name, dtype=dtype)

    def batch_statistics(self, y_true, y_pred, sample_weight=None):
        y_pred = _tensor(y_pred)
        if self.from_logits:
            y_pred = tf.sigmoid(y_pred)
        if self.multi_label or self.label_weights is not None:
            labels = y_pred.shape[-1] if y_pred.shape.rank else None
            expected = self.num_labels or (None if self.label_weights is None
                                           else len(self.label_weights))
            if labels is None or (expected is not None and labels != expected):
                raise ValueError(
                    f"AUC({self.name!r}): predictions of shape {y_pred.shape} do not have "
                    f"{expected or 'a known number of'} labels on their last axis"
                    + (" (num_labels / label_weights say so)" if expected else "")
                    + "; with multi_label=True each label is a column of y_pred.")
            if self.num_labels is None:
                self.num_labels = labels
        return _confusion_counts(
            y_true, y_pred, self.thresholds, sample_weight, ("tp", "fp", "tn", "fn"),
            per_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights)

    def merge(self, values):
        for name, value in zip(("tp", "fp", "tn", "fn"), values):
            value = np.asarray(value, np.float64)
            if self._state[name].ndim < value.ndim:       # the first batch tells the labels
                self._state[name] = np.zeros(value.shape)
            self._state[name] += value

    def reset_state(self):
        shape = ((self.num_thresholds, self.num_labels) if self.multi_label and self.num_labels
                 else (self.num_thresholds,))
        self._state = {name: np.zeros(shape) for name in ("tp", "fp", "tn", "fn")}

    def result(self):
        tp, fp, tn, fn = (self._state[k] for k in ("tp", "fp", "tn", "fn"))
        if not self.multi_label:
            return self._area(tp, fp, tn, fn)
        if tp.ndim == 1:        # no batch seen yet
            return 0.0
        areas = np.array([self._area(tp[:, i], fp[:, i], tn[:, i], fn[:, i])
                          for i in range(tp.shape[1])])
        if self.label_weights is None:
            return float(np.mean(areas))
        total = float(np.sum(self.label_weights))
        return float(np.sum(areas * self.label_weights) / total) if total else 0.0

    def _area(self, tp, fp, tn, fn) -> float:
        """The area under one curve from its counts at each threshold."""
        if self.curve == "PR" and self.summation_method == "interpolation":
            return _interpolate_pr_auc(tp, fp, fn)
        recall = _divide(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _divide(fp, fp + tn), recall
        else:
            x, y = recall, _divide(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return float(np.sum((x[:-1] - x[1:]) * heights))

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds,
                "curve": self.curve, "summation_method": self.summation_method,
                "thresholds": self._init_thresholds, "multi_label": self.multi_label,
                "num_labels": self.num_labels,
                "label_weights": (None if self.label_weights is None
                                  else self.label_weights.tolist()),
                "from_logits": self.from_logits}


def _divide(a, b):
    return np.divide(a, b, out=np.zeros_like(a), where=b != 0)


def _interpolate_pr_auc(tp, fp, fn) -> float:
    """Davis & Goadrich (2006) interpolation of the PR curve, as Keras' closed form."""
    dtp = tp[:-1] - tp[1:]
    p = tp + fp
    dp = p[:-1] - p[1:]
    slope = _divide(dtp, np.maximum(dp, 0))
    intercept = tp[1:] - slope * p[1:]
    both = (p[:-1] > 0) & (p[1:] > 0)
    ratio = np.where(both, _divide(p[:-1], np.maximum(p[1:], 0)), np.ones_like(p[1:]))
    with np.errstate(divide="ignore", invalid="ignore"):
        increment = slope * (dtp + intercept * np.log(ratio))
    return float(np.sum(_divide(increment, np.maximum(tp[1:] + fn[1:], 0))))
