"""Atomic file writing: the old file survives any error, no temporary is left behind."""
import os

import pytest

from tenseur.framework.files import AtomicFiles, atomic_write, write_file_atomically


def test_write_replaces_the_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"old")
    write_file_atomically(path, b"new")
    assert path.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["f.bin"]


def test_an_error_while_writing_keeps_the_old_file(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_write(path) as f:
        f.write(b"half")
        raise RuntimeError("crash")
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["f.bin"]


def test_atomic_write_can_read_back_what_it_wrote(tmp_path):
    with atomic_write(tmp_path / "z") as f:
        f.write(b"abc")
        f.seek(0)
        assert f.read() == b"abc"


def test_files_are_renamed_only_on_commit(tmp_path):
    files = AtomicFiles()
    try:
        for name in ("a", "b"):
            with files.open(tmp_path / name) as f:
                f.write(name.encode())
        assert not (tmp_path / "a").exists()
        files.commit()
    finally:
        files.discard()
    assert sorted(os.listdir(tmp_path)) == ["a", "b"]
