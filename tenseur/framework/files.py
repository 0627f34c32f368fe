"""Writing files so that a crash never leaves a half-written one where a good one was.

Every file tenseur writes (checkpoints, saved Keras models and weights, `checkpoint` state
files) goes through here: the content goes to a hidden temporary name in the destination's
directory (same file system, so the rename is atomic), is flushed and fsynced, then renamed
over the destination with `os.replace` (atomic on POSIX and Windows); the directory is fsynced
so the rename survives a power cut. On any error the temporaries are removed and the previous
files are untouched.
"""
from __future__ import annotations

import contextlib
import os
import uuid

__all__ = ["AtomicFiles", "atomic_write", "write_file_atomically", "fsync_directory"]


class AtomicFiles:
    """Files written under temporary names, then all renamed into place by `commit()`.

    Example:
        >>> files = AtomicFiles()
        >>> try:
        ...     with files.open("a.data") as f:
        ...         f.write(b"...")
        ...     files.commit()
        ... finally:
        ...     files.discard()        # removes the temporaries left by an error
    """

    def __init__(self):
        self._staged: list[tuple[str, str]] = []     # (temporary, destination)

    @contextlib.contextmanager
    def open(self, path, readable: bool = False):
        """A binary file to write (and read back, with `readable`: zip archives seek and read
        what they wrote); on a clean exit it is flushed and fsynced, not yet renamed."""
        path = os.fspath(path)
        directory, base = os.path.split(os.path.abspath(path))
        temporary = os.path.join(directory, f".{base}.tmp-{uuid.uuid4().hex[:12]}")
        access = os.O_RDWR if readable else os.O_WRONLY
        fd = os.open(temporary, access | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o666)
        self._staged.append((temporary, path))
        with os.fdopen(fd, "w+b" if readable else "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())

    def commit(self) -> None:
        """Renames every staged file into place, in the order they were opened."""
        directories = set()
        while self._staged:
            temporary, path = self._staged[0]
            os.replace(temporary, path)
            self._staged.pop(0)
            directories.add(os.path.dirname(os.path.abspath(path)))
        for directory in directories:
            fsync_directory(directory)

    def discard(self) -> None:
        """Removes the temporaries not yet committed (after an error)."""
        for temporary, _ in self._staged:
            with contextlib.suppress(FileNotFoundError):
                os.remove(temporary)
        self._staged.clear()


@contextlib.contextmanager
def atomic_write(path):
    """A binary file object (readable too) whose content replaces `path` when the block ends
    without error; on an error `path` is untouched and the temporary removed.

    Example:
        >>> with atomic_write("model.keras") as f:
        ...     f.write(data)
    """
    files = AtomicFiles()
    try:
        with files.open(path, readable=True) as f:
            yield f
        files.commit()
    finally:
        files.discard()


def write_file_atomically(path, content: bytes) -> None:
    """Replaces `path` by `content` so that readers see the old or the new file, never a mix."""
    with atomic_write(path) as f:
        f.write(content)


def fsync_directory(directory: str) -> None:
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
