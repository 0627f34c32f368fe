"""Large arrays reused across training steps instead of freshly mapped each time.

An array over glibc's mmap threshold (32 MiB at most, `MIN_BYTES`) gets fresh pages from the
kernel on every allocation, and the first write to each page faults and zeroes it: a ReLU over the
slides' first convolution output (430x26x26x32 float32, 37 MB) takes 12 ms into a new array
and 6 ms into an old one (`benchmarks/buffers.py`). A graph plan frees each intermediate
after its last reader; for the large ones (`MIN_BYTES` and more, shape known when the plan is
built) it calls `give` instead of dropping the array, and the kernels that make large outputs
(convolutions, pooling, fused elementwise tails) take their output from `empty`, which hands
back a pooled array of the same shape and dtype when there is one. The next step's
allocations thus find the previous step's arrays.

Safe by construction: `give` keeps an array only when nothing else refers to it (its
reference count is the caller's variable alone: no view, no fetched result, no variable, no
other plan slot holds it), when it owns its data and is writeable. Anything else is left to
the garbage collector as before. The pool keeps at most `$TENSEUR_BUFFER_POOL_MB` (default
512; 0 turns reuse off) in all, dropping the oldest arrays first; `clear()` empties it.
`$TENSEUR_BUFFER_MIN_MB` (default 32, read at import) sets the smallest array pooled.
"""
from __future__ import annotations

import math
import os
import sys
import threading

import numpy as np

__all__ = ["MIN_BYTES", "empty", "zeros", "give", "clear", "pooled_bytes", "set_limit"]

def _megabytes(variable: str, default: float) -> float:
    value = os.environ.get(variable, "").strip()
    try:
        return float(value) if value else default
    except ValueError:
        raise ValueError(f"${variable} must be a number of megabytes, got {value!r}.") from None


# Arrays smaller than this are left to malloc. Arrays over glibc's largest mmap threshold
# (32 MiB) are mapped afresh on every allocation; smaller ones often come back from its heap.
# Pooling from 1 MiB saved page faults but no time on the CNN (device machine, 2 threads:
# 218-224 against 192-207 ms) and held 80-90 MB more there, ~200 MB more on ResNet50's forward.
MIN_BYTES = int(_megabytes("TENSEUR_BUFFER_MIN_MB", 32) * (1 << 20))

_lock = threading.Lock()
_pool: dict = {}          # (shape, dtype.str) -> [arrays]; dict order = oldest key first
_bytes = 0
_limit = None             # bytes; None: read $TENSEUR_BUFFER_POOL_MB on first use


def _read_limit() -> int:
    return max(int(_megabytes("TENSEUR_BUFFER_POOL_MB", 512.0) * (1 << 20)), 0)


def set_limit(megabytes: float | None) -> None:
    """Caps the pool at `megabytes` (0: no reuse; None: back to the environment's value)."""
    global _limit
    with _lock:
        _limit = None if megabytes is None else max(int(megabytes * (1 << 20)), 0)
    if megabytes is not None:
        _shrink()


def _refs(array) -> int:
    return sys.getrefcount(array)


def _calibrate() -> int:
    """The reference count `give` sees for an array held by one local variable of its caller
    (the variable, give's parameter, getrefcount's argument: 3 on CPython 3.11)."""
    array = np.empty(1)
    return _refs(array)


_ALONE = _calibrate()


def empty(shape, dtype) -> np.ndarray:
    """An uninitialised array: a pooled one of this shape and dtype if any, else np.empty."""
    dtype = np.dtype(dtype)
    if _pool and dtype.itemsize * math.prod(shape) >= MIN_BYTES:
        key = (tuple(shape), dtype.str)
        with _lock:
            arrays = _pool.get(key)
            if arrays:
                array = arrays.pop()
                if not arrays:
                    del _pool[key]
                global _bytes
                _bytes -= array.nbytes
                return array
    return np.empty(shape, dtype)


def zeros(shape, dtype) -> np.ndarray:
    """`empty(shape, dtype)` filled with zeros."""
    array = empty(shape, dtype)
    array.fill(0)
    return array


def give(array) -> None:
    """Offers an array its caller is about to drop. Kept for reuse only when the caller's
    variable is its sole reference (see the module docstring); call as `give(x)` with x a
    local variable, then drop x."""
    global _bytes
    if (type(array) is not np.ndarray or _refs(array) != _ALONE + 1 or array.base is not None
            or not array.flags.writeable or not array.flags.c_contiguous):
        return
    size = array.nbytes
    if size < MIN_BYTES:
        return
    limit = _current_limit()
    if size > limit:
        return
    key = (array.shape, array.dtype.str)
    with _lock:
        _pool.setdefault(key, []).append(array)
        _bytes += size
    if _bytes > limit:
        _shrink()


def _current_limit() -> int:
    """The cap in bytes (read from the environment the first time)."""
    global _limit
    if _limit is None:
        _limit = _read_limit()
    return _limit


def _shrink() -> None:
    """Drops the oldest pooled arrays until the pool is within the cap."""
    global _bytes
    limit = _current_limit()
    with _lock:
        while _bytes > limit and _pool:
            key = next(iter(_pool))
            arrays = _pool[key]
            _bytes -= arrays.pop(0).nbytes
            if not arrays:
                del _pool[key]


def clear() -> None:
    """Empties the pool (its memory goes back to the system)."""
    global _bytes
    with _lock:
        _pool.clear()
        _bytes = 0


def pooled_bytes() -> int:
    """Bytes held by the pool now."""
    return _bytes
