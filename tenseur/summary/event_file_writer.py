"""`EventFileWriter`: appends serialized events to one event file from a background thread.

The training thread only serializes an event and puts it on a bounded queue (`max_queue`,
blocking when full, as TensorFlow). A daemon thread frames the events as TFRecords and appends
them to the file in whole records, every `flush_secs`, on `flush()`, or when a megabyte has
accumulated. `close()` writes everything queued before returning, and an `atexit` hook closes
every writer still open, so events are not lost when a program ends without closing its
writer (only `os._exit` or a hard kill can lose the last unflushed events; whatever reached
the file is whole records).

The file is created under a temporary name holding its `file_version` record and then linked
to its final name, so an event file never appears empty or half-headed; the link also refuses
to overwrite a file of the same name (two writers in one directory in one second).
"""
from __future__ import annotations

import atexit
import os
import queue
import socket
import threading
import time
import uuid

from .protos import pb
from .records import encode_record

_WRITE_THRESHOLD = 1 << 20      # bytes of framed records buffered before an early write
_open_writers: set = set()
_open_writers_lock = threading.Lock()


def _close_open_writers() -> None:
    with _open_writers_lock:
        writers = list(_open_writers)
    for writer in writers:
        try:
            writer.close()
        except Exception:   # noqa: BLE001 - at exit, one broken writer must not stop the others
            pass


atexit.register(_close_open_writers)


class _Flush:
    """A queue item asking the thread to write what it holds, then to set `done`."""

    __slots__ = ("done", "close")

    def __init__(self, close: bool = False):
        self.done = threading.Event()
        self.close = close


def event_file_name(suffix: str = "", when: float | None = None) -> str:
    """`events.out.tfevents.<10-digit seconds>.<host><suffix>` (TensorFlow's EventsWriter)."""
    seconds = int(time.time() if when is None else when)
    return f"events.out.tfevents.{seconds:010d}.{socket.gethostname()}{suffix}"


def _create_event_file(logdir: str, suffix: str, first_record: bytes) -> str:
    """Creates the event file holding `first_record`; returns its path. Never overwrites."""
    base = event_file_name()
    # The temporary name must not contain "tfevents", or TensorBoard would read it.
    tmp = os.path.join(logdir, f".tenseur-new-{os.getpid()}-{uuid.uuid4().hex}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        try:
            os.write(fd, first_record)
            os.fsync(fd)
        finally:
            os.close(fd)
        for attempt in range(1000):
            path = os.path.join(logdir, base + (f".{attempt}" if attempt else "") + suffix)
            try:
                os.link(tmp, path)
                return path
            except FileExistsError:
                continue
            except OSError:         # no hard links here: rename, after checking the name is free
                if os.path.exists(path):
                    continue
                os.replace(tmp, path)
                return path
        raise FileExistsError(f"Could not find a free event file name for {base!r} in {logdir}.")
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


class EventFileWriter:
    """Writes `Event` protos to a new event file in `logdir`, asynchronously.

    Args:
        logdir: directory of the run; created if missing.
        max_queue: events queued before `add_event` blocks for the writer thread.
        flush_secs: how often, in seconds, queued events are written to disk.
        filename_suffix: appended to the file name.
    """

    def __init__(self, logdir: str, max_queue: int = 10, flush_secs: float = 120,
                 filename_suffix: str | None = None):
        if not isinstance(max_queue, int) or max_queue < 1:
            raise ValueError(f"max_queue must be a positive integer, got max_queue={max_queue!r}.")
        if not flush_secs > 0:
            raise ValueError(f"flush_secs must be positive, got flush_secs={flush_secs!r}.")
        version = pb().event.Event(wall_time=time.time(), file_version="brain.Event:2")
        self._logdir = str(logdir)
        os.makedirs(self._logdir, exist_ok=True)
        self.path = _create_event_file(self._logdir, filename_suffix or "",
                                       encode_record(version.SerializeToString()))
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        self._flush_secs = float(flush_secs)
        self._queue: queue.Queue = queue.Queue(max_queue)
        self._error: BaseException | None = None
        self._closed = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name=f"tenseur-event-writer-{os.path.basename(self.path)}")
        self._thread.start()
        with _open_writers_lock:
            _open_writers.add(self)

    def get_logdir(self) -> str:
        return self._logdir

    @property
    def closed(self) -> bool:
        return self._closed

    def add_event(self, event) -> None:
        """Queues `event` (an `Event` proto, or its serialized bytes) for writing."""
        data = event if isinstance(event, bytes) else event.SerializeToString()
        self._check_open()
        self._put(data)

    def flush(self) -> None:
        """Writes every event queued so far to the file (and asks the OS to persist it)."""
        if self._closed:
            return
        request = _Flush()
        self._put(request)
        self._wait(request)

    def close(self) -> None:
        """Writes every queued event, then closes the file. Further calls do nothing."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        with _open_writers_lock:
            _open_writers.discard(self)
        request = _Flush(close=True)
        self._put(request)
        self._wait(request)

    # -- the caller's side -----------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError(f"EventFileWriter for {self.path} is closed; events can no "
                               f"longer be added to it.")
        self._raise_error()

    def _raise_error(self) -> None:
        if self._error is not None:
            raise OSError(f"The event writer thread for {self.path} failed: {self._error}") \
                from self._error

    def _put(self, item) -> None:
        # A dead thread would leave a full queue blocked forever: wait in slices and check it.
        while True:
            self._raise_error()
            try:
                self._queue.put(item, timeout=0.5)
                return
            except queue.Full:
                if not self._thread.is_alive():
                    self._raise_error()
                    raise RuntimeError(f"The event writer thread for {self.path} has "
                                       f"stopped.") from None

    def _wait(self, request: _Flush) -> None:
        while not request.done.wait(0.5):
            if not self._thread.is_alive():
                break
        self._raise_error()

    # -- the writer thread -----------------------------------------------------------------

    def _run(self) -> None:
        pending: list[bytes] = []
        size = 0
        deadline = time.monotonic() + self._flush_secs
        item = None
        try:
            while True:
                try:
                    item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    item = None
                if isinstance(item, bytes):
                    record = encode_record(item)
                    pending.append(record)
                    size += len(record)
                    if size < _WRITE_THRESHOLD and time.monotonic() < deadline:
                        continue
                self._write(pending)
                pending, size = [], 0
                deadline = time.monotonic() + self._flush_secs
                if isinstance(item, _Flush):
                    os.fsync(self._fd)
                    if item.close:
                        os.close(self._fd)
                        item.done.set()
                        return
                    item.done.set()
        except BaseException as exc:    # reported to the caller by its next call
            self._error = exc
            try:
                os.close(self._fd)
            except OSError:
                pass
            if isinstance(item, _Flush):
                item.done.set()
            self._release_waiters()

    def _write(self, records: list[bytes]) -> None:
        """Appends whole records with as few system calls as possible."""
        data = memoryview(b"".join(records))
        while data:
            written = os.write(self._fd, data)
            data = data[written:]

    def _release_waiters(self) -> None:
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if isinstance(item, _Flush):
                item.done.set()
