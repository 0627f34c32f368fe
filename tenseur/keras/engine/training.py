"""`TrainingMixin`: compile / fit / evaluate / predict for `Model` (filled by the training work).

The mixin only relies on what `Model` provides: `inputs`, `outputs` (symbolic tensors in the
default graph), `trainable_weights`, `updates`, `losses`, and `keras.backend.get_session()`.
"""
from __future__ import annotations

import numpy as np

from .. import backend


class TrainingMixin:
    def _init_training(self) -> None:
        self.optimizer = None
        self.compiled_loss = None
        self._is_compiled = False
        self.stop_training = False
        self.history = None

    def predict(self, x, batch_size=None, verbose=0, steps=None, callbacks=None):
        """Runs the model on `x` in batches (default 32) and concatenates the outputs."""
        if self.inputs is None:
            raise ValueError(f"Model '{self.name}' has no inputs yet: call it on data or build it.")
        xs = x if isinstance(x, (list, tuple)) else [x]
        if len(xs) != len(self.inputs):
            raise ValueError(f"Model '{self.name}' expects {len(self.inputs)} input arrays, got "
                             f"{len(xs)}.")
        xs = [np.asarray(a) for a in xs]
        n = len(xs[0])
        batch_size = batch_size or 32
        session = backend.get_session()
        chunks = []
        for start in range(0, n, batch_size):
            feed = {t: a[start:start + batch_size] for t, a in zip(self.inputs, xs)}
            chunks.append(session.run(self.outputs, feed))
        outs = [np.concatenate([c[i] for c in chunks]) for i in range(len(self.outputs))]
        return outs[0] if len(outs) == 1 else outs
