"""What `fit`, `evaluate` and `predict` accept as data, turned into batches of NumPy arrays.

Inputs can be NumPy arrays (or anything `np.asarray` takes), lists or dicts of them for models
with several inputs or outputs, a `keras.utils.Sequence`, or a Python generator/iterator
yielding `(x, y)` or `(x, y, sample_weight)` batches. Arrays are checked and converted once
per call (dtype, target layout), then sliced into batches; generator batches are converted as
they come.

Every batch reaches the training step as three lists in the model's order: input arrays,
target arrays (None for outputs without a loss) and sample-weight arrays (None: all ones).
"""
from __future__ import annotations

import inspect
import math
import warnings

import numpy as np

from ..utils.sequence import Sequence

# -- kinds of data -------------------------------------------------------------------------

def is_sequence(data) -> bool:
    return isinstance(data, Sequence)


def is_generator(data) -> bool:
    """A Python generator or iterator (not an array, list or dict)."""
    if isinstance(data, (np.ndarray, list, tuple, dict, str, bytes)) or data is None:
        return False
    return inspect.isgenerator(data) or (hasattr(data, "__next__") and hasattr(data, "__iter__"))


def unpack_batch(batch):
    """`(x, y, sample_weight)` from what a generator or Sequence yields."""
    if isinstance(batch, tuple):
        if len(batch) == 1:
            return batch[0], None, None
        if len(batch) == 2:
            return batch[0], batch[1], None
        if len(batch) == 3:
            return batch
        raise ValueError(f"Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
                         f"`(x, y, sample_weight)`, found a tuple of {len(batch)} elements.")
    return batch, None, None


# -- structures -----------------------------------------------------------------------------

def _describe(names) -> str:
    return ", ".join(names)


def to_list(data, names, what, model_name, allow_none=False) -> list:
    """`data` (array, list/tuple, or dict keyed by `names`) as a list in the order of `names`.

    Raises:
        ValueError: the number of arrays differs from the number of model inputs/outputs, or a
            dict lacks a name.
    """
    if data is None:
        return [None] * len(names)
    if isinstance(data, dict):
        unknown = sorted(set(data) - set(names))
        if unknown:
            raise ValueError(f"Model '{model_name}': unknown {what} name(s) {unknown} in the "
                             f"dict; the model's {what}s are: {_describe(names)}.")
        missing = [n for n in names if n not in data]
        if missing and not allow_none:
            raise ValueError(f"Model '{model_name}': no data for {what}(s) {missing}; the dict "
                             f"must have keys {_describe(names)}.")
        return [data.get(n) for n in names]
    several = isinstance(data, (list, tuple)) and data and (
        len(names) > 1 or all(isinstance(a, np.ndarray) for a in data))
    items = list(data) if several else [data]
    if len(items) != len(names):
        plural = "s" if len(names) != 1 else ""
        raise ValueError(f"Model '{model_name}' expects {len(names)} {what} array{plural} "
                         f"({_describe(names)}), but it received {len(items)} "
                         f"{what} array{'s' if len(items) != 1 else ''}. Pass a list of "
                         f"{len(names)} arrays, or a dict keyed by {what} name.")
    return items


def as_arrays(items, dtypes) -> list:
    """Each item as a NumPy array of the matching dtype (None stays None)."""
    out = []
    for item, dtype in zip(items, dtypes):
        if item is None:
            out.append(None)
            continue
        array = np.asarray(item)
        if dtype is not None and array.dtype != dtype:
            array = array.astype(dtype)
        out.append(array)
    return out


def check_cardinality(xs, ys, sample_weights) -> int:
    """The common number of samples; raises Keras' "Data cardinality is ambiguous" error."""
    groups = {"x": [len(a) for a in xs if a is not None],
              "y": [len(a) for a in ys if a is not None],
              "sample_weight": [len(a) for a in sample_weights if a is not None]}
    sizes = {n for group in groups.values() for n in group}
    if len(sizes) > 1:
        details = ", ".join(f"{name} sizes: {', '.join(str(n) for n in group)}"
                            for name, group in groups.items() if group)
        raise ValueError(f"Data cardinality is ambiguous: {details}. Make sure all arrays "
                         f"contain the same number of samples.")
    return sizes.pop() if sizes else 0


def class_weights_to_sample_weights(class_weight, y, sparse: bool):
    """Per-sample weights `class_weight[class of the sample]` for one output's targets."""
    y = np.asarray(y)
    if sparse or y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1):
        classes = np.rint(y.reshape(len(y), -1)[:, 0]).astype(np.int64)
    else:
        classes = np.argmax(y.reshape(len(y), -1), axis=-1)
    missing = sorted(set(np.unique(classes).tolist()) - {int(k) for k in class_weight})
    if missing:
        raise ValueError(f"`class_weight` must contain all classes in the data. The classes "
                         f"{missing} exist in the data but not in `class_weight`.")
    table = {int(k): float(v) for k, v in class_weight.items()}
    return np.array([table[c] for c in classes.tolist()], dtype=np.float32)


# -- batches --------------------------------------------------------------------------------

class ArrayBatches:
    """Batches of in-memory arrays, shuffled each epoch (`np.random`, so tests can seed).

    Args:
        xs, ys, sample_weights: lists of arrays (None entries allowed for ys/weights).
        batch_size: samples per batch (the last batch may be smaller).
        shuffle: True (samples), False, or "batch" (shuffle the order of fixed batches).
        steps: batches per epoch; None means one pass over the data. When set, an epoch
            takes the next `steps` batches of a pass over the data, and ends early when the
            pass does (the next epoch starts a new, reshuffled pass), as Keras 3 does.
        resume: with `steps`, whether an epoch goes on where the previous one stopped
            (training), or starts a new pass every time (validation_steps: the same first
            batches every epoch).
    """

    def __init__(self, xs, ys, sample_weights, batch_size, shuffle=False, steps=None,
                 resume=True):
        self.xs, self.ys, self.sample_weights = xs, ys, sample_weights
        self.num_samples = check_cardinality(xs, ys, sample_weights)
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        full_steps = math.ceil(self.num_samples / self.batch_size) if self.num_samples else 0
        self.steps = steps if steps is not None else full_steps
        self.resume = resume
        self._stream = None

    def _order(self):
        n = self.num_samples
        if self.shuffle == "batch":
            batches = np.arange(math.ceil(n / self.batch_size))
            np.random.shuffle(batches)
            starts = batches * self.batch_size
            return np.concatenate([np.arange(s, min(s + self.batch_size, n)) for s in starts])
        if self.shuffle:
            return np.random.permutation(n)
        return None

    def _one_pass(self):
        order = self._order()
        for start in range(0, self.num_samples, self.batch_size):
            stop = min(start + self.batch_size, self.num_samples)
            if order is None:
                pick = slice(start, stop)
            else:
                pick = order[start:stop]
                if pick.size and pick[-1] - pick[0] == pick.size - 1 \
                        and np.all(np.diff(pick) == 1):
                    pick = slice(int(pick[0]), int(pick[-1]) + 1)
            yield ([a[pick] for a in self.xs],
                   [None if a is None else a[pick] for a in self.ys],
                   [None if a is None else a[pick] for a in self.sample_weights])

    def epoch(self):
        """The batches of one epoch."""
        full = math.ceil(self.num_samples / self.batch_size) if self.num_samples else 0
        if self.steps == full and self._stream is None:
            yield from self._one_pass()
            return
        if not self.resume:
            self._stream = None
        for _ in range(self.steps):
            batch = self._next_from_stream()
            if batch is None:
                return
            yield batch
            if self._seen >= full:          # the pass is over: the next epoch starts anew
                self._stream = None
                return

    def _next_from_stream(self):
        """The next batch of the current pass; None when there is no data."""
        if not self.num_samples:
            return None
        if self._stream is None:
            self._stream, self._seen = self._one_pass(), 0
        batch = next(self._stream, None)
        self._seen += 1
        return batch

    def on_epoch_end(self):
        pass


class SequenceBatches:
    """Batches of a `keras.utils.Sequence`, in shuffled order if asked."""

    def __init__(self, sequence, convert, shuffle=False, steps=None):
        self.sequence, self.convert, self.shuffle = sequence, convert, shuffle
        length = len(sequence)
        self.steps = min(steps, length) if steps is not None else length
        self._order, self._position = None, 0

    def epoch(self):
        """`steps` items, going on where the previous epoch stopped (Keras 3) and ending
        early when the pass over the sequence does; the next epoch then starts a new pass."""
        if self._order is None:
            self._order = np.arange(len(self.sequence))
            if self.shuffle:
                np.random.shuffle(self._order)
            self._position = 0
        for _ in range(self.steps):
            if self._position >= len(self._order):
                break
            index = self._order[self._position]
            self._position += 1
            yield self.convert(self.sequence[int(index)])
        if self._position >= len(self._order):
            self._order = None

    def on_epoch_end(self):
        self.sequence.on_epoch_end()


class GeneratorBatches:
    """Batches pulled from a Python generator: `steps` per epoch, or until it is exhausted."""

    def __init__(self, generator, convert, steps=None):
        self.generator, self.convert, self.steps = generator, convert, steps
        self.exhausted = False

    def epoch(self):
        count = 0
        while self.steps is None or count < self.steps:
            try:
                item = next(self.generator)
            except StopIteration:
                self.exhausted = True
                if self.steps is not None:
                    warnings.warn(f"Your input ran out of data; interrupting training. Make sure "
                                  f"that your generator can generate at least `steps_per_epoch "
                                  f"* epochs` batches (in this case, {self.steps} batches per "
                                  f"epoch).", stacklevel=3)
                return
            count += 1
            yield self.convert(item)

    def on_epoch_end(self):
        pass
