"""The base of tenseur.keras' metrics: `Metric` (graph-side batch statistics, Python-side
state; see `tenseur.keras.metrics`), `Mean`, `Sum` and `MeanMetricWrapper`, which the other
metric modules build on."""
from __future__ import annotations

import functools
import weakref

import numpy as np

import tenseur as tf
from tenseur.eager.func_graph import FuncGraph

from . import backend
from . import losses as losses_module


def _tensor(x):
    x = x._as_tensor() if hasattr(x, "_as_tensor") else x
    return x if isinstance(x, tf.Tensor) else tf.constant(x)



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
