"""h5py, imported only when weights are saved or loaded, and the HDF5 details Keras relies on:
string-list attributes (bytes, split in chunks over 64 KiB) and clear errors for bad files."""
from __future__ import annotations

import io

import numpy as np

# HDF5 object headers hold at most 64 KiB: Keras splits longer attributes into name0, name1...
_HDF5_OBJECT_HEADER_LIMIT = 64512


def require_h5py():
    """The h5py module, or an ImportError that says how to install it."""
    try:
        import h5py
    except ImportError as exc:
        raise ImportError('Saving and loading Keras weights needs h5py, which is not installed: '
                          'pip install "tenseur[keras]" (or pip install h5py).') from exc
    return h5py


def open_for_reading(source, name: str | None = None):
    """An h5py File on a path or on bytes; a ValueError naming the file if it is not HDF5.

    Args:
        source: a path, or the file's bytes (an HDF5 entry read from a zip).
        name: how to name the file in errors (default: the path).
    """
    h5py = require_h5py()
    name = name or str(source)
    try:
        return h5py.File(io.BytesIO(source) if isinstance(source, bytes) else source, "r")
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise ValueError(f"'{name}' is not a readable HDF5 file (corrupt or truncated?): "
                         f"{exc}") from None


def to_bytes(write) -> bytes:
    """Builds an HDF5 file in memory: `write(h5file)` fills it; returns the file's bytes."""
    h5py = require_h5py()
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        write(f)
    return buffer.getvalue()


def decode(value) -> str:
    return value.decode("utf8") if isinstance(value, (bytes, np.bytes_)) else str(value)


def write_string_list(group, name: str, values) -> None:
    """Stores a list of strings as Keras does: an array of bytes, chunked when large."""
    data = np.array([v.encode("utf8") for v in values]) if values else np.array([], "float64")
    if data.nbytes <= _HDF5_OBJECT_HEADER_LIMIT:
        group.attrs[name] = data
        return
    chunks = int(np.ceil(data.nbytes / _HDF5_OBJECT_HEADER_LIMIT))
    for i, chunk in enumerate(np.array_split(data, chunks)):
        group.attrs[f"{name}{i}"] = chunk


def read_string_list(group, name: str) -> list | None:
    """The strings of attribute `name` (or its chunks `name0`, `name1`...); None if absent."""
    if name in group.attrs:
        return [decode(v) for v in np.atleast_1d(group.attrs[name])]
    values, i = [], 0
    while f"{name}{i}" in group.attrs:
        values += [decode(v) for v in np.atleast_1d(group.attrs[f"{name}{i}"])]
        i += 1
    return values if i else None


def read_string(group, name: str, default=None):
    """A string attribute (stored as bytes or str), or `default`."""
    if name not in group.attrs:
        return default
    value = group.attrs[name]
    if isinstance(value, np.ndarray):
        value = value.item() if value.size == 1 else value
    return decode(value)
