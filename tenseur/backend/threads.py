"""How many threads tenseur's kernels use, and the BLAS library's own thread count.

Large kernels use the cores in one of two ways, never both at once:
- a single big matrix product runs on BLAS' threads (OpenBLAS in NumPy's wheels);
- a kernel that splits its work over the batch (convolutions, large elementwise chains)
  runs the pieces with `parallel_map` on a small pool of Python threads: NumPy releases the
  GIL in BLAS calls, copies and ufunc loops, so the pieces really run side by side, copies and
  elementwise passes included (which BLAS threads never parallelise). Inside such a region
  BLAS is held to one thread, so the two pools never fight over the cores (OpenBLAS workers
  busy-wait after a call: oversubscribed, a step can get ten times slower). A session's plan
  holding such a kernel keeps BLAS at one thread for its whole run (`Session._execute`): a
  small product between two split kernels would otherwise wake BLAS' workers, which would
  then spin through the next kernel. In eager mode a GradientTape that records such a kernel
  holds BLAS the same way until its gradient is taken (`GradientTape._hold_blas`).

The thread count is, first found: `tf.config.threading.set_intra_op_parallelism_threads(n)`,
`$TENSEUR_NUM_THREADS`, `$OPENBLAS_NUM_THREADS`, `$OMP_NUM_THREADS`, the CPUs this process may
run on. 1 means every kernel runs serially in the calling thread.
"""
from __future__ import annotations

import ctypes
import os
import threading
from contextlib import contextmanager

__all__ = ["intra_op_threads", "requested_intra_op_threads", "set_intra_op_threads",
           "parallel_map", "blas_threads", "single_threaded_blas", "hold_blas", "release_blas",
           "blas_held", "even_ranges",
           "blas_thread_count"]

_lock = threading.Lock()
_requested: int | None = None      # set_intra_op_threads
_pool = None                       # a concurrent.futures.ThreadPoolExecutor
_pool_size = 0
_blas = None                       # (get, set) ctypes functions, False when not found
_in_region = threading.local()
_blas_default = None               # OpenBLAS' count before set_intra_op_threads changed it
_holds = 0                         # parallel regions running now (they may overlap)
_held_from = 0                     # OpenBLAS' count when the first of them began


def _from_environment() -> int:
    for var in ("TENSEUR_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        value = os.environ.get(var, "").strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def intra_op_threads() -> int:
    """Threads a kernel may use (1: serial)."""
    return _requested if _requested else _from_environment()


def requested_intra_op_threads() -> int:
    """The count set by `set_intra_op_threads`, 0 when none was (TensorFlow's getter)."""
    return _requested or 0


def set_intra_op_threads(count: int) -> None:
    """Sets the threads kernels may use; 0 goes back to the default (environment, CPUs)."""
    global _requested
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise ValueError(f"set_intra_op_parallelism_threads: expected a thread count >= 0 "
                         f"(0 = default), got {count!r}.")
    _requested = count or None
    # TensorFlow's intra-op threads are every thread a kernel uses, its matrix library's too.
    functions = _blas_functions()
    if functions is not None:
        global _blas_default, _held_from
        with _lock:
            if _blas_default is None:
                _blas_default = _held_from if _holds else functions[0]()
            if _holds:      # held to one thread now: the count comes back when the hold ends
                _held_from = count or _blas_default
            else:
                functions[1](count or _blas_default)


def _blas_functions():
    """(get_num_threads, set_num_threads) of the OpenBLAS NumPy uses, or None."""
    global _blas
    if _blas is None:
        _blas = False
        from .blas import library
        found = library()
        if found:
            lib, prefix, suffix = found
            getter = getattr(lib, f"{prefix}_get_num_threads{suffix}")
            setter = getattr(lib, f"{prefix}_set_num_threads{suffix}")
            getter.restype, setter.argtypes = ctypes.c_int, [ctypes.c_int]
            _blas = (getter, setter)
    return _blas or None


def blas_thread_count() -> int | None:
    """OpenBLAS' current thread count, or None when its library was not found."""
    functions = _blas_functions()
    return functions[0]() if functions else None


@contextmanager
def single_threaded_blas():
    """Holds OpenBLAS to one thread while any parallel region (or a session's plan with split
    kernels) runs; regions started from several threads at once, or nested, overlap safely
    (the count is restored when the last one ends)."""
    hold_blas()
    try:
        yield
    finally:
        release_blas()


def hold_blas() -> None:
    """Holds OpenBLAS to one thread until the matching `release_blas` (holds nest and may
    overlap across threads; `single_threaded_blas` is the block form)."""
    global _holds, _held_from
    functions = _blas_functions()
    if functions is None:
        return
    with _lock:
        if _holds == 0:
            _held_from = functions[0]()
            if _held_from != 1:
                functions[1](1)
        _holds += 1


def blas_held() -> bool:
    """Whether OpenBLAS is held to one thread now (by a parallel region, plan or tape)."""
    return _holds > 0


def release_blas() -> None:
    """Ends one `hold_blas`; the last one to end restores OpenBLAS' thread count."""
    global _holds
    functions = _blas_functions()
    if functions is None:
        return
    with _lock:
        _holds -= 1
        if _holds == 0 and _held_from != 1:
            functions[1](_held_from)


@contextmanager
def blas_threads(count: int):
    """Sets OpenBLAS to `count` threads inside the block (a no-op without OpenBLAS); for
    one thread of control, such as a benchmark (parallel regions hold it safely themselves)."""
    functions = _blas_functions()
    if functions is None:
        yield
        return
    previous = functions[0]()
    if previous != count:
        functions[1](count)
    try:
        yield
    finally:
        if previous != count:
            functions[1](previous)


def even_ranges(count: int, parts: int) -> list:
    """[(lo, hi), ...]: range(count) cut into `parts` contiguous pieces of sizes differing by
    at most one, in order (the row shares of a kernel split over threads)."""
    return [(count * k // parts, count * (k + 1) // parts) for k in range(parts)]


def _executor(size: int):
    global _pool, _pool_size
    from concurrent.futures import ThreadPoolExecutor   # only when a kernel goes parallel
    with _lock:
        if _pool is None or _pool_size < size:
            if _pool is not None:
                _pool.shutdown(wait=False)
            _pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="tenseur")
            _pool_size = size
        return _pool


def parallel_map(fn, items, threads: int | None = None) -> list:
    """[fn(item) for item in items], the items run on up to `threads` threads (default
    `intra_op_threads()`) with BLAS held to one thread meanwhile; serial when one thread is
    asked for, when there is one item, or when called from inside another parallel region.

    The calling thread works too: every thread, the caller included, takes the next item not
    yet started until none is left, so more items than threads balance themselves (pass a few
    items per thread when their costs differ). The first exception raised by any item is
    raised here, after every started item has finished; items not started are skipped."""
    items = list(items)
    threads = intra_op_threads() if threads is None else threads
    if threads <= 1 or len(items) <= 1 or getattr(_in_region, "active", False):
        return [fn(item) for item in items]
    threads = min(threads, len(items))
    pool = _executor(threads - 1)
    results: list = [None] * len(items)
    errors: list = []
    next_index = iter(range(len(items)))
    counts = {"started": 0, "done": 0}
    changed = threading.Condition()

    def work():
        _in_region.active = True
        try:
            while not errors:
                with changed:
                    i = next(next_index, None)
                    if i is None:
                        return
                    counts["started"] += 1
                try:
                    results[i] = fn(items[i])
                except BaseException as exc:  # noqa: BLE001 - re-raised by the caller
                    errors.append((i, exc))
                finally:
                    with changed:
                        counts["done"] += 1
                        changed.notify_all()
        finally:
            _in_region.active = False

    with single_threaded_blas():
        for _ in range(threads - 1):
            pool.submit(work)
        work()
        # Wait for the items the pool started, not for the pool's queue: a helper thread
        # still busy with another region's item must not hold this one up.
        with changed:
            changed.wait_for(lambda: counts["done"] == counts["started"])
    if errors:
        raise min(errors, key=lambda e: e[0])[1]
    return results
