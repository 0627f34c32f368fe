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

Example:
    >>> m = keras.metrics.SparseCategoricalAccuracy()
    >>> m.update_state([1, 2], [[0.1, 0.8, 0.1], [0.6, 0.3, 0.1]])
    >>> m.result()
    0.5
"""
from __future__ import annotations

import functools
import weakref

import numpy as np

import tenseur as tf
from tenseur.eager.func_graph import FuncGraph

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

mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kl_divergence


# -- per-sample metric functions -----------------------------------------------------------

def _tensor(x):
    x = x._as_tensor() if hasattr(x, "_as_tensor") else x
    return x if isinstance(x, tf.Tensor) else tf.constant(x)


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


# -- Metric base ---------------------------------------------------------------------------

class Metric:
    """Base class: graph-side `batch_statistics`, Python-side `merge` / `result` / `reset_state`.

    Args:
        name: the name shown in logs (default: the class name in snake_case).
        dtype: accepted for compatibility (statistics are accumulated in float64).
    """

    # Whether larger is better ("up"), smaller is better ("down"), or unknown (None): what
    # EarlyStopping and ModelCheckpoint use in mode="auto".
    direction = None

    def __init__(self, name=None, dtype=None):
        self.name = name or backend.snake_case(type(self).__name__)
        self.dtype = dtype or backend.floatx()
        self._evaluators: dict = {}
        self._updates = weakref.WeakKeyDictionary()     # graph -> the last update op built there
        self.reset_state()

    def __getstate__(self):
        """Copied or pickled without the private sessions and graphs it caches (made again on
        use): `copy.deepcopy(metric)` works."""
        state = dict(self.__dict__)
        state["_evaluators"] = {}
        state.pop("_updates", None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._updates = weakref.WeakKeyDictionary()

    def __init_subclass__(cls, **kwargs):
        """Each class's `result` gives, while a `tf.function` is being traced, a tensor that
        reads the state when the function runs (after this metric's updates in it), not the
        number the state held at tracing time (which the trace would keep for ever)."""
        super().__init_subclass__(**kwargs)
        plain = cls.__dict__.get("result")
        if plain is None:
            return

        @functools.wraps(plain)
        def result(self):
            graph = tf.get_default_graph()
            if not isinstance(graph, FuncGraph):
                return plain(self)
            return self._result_tensor(self._updates.get(graph), lambda: plain(self))
        cls.result = result

    def _result_tensor(self, update, read):
        """A float32 tensor of `read()` taken when it runs, after `update` (when given)."""
        with tf.control_dependencies([update] if update is not None else []):
            return tf.py_func(lambda: np.float32(read()), [], tf.float32,
                              name=f"{self.name}_result")

    # graph side -----------------------------------------------------------------------

    def batch_statistics(self, *args, **kwargs) -> list:
        """Tensors of one batch's statistics (what `merge` expects, in order)."""
        raise NotImplementedError(f"{type(self).__name__} must implement batch_statistics.")

    # Python side ----------------------------------------------------------------------

    def merge(self, values) -> None:
        """Adds one batch's statistics (NumPy values of `batch_statistics`) to the state."""
        raise NotImplementedError

    def result(self) -> float:
        raise NotImplementedError

    def reset_state(self) -> None:
        raise NotImplementedError

    def reset_states(self) -> None:
        self.reset_state()

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulates the statistics of NumPy `y_true`, `y_pred` (and weights). Given tensors
        of a graph being built (graph mode, or inside a `tf.function`), returns the op that
        accumulates them when it runs (see `_accumulate`)."""
        return self._accumulate([y_true, y_pred], sample_weight)

    def __call__(self, *args, **kwargs):
        """`update_state(...)`, then the current `result()`; given symbolic tensors, a float32
        tensor of the result read after the update op has run."""
        update = self.update_state(*args, **kwargs)
        if update is None or isinstance(update.graph, FuncGraph):
            return self.result()            # in a traced function: a tensor, after `update`
        return self._result_tensor(update, self.result)

    def _accumulate(self, arrays, sample_weight=None):
        """update_state's work. NumPy values (or eager tensors) are merged at once. Symbolic
        tensors (a graph being built: TF 1.x graph mode, or a `tf.function` being traced) get
        the batch statistics built beside them and a `tf.py_func` op merging their values into
        this metric's state each time it runs (a `tf.function` runs it on every call); that op
        is returned, as TF 1.x Keras returns its update op. `result()` is a Python number,
        except while a `tf.function` is traced (see `__init_subclass__`)."""
        if any(isinstance(v, tf.Tensor) and not hasattr(v, "__array__")
               for v in (*arrays, sample_weight)):
            stats = self.batch_statistics(*arrays, sample_weight=sample_weight)
            update = tf.py_func(lambda *values: self.merge(list(values)), list(stats), [],
                                name=f"{self.name}_update")
            self._updates[update.graph] = update
            return update
        self.merge(self._evaluate(arrays, sample_weight))
        return None

    def _evaluate(self, arrays, sample_weight=None) -> list:
        """Runs `batch_statistics` on NumPy inputs in a private graph (cached per shapes)."""
        arrays = [np.asarray(a) for a in arrays]
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=np.float32)
        key = tuple((a.shape, a.dtype.str) for a in arrays) + (
            None if sample_weight is None else sample_weight.shape,)
        entry = self._evaluators.get(key)
        if entry is None:
            graph = tf.Graph()
            with graph.as_default():
                inputs = [tf.placeholder(_feed_dtype(a), shape=a.shape) for a in arrays]
                weight = (None if sample_weight is None else
                          tf.placeholder(tf.float32, shape=sample_weight.shape))
                stats = self.batch_statistics(*inputs, sample_weight=weight)
            entry = (tf.Session(graph=graph), inputs, weight, stats)
            self._evaluators[key] = entry
        session, inputs, weight, stats = entry
        feed = dict(zip(inputs, arrays))
        if weight is not None:
            feed[weight] = sample_weight
        return session.run(stats, feed)

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


def _feed_dtype(array):
    if array.dtype.kind in "iu":
        return tf.int64 if array.dtype.itemsize == 8 else tf.int32
    if array.dtype.kind == "b":
        return tf.bool
    return tf.float64 if array.dtype == np.float64 else tf.float32


def _broadcast_weights(values, sample_weight):
    """`sample_weight` (batch,) or (batch, 1) broadcast to the shape of `values`."""
    weights = tf.cast(_tensor(sample_weight), values.dtype)
    value_rank, weight_rank = values.shape.ndims, weights.shape.ndims
    if value_rank is not None and weight_rank is not None:
        if weight_rank > value_rank and weights.shape.dims[-1] == 1:
            weights = tf.squeeze(weights, axis=[-1])
            weight_rank -= 1
        for _ in range(value_rank - weight_rank):
            weights = tf.expand_dims(weights, -1)
    return weights * tf.ones_like(values)


class Mean(Metric):
    """The (weighted) mean of the values given: `update_state(values, sample_weight=None)`."""

    def batch_statistics(self, values, sample_weight=None):
        values = tf.cast(_tensor(values), tf.float32)
        if sample_weight is None:
            return [tf.reduce_sum(values), tf.cast(tf.size(values), tf.float32)]
        weights = _broadcast_weights(values, sample_weight)
        return [tf.reduce_sum(values * weights), tf.reduce_sum(weights)]

    def update_state(self, values, sample_weight=None):
        return self._accumulate([values], sample_weight)

    def merge(self, values):
        self.total += float(values[0])
        self.count += float(values[1])

    def result(self):
        return self.total / self.count if self.count else 0.0

    def reset_state(self):
        self.total, self.count = 0.0, 0.0


class Sum(Mean):
    """The (weighted) sum of the values given."""

    def result(self):
        return self.total


class MeanMetricWrapper(Mean):
    """The mean over samples of a function `fn(y_true, y_pred, **kwargs)` (e.g. accuracy).

    Args: fn, name, dtype, and keyword arguments passed on to `fn`.
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        self._fn = fn
        self._fn_kwargs = kwargs
        super().__init__(name=name or getattr(fn, "__name__", None), dtype=dtype)

    def batch_statistics(self, y_true, y_pred, sample_weight=None):
        mask = getattr(y_pred, "_keras_mask", None)     # Keras 3: masked steps do not count
        # Labels (N,) against predictions (N, 1): compared row by row, as Keras does.
        y_true, y_pred = losses_module.same_rank(_tensor(y_true), _tensor(y_pred))
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        if mask is not None:
            sample_weight = losses_module.mask_weights(values, mask, sample_weight)
        return super().batch_statistics(values, sample_weight)

    def update_state(self, y_true, y_pred, sample_weight=None):
        return self._accumulate([y_true, y_pred], sample_weight)

    def get_config(self):
        return {**super().get_config(), **self._fn_kwargs}


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
                                         label_smoothing=0.0)
SparseCategoricalCrossentropy = _wrapper_class(
    "SparseCategoricalCrossentropy", sparse_categorical_crossentropy,
    "sparse_categorical_crossentropy", "down", "Sparse categorical cross-entropy.",
    from_logits=False)
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


# -- confusion-matrix metrics --------------------------------------------------------------

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
    """One confusion count (weighted) at each threshold (0.5 by default)."""

    def result(self):
        values = self._state[self._counts[0]]
        return float(values[0]) if self._single else values.tolist()


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
# Every public Metric class of this module, by class name (a saved model's compile config names
# its metrics so): written out by hand, the list had missed fourteen.
_CLASSES = {name: cls for name, cls in list(globals().items())
            if isinstance(cls, type) and issubclass(cls, Metric) and not name.startswith("_")
            and cls.__module__ == __name__ and cls not in (Metric, MeanMetricWrapper)}
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
