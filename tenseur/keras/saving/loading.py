"""Putting arrays read from a file into a model's variables, all or nothing.

Every loader (Keras 3 layout, legacy HDF5) pairs layers with arrays, then hands each pair to
`WeightAssigner`, which checks counts and shapes. Nothing is assigned until every layer has
been checked: a mismatch raises (naming every offending layer) and leaves the model as it was,
or, with `skip_mismatch=True`, skips those layers with one warning naming them. The values are
then set with one `backend.batch_set_value`.
"""
from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from .. import backend


@dataclasses.dataclass
class LoadReport:
    """What a load did (returned by `keras.saving.load_weights`).

    Attributes:
        source: the file. loaded: names of the layers that received weights.
        skipped: (layer name, reason) for layers skipped with skip_mismatch=True.
        missing_in_file: model layers with weights that the file had nothing for (by name).
        unused_in_file: entries of the file with weights that no layer took.
    """
    source: str
    loaded: list = dataclasses.field(default_factory=list)
    skipped: list = dataclasses.field(default_factory=list)
    missing_in_file: list = dataclasses.field(default_factory=list)
    unused_in_file: list = dataclasses.field(default_factory=list)


class WeightAssigner:
    """Collects (variables, arrays) per layer, then applies them or reports the mismatches."""

    def __init__(self, source: str, skip_mismatch: bool = False):
        self.report = LoadReport(source=source)
        self.skip_mismatch = skip_mismatch
        self._pairs: list = []
        self._problems: list = []     # (layer name, reason)

    def add(self, layer, variables, arrays, where: str = "") -> None:
        """Checks one layer's arrays against its variables (positionally)."""
        if not variables and not arrays:
            return
        label = f"{type(layer).__name__} '{layer.name}'"
        where = f" ({where})" if where else ""
        if len(arrays) != len(variables):
            self._problems.append((layer.name, f"{label} has {len(variables)} weight(s) "
                                               f"{_names(variables)}, but the file has "
                                               f"{len(arrays)}{where}"))
            return
        for i, (variable, array) in enumerate(zip(variables, arrays)):
            expected = tuple(variable.shape.as_list())
            if tuple(array.shape) != expected:
                self._problems.append((layer.name, f"{label}: weight {i} ({variable.name}) has "
                                                   f"shape {expected}, the file has "
                                                   f"{tuple(array.shape)}{where}"))
                return
        self._pairs.extend(zip(variables, arrays))
        self.report.loaded.append(layer.name)

    def problem(self, layer_name: str, reason: str) -> None:
        """Records a mismatch found by the loader itself (a missing entry...)."""
        self._problems.append((layer_name, reason))

    def finish(self) -> LoadReport:
        """Raises ValueError for mismatches (or warns, with skip_mismatch), then assigns."""
        if self._problems:
            lines = "\n".join(f"  - {reason}" for _, reason in self._problems)
            if not self.skip_mismatch:
                raise ValueError(f"Could not load weights from '{self.report.source}':\n{lines}\n"
                                 f"No weight was changed. Pass skip_mismatch=True to load the "
                                 f"other layers and skip these.")
            warnings.warn(f"Skipping loading weights for layer(s) "
                          f"{[name for name, _ in self._problems]} from "
                          f"'{self.report.source}' (skip_mismatch=True):\n{lines}", stacklevel=4)
            self.report.skipped.extend(self._problems)
        backend.batch_set_value([(v, np.asarray(a)) for v, a in self._pairs])
        return self.report


def _names(variables) -> str:
    return "[" + ", ".join(v.name for v in variables) + "]"
