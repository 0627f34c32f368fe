"""Keras' saving writes through tenseur's atomic files (tenseur/framework/files.py): a crash
never leaves a half-written `.keras` or `.h5` file where a good one was."""
from ...framework.files import atomic_write, write_file_atomically as write_bytes

__all__ = ["atomic_write", "write_bytes"]
