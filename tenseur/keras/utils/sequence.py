"""`Sequence`: a dataset that hands out whole batches by index (`keras.utils.Sequence`)."""
from __future__ import annotations


class Sequence:
    """Base class for fitting on a dataset made of batches, e.g. images loaded from disk.

    Implement `__len__` (the number of batches per epoch) and `__getitem__(index)` returning
    one batch `(x, y)` or `(x, y, sample_weight)`; `on_epoch_end` runs after every epoch
    (to reshuffle, say). `fit(shuffle=True)` visits the batches in a new random order each
    epoch. `workers`, `use_multiprocessing` and `max_queue_size` are accepted for
    compatibility; batches are produced in the training thread.

    Example:
        >>> class Batches(keras.utils.Sequence):
        ...     def __init__(self, x, y, batch_size):
        ...         self.x, self.y, self.batch_size = x, y, batch_size
        ...     def __len__(self):
        ...         return -(-len(self.x) // self.batch_size)
        ...     def __getitem__(self, index):
        ...         part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        ...         return self.x[part], self.y[part]
        >>> model.fit(Batches(x_train, y_train, 32), epochs=5)
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max_queue_size

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index).")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __len__().")

    def on_epoch_end(self):
        """Called after every epoch (override to reshuffle)."""

    def __iter__(self):
        for index in range(len(self)):
            yield self[index]


# Keras 3's name for the same protocol.
PyDataset = Sequence
