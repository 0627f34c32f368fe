"""The `checkpoint` state file of a checkpoint directory, and finding the latest checkpoint.

The state file is the text TF 1.x writes (a `CheckpointState` protocol buffer in text form)::

    model_checkpoint_path: "model.ckpt-1000"
    all_model_checkpoint_paths: "model.ckpt-800"
    all_model_checkpoint_paths: "model.ckpt-1000"

It is always written last, atomically, so it only ever names complete checkpoints.
"""
from __future__ import annotations

import os
import re

from .checkpoint_io import CheckpointReader, checkpoint_exists, write_file_atomically

__all__ = ["CheckpointState", "get_checkpoint_state", "update_checkpoint_state",
           "latest_checkpoint", "list_variables", "load_variable", "load_checkpoint",
           "meta_graph_filename"]

_LINE = re.compile(r'^\s*(\w+)\s*:\s*"((?:[^"\\]|\\.)*)"\s*$')
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "'": "'", "\\": "\\"}


class CheckpointState:
    """`model_checkpoint_path` (the latest) and `all_model_checkpoint_paths` (oldest first)."""

    def __init__(self, model_checkpoint_path="", all_model_checkpoint_paths=()):
        self.model_checkpoint_path = model_checkpoint_path
        self.all_model_checkpoint_paths = list(all_model_checkpoint_paths)

    def __str__(self) -> str:
        lines = [f'model_checkpoint_path: "{_escape(self.model_checkpoint_path)}"']
        lines += [f'all_model_checkpoint_paths: "{_escape(p)}"'
                  for p in self.all_model_checkpoint_paths]
        return "\n".join(lines) + "\n"

    __repr__ = __str__


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text)


def _state_path(checkpoint_dir, latest_filename) -> str:
    return os.path.join(checkpoint_dir, latest_filename or "checkpoint")


def get_checkpoint_state(checkpoint_dir, latest_filename=None):
    """The `CheckpointState` of `checkpoint_dir`, or None when it has no readable state file.

    Relative paths in the file are returned joined to `checkpoint_dir`.
    """
    try:
        with open(_state_path(checkpoint_dir, latest_filename), encoding="utf-8") as f:
            text = f.read()
    except (FileNotFoundError, NotADirectoryError):
        return None
    state = CheckpointState()
    for line in text.splitlines():
        if not line.strip():
            continue
        match = _LINE.match(line)
        if match is None:
            return None                          # not a state file we wrote: ignore it (TF)
        key, value = match.group(1), _unescape(match.group(2))
        if not os.path.isabs(value):
            value = os.path.join(checkpoint_dir, value)
        if key == "model_checkpoint_path":
            state.model_checkpoint_path = value
        elif key == "all_model_checkpoint_paths":
            state.all_model_checkpoint_paths.append(value)
    if not state.model_checkpoint_path:
        return None
    return state


def update_checkpoint_state(save_dir, model_checkpoint_path, all_model_checkpoint_paths=None,
                            latest_filename=None, all_model_checkpoint_timestamps=None,
                            last_preserved_timestamp=None, save_relative_paths=False):
    """Writes the state file of `save_dir` atomically: `model_checkpoint_path` is the latest,
    `all_model_checkpoint_paths` (which then ends with it) the ones kept, oldest first.

    Paths are written relative to `save_dir` when it is relative (as TF) or with
    `save_relative_paths`, so that the directory can be moved.
    """
    paths = list(all_model_checkpoint_paths or [])
    if not paths or paths[-1] != model_checkpoint_path:
        paths.append(model_checkpoint_path)
    if save_relative_paths or not os.path.isabs(save_dir):
        model_checkpoint_path = os.path.relpath(model_checkpoint_path, save_dir or os.curdir)
        paths = [os.path.relpath(p, save_dir or os.curdir) for p in paths]
    state = CheckpointState(model_checkpoint_path, paths)
    write_file_atomically(_state_path(save_dir, latest_filename), str(state).encode("utf-8"))


def latest_checkpoint(checkpoint_dir, latest_filename=None):
    """The prefix of the latest complete checkpoint in `checkpoint_dir`, or None.

    Example:
        >>> saver.restore(sess, tenseur.train.latest_checkpoint("/tmp/model"))
    """
    state = get_checkpoint_state(checkpoint_dir, latest_filename)
    if state is not None and checkpoint_exists(state.model_checkpoint_path):
        return state.model_checkpoint_path
    return None


def meta_graph_filename(checkpoint_filename, meta_graph_suffix="meta"):
    """`model.ckpt-1000` → `model.ckpt-1000.meta`."""
    base = re.sub(r"-[\d\?]+-of-\d+$", "", checkpoint_filename)
    return f"{base}.{meta_graph_suffix}"


# -- reading checkpoints by directory or prefix --------------------------------------------

def _prefix_of(ckpt_dir_or_file):
    if os.path.isdir(ckpt_dir_or_file):
        prefix = latest_checkpoint(ckpt_dir_or_file)
        if prefix is None:
            raise ValueError(f"Couldn't find 'checkpoint' file or checkpoints in given "
                             f"directory {ckpt_dir_or_file}")
        return prefix
    return ckpt_dir_or_file


def load_checkpoint(ckpt_dir_or_file) -> CheckpointReader:
    """A reader of the checkpoint `ckpt_dir_or_file` (a prefix, or a directory: its latest)."""
    return CheckpointReader(_prefix_of(ckpt_dir_or_file))


def list_variables(ckpt_dir_or_file) -> list:
    """The (name, shape) pairs of a checkpoint, sorted by name."""
    return sorted(load_checkpoint(ckpt_dir_or_file).get_variable_to_shape_map().items())


def load_variable(ckpt_dir_or_file, name):
    """The value saved under `name` (a trailing ":0" is ignored)."""
    if name.endswith(":0"):
        name = name[:-2]
    return load_checkpoint(ckpt_dir_or_file).get_tensor(name)
