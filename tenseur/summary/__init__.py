"""TensorBoard summaries: event files that the real TensorBoard reads (`tf.summary`).

TF 1.x, graph mode:
    >>> loss_summary = tenseur.summary.scalar("loss", loss)
    >>> merged = tenseur.summary.merge_all()
    >>> writer = tenseur.summary.FileWriter("./logs", sess.graph)
    >>> writer.add_summary(sess.run(merged, feed_dict), global_step=step)

TF2 style, concrete values:
    >>> with tenseur.summary.create_file_writer("./logs/train").as_default():
    ...     tenseur.summary.scalar("loss", 0.25, step=1)

Then `tenseur board ./logs` (or `tensorboard --logdir ./logs`). The protobuf classes come
from the `tensorboard` package (`pip install "tenseur[board]"`), imported on first use.
"""
from . import experimental  # noqa: F401
from .event_file_writer import EventFileWriter  # noqa: F401
from .graph_export import graph_def_proto  # noqa: F401
from .records import crc32c, encode_record, masked_crc32c, read_records  # noqa: F401
from .summary_ops import histogram, image, merge, merge_all, scalar, text  # noqa: F401
from .values import clean_tag  # noqa: F401
from .writer import (FileWriter, SummaryWriter, create_file_writer,  # noqa: F401
                     create_noop_writer, flush)
from .writer import write_graph as graph  # noqa: F401

__all__ = ["FileWriter", "SummaryWriter", "create_file_writer", "create_noop_writer", "flush",
           "scalar", "histogram", "image", "text", "merge", "merge_all", "graph",
           "graph_def_proto", "experimental", "EventFileWriter", "read_records"]

# TF 1.x also exposes the protos here (`tf.summary.Summary(value=[...])`); loaded on use.
_PROTOS = {"Summary": "summary", "SummaryDescription": "summary", "Event": "event",
           "SessionLog": "event", "TaggedRunMetadata": "event"}


def __getattr__(name):
    if name in _PROTOS:
        from .protos import pb
        return getattr(getattr(pb(), _PROTOS[name]), name)
    raise AttributeError(f"module 'tenseur.summary' has no attribute {name!r}")
