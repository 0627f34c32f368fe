"""Writing a file so that a crash never leaves a half-written one where a good one was.

The content goes to a hidden temporary file in the destination's directory (same file system,
so the rename is atomic), is flushed and fsynced, then renamed over the destination with
`os.replace`; the directory is fsynced so the rename survives a power cut. On any error the
temporary file is removed and the previous file is untouched.
"""
from __future__ import annotations

import contextlib
import os
import uuid


@contextlib.contextmanager
def atomic_write(path):
    """A binary file object whose content replaces `path` when the block ends without error.

    Example:
        >>> with atomic_write("model.keras") as f:
        ...     f.write(data)
    """
    path = os.fspath(path)
    directory, base = os.path.split(os.path.abspath(path))
    temporary = os.path.join(directory, f".{base}.tmp-{uuid.uuid4().hex[:12]}")
    fd = os.open(temporary, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "w+b") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)
        raise
    _fsync_directory(directory)


def write_bytes(path, data: bytes) -> None:
    """Replaces `path` by `data` atomically (see the module docstring)."""
    with atomic_write(path) as f:
        f.write(data)


def _fsync_directory(directory: str) -> None:
    """Makes a rename durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
