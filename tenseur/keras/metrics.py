"""Keras metrics: functions giving one value per sample, and `Metric` objects that accumulate
over batches (accuracy in all its forms, AUC, Precision, Recall, MSE, MAE, top-k, Mean...).

A metric is split in two halves, as Keras 2's stateful metrics are:

- in the graph, `metric.batch_statistics(y_true, y_pred, sample_weight)` builds tensors of
  per-batch sufficient statistics (a weighted sum and a count; true/false positives...), which
  `fit` fetches with the loss in the same `Session.run`;
- in Python, `merge(values)` adds a batch's statistics to the metric's state and `result()`
  turns the state into a number.

So a metric over an epoch or over `evaluate`'s whole data is exact (not a mean of batch
means), and no metric variable has to be reset in the session. Used on its own, a metric takes
NumPy arrays: `update_state(y_true, y_pred)` evaluates the same graph in a private session.

This module holds the per-sample functions, the metrics that are a mean of one, and the lookup
by name; `Metric` and `Mean` are in `metrics_base`, the confusion-count metrics (Precision,
Recall, AUC...), R2Score, FBetaScore and MeanIoU in `metrics_confusion`.

Example:
    >>> m = keras.metrics.SparseCategoricalAccuracy()
    >>> m.update_state([1, 2], [[0.1, 0.8, 0.1], [0.6, 0.3, 0.1]])
    >>> m.result()
    0.5
"""
from __future__ import annotations

import numpy as np

import tenseur as tf

from . import backend
from . import losses as losses_module
from .losses import (
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_hinge,
    cosine_similarity,
    hinge,
    huber,
    kl_divergence,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)

# The metric classes live in two modules of their own; keras.metrics is where users find them.
from .metrics_base import Mean, MeanMetricWrapper, Metric, Sum, _tensor  # noqa: F401
from .metrics_confusion import (  # noqa: F401
    AUC,
    F1Score,
    FalseNegatives,
    FalsePositives,
    FBetaScore,
    MeanIoU,
    Precision,
    PrecisionAtRecall,
    R2Score,
    Recall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
    TrueNegatives,
    TruePositives,
)

mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kl_divergence


# -- per-sample metric functions -----------------------------------------------------------

def _labels_for(y_true, y_pred):
    """Integer labels of y_pred's rank minus one (a trailing axis of size 1 is dropped)."""
    y_true = _tensor(y_true)
    if y_true.shape.ndims is not None and y_pred.shape.ndims is not None \
            and y_true.shape.ndims == y_pred.shape.ndims:
        y_true = tf.squeeze(y_true, axis=[-1])
    return tf.cast(y_true, tf.int64)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """`mean(y_true == (y_pred > threshold), axis=-1)`."""
    y_pred = _tensor(y_pred)
    y_true = tf.cast(_tensor(y_true), y_pred.dtype)
    predicted = tf.cast(y_pred > threshold, y_pred.dtype)
    return tf.reduce_mean(tf.cast(tf.equal(y_true, predicted), backend.floatx()), axis=-1)


def categorical_accuracy(y_true, y_pred):
    """1 where `argmax(y_true) == argmax(y_pred)` (one-hot targets), else 0."""
    y_pred = _tensor(y_pred)
    equal = tf.equal(tf.argmax(_tensor(y_true), axis=-1), tf.argmax(y_pred, axis=-1))
    return tf.cast(equal, backend.floatx())


def sparse_categorical_accuracy(y_true, y_pred):
    """1 where the integer label equals `argmax(y_pred)`, else 0."""
    y_pred = _tensor(y_pred)
    equal = tf.equal(_labels_for(y_true, y_pred), tf.argmax(y_pred, axis=-1))
    return tf.cast(equal, backend.floatx())


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1 where the one-hot target's class is among the `k` largest predictions."""
    y_pred = _tensor(y_pred)
    targets = tf.cast(tf.argmax(_tensor(y_true), axis=-1), tf.int32)
    return tf.cast(tf.nn.in_top_k(tf.cast(y_pred, tf.float32), targets, k), backend.floatx())


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1 where the integer label is among the `k` largest predictions."""
    y_pred = _tensor(y_pred)
    targets = tf.cast(_labels_for(y_true, y_pred), tf.int32)
    return tf.cast(tf.nn.in_top_k(tf.cast(y_pred, tf.float32), targets, k), backend.floatx())


def accuracy(y_true, y_pred):
    """1 where `y_true == y_pred` exactly (the `keras.metrics.Accuracy` metric)."""
    y_pred = _tensor(y_pred)
    y_true = tf.cast(_tensor(y_true), y_pred.dtype)
    return tf.cast(tf.equal(y_true, y_pred), backend.floatx())


# -- the mean of a function over samples ---------------------------------------------------

def _wrapper_class(class_name, fn, default_name, direction, doc, **defaults):
    """A `MeanMetricWrapper` subclass for `fn`, taking `fn`'s options by keyword."""

    def __init__(self, *args, name=default_name, dtype=None, **kwargs):
        options = dict(defaults)
        for key, value in zip(defaults, args):
            options[key] = value
        unknown = set(kwargs) - set(defaults)
        if unknown:
            raise TypeError(f"{class_name}: unexpected keyword argument(s) "
                            f"{', '.join(sorted(unknown))}.")
        options.update(kwargs)
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype, **options)

    return type(class_name, (MeanMetricWrapper,),
                {"__init__": __init__, "__doc__": doc, "direction": direction})


Accuracy = _wrapper_class("Accuracy", accuracy, "accuracy", "up",
                          "How often predictions equal labels exactly.")
BinaryAccuracy = _wrapper_class("BinaryAccuracy", binary_accuracy, "binary_accuracy", "up",
                                "How often `y_pred > threshold` matches binary labels.",
                                threshold=0.5)
CategoricalAccuracy = _wrapper_class("CategoricalAccuracy", categorical_accuracy,
                                     "categorical_accuracy", "up",
                                     "How often the argmax matches one-hot labels.")
SparseCategoricalAccuracy = _wrapper_class("SparseCategoricalAccuracy",
                                           sparse_categorical_accuracy,
                                           "sparse_categorical_accuracy", "up",
                                           "How often the argmax matches integer labels.")
TopKCategoricalAccuracy = _wrapper_class("TopKCategoricalAccuracy", top_k_categorical_accuracy,
                                         "top_k_categorical_accuracy", "up",
                                         "How often one-hot targets are in the top `k`.", k=5)
SparseTopKCategoricalAccuracy = _wrapper_class(
    "SparseTopKCategoricalAccuracy", sparse_top_k_categorical_accuracy,
    "sparse_top_k_categorical_accuracy", "up", "How often integer targets are in the top `k`.",
    k=5)
MeanSquaredError = _wrapper_class("MeanSquaredError", mean_squared_error, "mean_squared_error",
                                  "down", "Mean of squared errors.")
MeanAbsoluteError = _wrapper_class("MeanAbsoluteError", mean_absolute_error,
                                   "mean_absolute_error", "down", "Mean of absolute errors.")
MeanAbsolutePercentageError = _wrapper_class(
    "MeanAbsolutePercentageError", mean_absolute_percentage_error,
    "mean_absolute_percentage_error", "down", "Mean absolute percentage error.")
MeanSquaredLogarithmicError = _wrapper_class(
    "MeanSquaredLogarithmicError", mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error", "down", "Mean squared logarithmic error.")
LogCoshError = _wrapper_class("LogCoshError", losses_module.log_cosh, "logcosh", "down",
                              "Mean of log(cosh(prediction - label)).")
BinaryCrossentropy = _wrapper_class("BinaryCrossentropy", binary_crossentropy,
                                    "binary_crossentropy", "down", "Binary cross-entropy.",
                                    from_logits=False, label_smoothing=0.0)
CategoricalCrossentropy = _wrapper_class("CategoricalCrossentropy", categorical_crossentropy,
                                         "categorical_crossentropy", "down",
                                         "Categorical cross-entropy.", from_logits=False,
                                         label_smoothing=0.0, axis=-1)
SparseCategoricalCrossentropy = _wrapper_class(
    "SparseCategoricalCrossentropy", sparse_categorical_crossentropy,
    "sparse_categorical_crossentropy", "down", "Sparse categorical cross-entropy.",
    from_logits=False, ignore_class=None, axis=-1)
KLDivergence = _wrapper_class("KLDivergence", kl_divergence, "kl_divergence", "down",
                              "Kullback-Leibler divergence.")
Poisson = _wrapper_class("Poisson", poisson, "poisson", "down", "Poisson loss.")
Hinge = _wrapper_class("Hinge", hinge, "hinge", "down", "Hinge loss.")
SquaredHinge = _wrapper_class("SquaredHinge", squared_hinge, "squared_hinge", "down",
                              "Squared hinge loss.")


class CosineSimilarity(MeanMetricWrapper):
    """Mean cosine similarity between labels and predictions (1 when aligned)."""

    direction = "up"

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(_cosine, name=name, dtype=dtype, axis=axis)


def _cosine(y_true, y_pred, axis=-1):
    return -cosine_similarity(y_true, y_pred, axis=axis)


class RootMeanSquaredError(Mean):
    """`sqrt(mean(square(y_pred - y_true)))` over all the data seen."""

    direction = "down"

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def batch_statistics(self, y_true, y_pred, sample_weight=None):
        y_pred = tf.cast(_tensor(y_pred), tf.float32)
        squared = tf.squared_difference(y_pred, tf.cast(_tensor(y_true), tf.float32))
        return super().batch_statistics(squared, sample_weight)

    def update_state(self, y_true, y_pred, sample_weight=None):
        return self._accumulate([y_true, y_pred], sample_weight)

    def result(self):
        return float(np.sqrt(super().result()))


# -- lookup --------------------------------------------------------------------------------

_FUNCTIONS = {fn.__name__: fn for fn in (
    binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
    top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, mean_squared_error,
    mean_absolute_error, mean_absolute_percentage_error, mean_squared_logarithmic_error,
    binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy,
    kl_divergence, poisson, hinge, squared_hinge, categorical_hinge, huber, log_cosh,
    binary_focal_crossentropy, categorical_focal_crossentropy)}
_FUNCTIONS.update({"mse": mse, "MSE": mse, "mae": mae, "MAE": mae, "mape": mape, "MAPE": mape,
                   "msle": msle, "MSLE": msle, "kld": kld, "KLD": kld,
                   "cosine_similarity": _cosine})
# Every public Metric class of keras.metrics, by class name (a saved model's compile config names
# its metrics so): written out by hand, the list had missed fourteen.
_CLASSES = {name: cls for name, cls in list(globals().items())
            if isinstance(cls, type) and issubclass(cls, Metric) and not name.startswith("_")
            and cls not in (Metric, MeanMetricWrapper)}
_BY_SHORT_NAME = {"auc": AUC, "precision": Precision, "recall": Recall,
                  "root_mean_squared_error": RootMeanSquaredError, "rmse": RootMeanSquaredError}

# How the metric functions rank: what EarlyStopping(mode="auto") needs to know.
_UP = {binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
       top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, accuracy, _cosine}


def direction_of(metric) -> str | None:
    """"up" (larger is better), "down", or None for an object, class or function."""
    if isinstance(metric, Metric) or isinstance(metric, type) and issubclass(metric, Metric):
        if isinstance(metric, MeanMetricWrapper) and metric.direction is None:
            return direction_of(metric._fn)
        return metric.direction
    if metric in _UP:
        return "up"
    if metric in _FUNCTIONS.values() or metric in vars(losses_module).values():
        return "down"
    return None


def get(identifier):
    """A metric function or `Metric` from a name ("mae", "auc", "binary_accuracy"...), a config
    dict, a function or a `Metric`. ("accuracy"/"acc" depend on the loss: `compile` resolves
    them.)

    Raises:
        ValueError: an unknown name (the message lists the known ones).
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        if identifier in _FUNCTIONS:
            return _FUNCTIONS[identifier]
        if identifier in _BY_SHORT_NAME:
            return _BY_SHORT_NAME[identifier]()
        if identifier in _CLASSES:
            return _CLASSES[identifier]()
        raise ValueError(f"Unknown metric: {identifier!r}. Known metrics: 'accuracy', 'acc', "
                         f"{', '.join(repr(n) for n in sorted(_FUNCTIONS))}, "
                         f"{', '.join(repr(n) for n in sorted(_BY_SHORT_NAME))}.")
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}.")


def serialize(metric):
    if isinstance(metric, Metric):
        return {"module": "keras.metrics", "class_name": type(metric).__name__,
                "config": metric.get_config(), "registered_name": None}
    return getattr(metric, "__name__", None)


def deserialize(config, custom_objects=None):
    if isinstance(config, str):
        return get(config)
    name = config.get("class_name")
    cls = (custom_objects or {}).get(name) or _CLASSES.get(name)
    if cls is None:
        raise ValueError(f"Unknown metric class: {name!r}.")
    return cls.from_config(dict(config.get("config", {})))
