"""The checkpoint file format, and writing files so that a crash never corrupts a good one.

A checkpoint is two files next to each other, named after its prefix (`model.ckpt-1000`):

- `<prefix>.data-00000-of-00001`: the values, raw bytes, little-endian, C order, one tensor
  after the other, each starting at a multiple of 64 bytes (zero padding between).
- `<prefix>.index`: UTF-8 JSON describing them::

      {"format": "tenseur-checkpoint", "version": 1,
       "data_file": "model.ckpt-1000.data-00000-of-00001",
       "tensors": {"layer1/W": {"dtype": "float32", "shape": [784, 10],
                                "offset": 0, "nbytes": 31360, "sha256": "<hex digest>"}, ...}}

  Keys are variable names (`layer1/W`); dtypes are tenseur dtype names of numeric or bool
  dtypes. The SHA-256 of each tensor's bytes is checked when it is read.

Nothing here can execute code on load (no pickle), and every file is written the same way
(tenseur/framework/files.py): to a hidden temporary name in the destination directory,
flushed and fsynced, then renamed over the destination with `os.replace`. A checkpoint's files are
all written before the first rename, the `.index` renamed last; so an error while saving
leaves no file of the new checkpoint and every older one intact. (Saving again under the same
prefix has one window, between the renames of the data and the index, where a killed process
leaves the new data beside the old index; the checksums then make the restore fail loudly
instead of loading a mix of both.)
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os

import numpy as np

from ..framework import dtypes
from ..framework.errors import NotFoundError, OpError
from ..framework.files import AtomicFiles, write_file_atomically  # noqa: F401 - used by saver

__all__ = ["CheckpointReader", "NewCheckpointReader", "checkpoint_exists", "remove_checkpoint",
           "DataLossError"]

FORMAT = "tenseur-checkpoint"
VERSION = 1
_ALIGNMENT = 64
_DATA_SUFFIX = ".data-00000-of-00001"


class DataLossError(OpError):
    """A checkpoint file is truncated or its bytes do not match their checksum (TF 1.x name)."""


def data_path(prefix: str) -> str:
    return prefix + _DATA_SUFFIX


def index_path(prefix: str) -> str:
    return prefix + ".index"


def checkpoint_exists(checkpoint_prefix: str) -> bool:
    """Whether a complete checkpoint exists under `checkpoint_prefix` (its `.index` is there)."""
    return os.path.isfile(index_path(checkpoint_prefix))


def remove_checkpoint(checkpoint_prefix: str, meta_graph_suffix: str = "meta") -> None:
    """Deletes the files of a checkpoint (index first, so it stops existing at once)."""
    for path in (index_path(checkpoint_prefix), data_path(checkpoint_prefix),
                 f"{checkpoint_prefix}.{meta_graph_suffix}"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)


# -- atomic writing ------------------------------------------------------------------------

# -- writing -------------------------------------------------------------------------------

def write_checkpoint(files: AtomicFiles, prefix: str, tensors: dict) -> None:
    """Stages the data and index files of checkpoint `prefix` holding `tensors` (name → array).

    Raises:
        TypeError: a tensor's dtype is not numeric or bool (strings cannot be checkpointed).
    """
    entries = {}
    offset = 0
    with files.open(data_path(prefix)) as f:
        for name, array in tensors.items():
            array = np.asarray(array)
            if array.dtype.kind not in "biufc":
                raise TypeError(f"Saver: variable {name} has dtype {array.dtype}; checkpoints "
                                f"hold numeric and bool tensors only.")
            little = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
            raw = little.reshape(-1).view(np.uint8)
            padding = -offset % _ALIGNMENT
            if padding:
                f.write(b"\0" * padding)
                offset += padding
            _write_bytes(f, raw)
            entries[name] = {"dtype": dtypes.as_dtype(array.dtype).name,
                             "shape": list(array.shape), "offset": offset,
                             "nbytes": int(raw.nbytes),
                             "sha256": hashlib.sha256(raw).hexdigest()}
            offset += raw.nbytes
    index = {"format": FORMAT, "version": VERSION,
             "data_file": os.path.basename(data_path(prefix)), "tensors": entries}
    with files.open(index_path(prefix)) as f:
        _write_bytes(f, json.dumps(index).encode("utf-8"))


def _write_bytes(f, buffer) -> None:
    """One write of a checkpoint file (a seam for the crash-during-save tests)."""
    f.write(buffer)


# -- reading -------------------------------------------------------------------------------

class CheckpointReader:
    """Reads the tensors of one checkpoint (TF 1.x `NewCheckpointReader`).

    Example:
        >>> reader = tenseur.train.NewCheckpointReader("/tmp/model.ckpt-1000")
        >>> reader.get_variable_to_shape_map()
        {'b': [10], 'w': [784, 10]}
        >>> reader.get_tensor("b")
        array([...], dtype=float32)
    Raises:
        NotFoundError: there is no checkpoint at `prefix`.
        DataLossError: its index is not a tenseur checkpoint index.
    """

    def __init__(self, prefix: str):
        self._prefix = prefix
        try:
            with open(index_path(prefix), "rb") as f:
                index = json.loads(f.read().decode("utf-8"))
        except FileNotFoundError:
            raise NotFoundError(f"Unsuccessful checkpoint reader: failed to find any matching "
                                f"files for {prefix} (no {index_path(prefix)}).") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DataLossError(f"Checkpoint index {index_path(prefix)} is corrupted: "
                                f"{exc}.") from None
        if not isinstance(index, dict) or index.get("format") != FORMAT:
            raise DataLossError(f"{index_path(prefix)} is not a tenseur checkpoint index.")
        if index.get("version", 0) > VERSION:
            raise DataLossError(f"Checkpoint {prefix} has format version {index['version']}; "
                                f"this tenseur reads versions up to {VERSION}.")
        self._entries = index["tensors"]
        self._data_path = os.path.join(os.path.dirname(prefix) or ".", index["data_file"])

    @property
    def prefix(self) -> str:
        return self._prefix

    def has_tensor(self, name: str) -> bool:
        return name in self._entries

    def get_variable_to_shape_map(self) -> dict:
        return {name: list(e["shape"]) for name, e in sorted(self._entries.items())}

    def get_variable_to_dtype_map(self) -> dict:
        return {name: dtypes.as_dtype(e["dtype"]) for name, e in sorted(self._entries.items())}

    def get_tensor(self, name: str) -> np.ndarray:
        """The value saved under `name`, checksum verified (a read-only array)."""
        return self.get_tensors([name])[name]

    def get_tensors(self, names) -> dict:
        """The values of `names` (one pass over the data file), checksums verified.

        Raises:
            NotFoundError: a name is not in the checkpoint.
            DataLossError: the data file is missing, truncated, or a checksum differs.
        """
        for name in names:
            if name not in self._entries:
                raise NotFoundError(f"Key {name} not found in checkpoint {self._prefix}.")
        out = {}
        try:
            with open(self._data_path, "rb") as f:
                for name in names:
                    out[name] = self._read(f, name)
        except FileNotFoundError:
            raise DataLossError(f"Checkpoint {self._prefix}: data file {self._data_path} is "
                                f"missing.") from None
        return out

    def _read(self, f, name) -> np.ndarray:
        entry = self._entries[name]
        f.seek(entry["offset"])
        raw = f.read(entry["nbytes"])
        if len(raw) != entry["nbytes"] or hashlib.sha256(raw).hexdigest() != entry["sha256"]:
            raise DataLossError(f"Checkpoint {self._prefix}: the bytes of {name} are truncated "
                                f"or do not match their checksum; the file is corrupted.")
        dtype = np.dtype(dtypes.as_dtype(entry["dtype"]).as_numpy_dtype)
        array = np.frombuffer(raw, dtype=dtype.newbyteorder("<")).reshape(entry["shape"])
        if array.dtype != dtype:             # big-endian host: one conversion to native order
            array = array.astype(dtype)
            array.flags.writeable = False
        return array

    def debug_string(self) -> str:
        return "".join(f"{name} ({e['dtype']}) {e['shape']}\n"
                       for name, e in sorted(self._entries.items()))


def NewCheckpointReader(filepattern: str) -> CheckpointReader:  # noqa: N802 (TF 1.x name)
    """A `CheckpointReader` for the checkpoint prefix `filepattern`."""
    return CheckpointReader(filepattern)

