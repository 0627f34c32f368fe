"""`FileWriter` (TF 1.x) and `create_file_writer` (TF2): event files for TensorBoard.

`FileWriter(logdir, sess.graph)` writes the graph, then `add_summary(sess.run(merged), step)`
the values of the summary ops. `create_file_writer(logdir).as_default()` makes a writer the
one that `tenseur.summary.scalar(name, value, step)` and friends write to at once.
"""
from __future__ import annotations

import contextlib
import threading
import time
import warnings

import numpy as np

from .event_file_writer import EventFileWriter
from .graph_export import graph_def_proto
from .protos import pb


class FileWriter:
    """Writes `Summary` protos and the graph to an event file in `logdir` (TF 1.x API).

    Args:
        logdir: the run's directory (created if missing); `tensorboard --logdir` its parent
            or itself.
        graph: a `Graph` (usually `sess.graph`) to write for the graph dashboard.
        max_queue: events queued before `add_*` waits for the writer thread.
        flush_secs: how often, in seconds, queued events reach the disk.
        graph_def: deprecated, a `GraphDef` to write instead of `graph`.
        filename_suffix: appended to the event file's name.

    Example:
        >>> writer = tenseur.summary.FileWriter("./logs", sess.graph)
        >>> writer.add_summary(sess.run(merged, feed_dict), global_step=step)
        >>> writer.close()
    """

    def __init__(self, logdir, graph=None, max_queue=10, flush_secs=120, graph_def=None,
                 filename_suffix=None, session=None):
        if session is not None:
            raise NotImplementedError("FileWriter(session=...) writes through a TensorFlow "
                                      "session resource, which tenseur does not have; pass "
                                      "logdir and the graph instead.")
        if graph is not None and graph_def is not None:
            raise ValueError("Please pass only graph, or graph_def (deprecated), but not both.")
        # converted before the file is made, so a wrong argument leaves no file behind
        graph_proto = None
        if graph is not None or graph_def is not None:
            graph_proto = graph_def_proto(graph if graph is not None else graph_def)
        self._logdir = str(logdir)
        self._options = (max_queue, flush_secs, filename_suffix)
        self._event_writer = EventFileWriter(self._logdir, max_queue, flush_secs, filename_suffix)
        self._closed = False
        self._warned_closed = False
        self._seen_summary_tags: set[str] = set()
        if graph_proto is not None:
            self.add_graph(graph_proto)

    def get_logdir(self) -> str:
        """The directory events are written to."""
        return self._logdir

    @property
    def path(self) -> str:
        """The path of the current event file."""
        return self._event_writer.path

    def add_event(self, event) -> None:
        """Adds an `Event` proto as is. After `close()` it is dropped with a warning (TF 1.x
        drops it silently; `reopen()` starts a new file)."""
        if self._closed:
            if not self._warned_closed:
                self._warned_closed = True
                warnings.warn(f"FileWriter for {self._logdir} is closed: events added after "
                              f"close() are dropped. Call reopen() first.", stacklevel=3)
            return
        self._event_writer.add_event(event)

    def _add_event(self, event, step) -> None:
        event.wall_time = time.time()
        if step is not None:
            event.step = _as_step(step)
        self.add_event(event)

    def add_summary(self, summary, global_step=None) -> None:
        """Adds a `Summary`: the bytes `sess.run` gives for a summary op, or a `Summary` proto.

        As in TF 1.x, only the first value of each tag keeps its plugin metadata (TensorBoard
        reads it from the first value only).
        """
        summary_pb2 = pb().summary
        proto = summary_pb2.Summary()
        if isinstance(summary, np.ndarray) and summary.ndim == 0:
            summary = summary.item()
        if isinstance(summary, (bytes, bytearray, np.bytes_)):
            proto.ParseFromString(bytes(summary))
        elif isinstance(summary, summary_pb2.Summary):
            proto.CopyFrom(summary)
        else:
            raise TypeError(f"add_summary expects the serialized Summary bytes sess.run returns "
                            f"for a summary op, or a Summary proto; got {type(summary).__name__}.")
        for value in proto.value:
            if not value.HasField("metadata"):
                continue
            if value.tag in self._seen_summary_tags:
                value.ClearField("metadata")
            else:
                self._seen_summary_tags.add(value.tag)
        self._add_event(pb().event.Event(summary=proto), global_step)

    def add_graph(self, graph, global_step=None, graph_def=None) -> None:
        """Writes `graph` (a `Graph`, e.g. `sess.graph`) for TensorBoard's graph dashboard."""
        if graph is not None and graph_def is not None:
            raise ValueError("Please pass only graph, or graph_def (deprecated), but not both.")
        proto = graph_def_proto(graph if graph is not None else graph_def)
        self._add_event(pb().event.Event(graph_def=proto.SerializeToString()), global_step)

    def add_session_log(self, session_log, global_step=None) -> None:
        """Adds a `SessionLog` proto (status START / STOP / CHECKPOINT)."""
        self._add_event(pb().event.Event(session_log=session_log), global_step)

    def flush(self) -> None:
        """Writes all queued events to disk."""
        self._event_writer.flush()

    def close(self) -> None:
        """Writes all queued events and closes the file; `reopen()` starts a new one."""
        self._event_writer.close()
        self._closed = True

    def reopen(self) -> None:
        """After `close()`, continues in a new event file of the same directory."""
        if self._closed:
            self._event_writer = EventFileWriter(self._logdir, *self._options)
            self._closed = False
            self._warned_closed = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<tenseur.summary.FileWriter {self._logdir!r} ({state})>"


def _as_step(step) -> int:
    numpy_value = getattr(step, "numpy", None)
    if callable(numpy_value):
        step = numpy_value()
    try:
        return int(np.asarray(step).item())
    except (TypeError, ValueError):
        raise TypeError(f"A summary step must be an integer (or a 0-d integer array), got "
                        f"{step!r}. For a graph's global step, run it first: "
                        f"step = sess.run(global_step).") from None


# -- TF2: default writer and step ------------------------------------------------------------

_state = threading.local()


def _writer_stack() -> list:
    if not hasattr(_state, "writers"):
        _state.writers = []
    return _state.writers


class SummaryWriter:
    """A TF2 summary writer, made by `create_file_writer`; `as_default()` makes it current."""

    def __init__(self, logdir, max_queue=10, flush_millis=120000, filename_suffix=".v2"):
        self._file_writer = FileWriter(logdir, max_queue=max_queue,
                                       flush_secs=flush_millis / 1000.0,
                                       filename_suffix=filename_suffix)

    @property
    def logdir(self) -> str:
        return self._file_writer.get_logdir()

    @contextlib.contextmanager
    def as_default(self, step=None):
        """Inside the block, summary calls write here (with `step` when given)."""
        stack = _writer_stack()
        stack.append(self)
        old_step = get_step()
        if step is not None:
            set_step(step)
        try:
            yield self
        finally:
            if step is not None:
                set_step(old_step)
            if self in stack:           # close() inside the block already removed it
                stack.remove(self)
            self.flush()

    def set_as_default(self, step=None) -> None:
        """Makes this writer the default one of this thread until another is set."""
        _writer_stack()[:] = [self]
        if step is not None:
            set_step(step)

    def init(self) -> None:
        """Nothing to do: the event file is opened when the writer is made."""

    def write_summary(self, value, step) -> None:
        """Writes one `Summary.Value` at `step`."""
        self._file_writer.add_summary(pb().summary.Summary(value=[value]), _as_step(step))

    def write_graph(self, graph, step=0) -> None:
        self._file_writer.add_graph(graph, global_step=step)

    def flush(self) -> None:
        self._file_writer.flush()

    def close(self) -> None:
        stack = _writer_stack()
        if self in stack:
            stack.remove(self)
        self._file_writer.close()


def create_file_writer(logdir, max_queue=None, flush_millis=None, filename_suffix=None,
                       name=None, experimental_trackable=False) -> SummaryWriter:
    """A TF2 summary writer for `logdir` (files end in `.v2`, as TensorFlow's).

    Example:
        >>> writer = tenseur.summary.create_file_writer("./logs/train")
        >>> with writer.as_default():
        ...     tenseur.summary.scalar("loss", 0.25, step=1)
        True
    """
    return SummaryWriter(logdir, max_queue=10 if max_queue is None else max_queue,
                         flush_millis=120000 if flush_millis is None else flush_millis,
                         filename_suffix=".v2" if filename_suffix is None else filename_suffix)


def create_noop_writer():
    """A writer that writes nothing: summaries inside its `as_default()` are skipped."""
    return _NoopWriter()


class _NoopWriter:
    @contextlib.contextmanager
    def as_default(self, step=None):
        stack = _writer_stack()
        stack.append(self)
        try:
            yield self
        finally:
            if self in stack:
                stack.remove(self)

    def set_as_default(self, step=None) -> None:
        _writer_stack()[:] = [self]

    def write_summary(self, value, step) -> None:
        pass

    def write_graph(self, graph, step=0) -> None:
        pass

    def init(self) -> None:
        pass

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


def default_writer():
    """The writer of the innermost `as_default()` of this thread, or None."""
    stack = _writer_stack()
    return stack[-1] if stack else None


def set_step(step) -> None:
    """Sets the step summaries use when called without `step` (None unsets it)."""
    _state.step = step


def get_step():
    """The step set by `set_step` (or `as_default(step=...)`), or None."""
    return getattr(_state, "step", None)


def flush(writer=None, name=None) -> None:
    """Flushes `writer`, or the default writer."""
    writer = writer if writer is not None else default_writer()
    if writer is not None:
        writer.flush()


def write_graph(graph_data) -> bool:
    """TF2 `tf.summary.graph`: writes a `Graph` (or GraphDef) to the default writer at step 0;
    False when there is no default writer."""
    writer = default_writer()
    if writer is None:
        return False
    writer.write_graph(graph_data, step=0)
    return True
