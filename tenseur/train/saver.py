"""`Saver`: saves variable values of a session to checkpoints and restores them (TF 1.x).

Values are read straight from the session's state and written back to it, so saving and
restoring add no ops to the graph. The file format and the crash-safe writing are described
in `checkpoint_io`; the `checkpoint` state file in `checkpoint_management`. The `.meta` file
written beside a checkpoint is JSON describing the graph's variables and nodes (names, op
types, inputs): informative, for tools; it cannot rebuild the graph.
"""
from __future__ import annotations

import json
import numbers
import os
import time

from ..framework.errors import GraphMismatchError, InvalidArgumentError, NotFoundError
from ..framework.graph import GraphKeys, get_default_graph
from ..framework.session import BaseSession
from ..ops.variables import Variable
from . import checkpoint_io, checkpoint_management
from .training_util import global_step as _global_step_value

__all__ = ["Saver"]


class Saver:
    """Saves and restores variables.

    Args:
        var_list: the variables to save: a list (saved under their names, `layer1/W`) or a dict
            from checkpoint names to variables. Default: every global variable of the default
            graph at construction time (optimizer slots and the global step included).
        max_to_keep: how many recent checkpoints to keep; older ones are deleted as new ones
            are saved (None or 0 keeps all).
        keep_checkpoint_every_n_hours: additionally keep one checkpoint per this many hours.
        allow_empty: with no variables, make a saver that does nothing instead of raising.
        pad_step_number: name checkpoints `model.ckpt-00001000` rather than `model.ckpt-1000`.
        save_relative_paths: write the state file with paths relative to its directory.
        defer_build: collect the variables at the first save or restore (or `build()`).
        reshape, sharded, name, restore_sequentially, saver_def, builder, write_version,
            filename: accepted for TF 1.x compatibility (one data shard, format version 1).
    Raises:
        ValueError: there are no variables to save, or two of them share a name.
        TypeError: an entry of `var_list` is not a Variable.
    Example:
        >>> saver = tenseur.train.Saver(max_to_keep=3)
        >>> saver.save(sess, "/tmp/model/model.ckpt", global_step=1000)
        '/tmp/model/model.ckpt-1000'
        >>> saver.restore(sess, tenseur.train.latest_checkpoint("/tmp/model"))
    """

    def __init__(self, var_list=None, reshape=False, sharded=False, max_to_keep=5,
                 keep_checkpoint_every_n_hours=10000.0, name=None, restore_sequentially=False,
                 saver_def=None, builder=None, defer_build=False, allow_empty=False,
                 write_version=None, pad_step_number=False, save_relative_paths=False,
                 filename=None):
        self._var_list_arg = var_list
        self._max_to_keep = max_to_keep
        self._keep_every_s = keep_checkpoint_every_n_hours * 3600.0
        self._next_checkpoint_time = time.time() + self._keep_every_s
        self._allow_empty = allow_empty
        self._pad_step_number = pad_step_number
        self._save_relative_paths = save_relative_paths
        self._last_checkpoints: list[tuple[str, float]] = []    # (prefix, time saved)
        self._to_delete: list[tuple[str, float]] = []
        self._variables: dict[str, Variable] | None = None
        self._graph = None
        if not defer_build:
            self.build()

    def build(self) -> None:
        """Collects the variables to save (done by the constructor unless `defer_build`)."""
        if self._variables is not None:
            return
        self._graph = get_default_graph()
        var_list = self._var_list_arg
        if var_list is None:
            var_list = self._graph.get_collection(GraphKeys.GLOBAL_VARIABLES)
        self._variables = _variables_by_name(var_list)
        if not self._variables and not self._allow_empty:
            raise ValueError("No variables to save")
        if self._variables:
            self._graph = next(iter(self._variables.values())).graph

    # -- saving ----------------------------------------------------------------------------

    def save(self, sess, save_path, global_step=None, latest_filename=None,
             meta_graph_suffix="meta", write_meta_graph=True, write_state=True,
             strip_default_attrs=False, save_debug_info=False):
        """Saves the variables' values in `sess` to the checkpoint `save_path[-global_step]`.

        Args:
            sess: the session holding the values.
            save_path: the checkpoint prefix, e.g. "/tmp/model/model.ckpt"; its directory must
                exist.
            global_step: an int, or a global-step Variable/Tensor, appended to the prefix.
            latest_filename: the state file's name in the directory (default "checkpoint").
            write_meta_graph: also write `<prefix>.<meta_graph_suffix>`.
            write_state: update the state file and delete checkpoints beyond `max_to_keep`.
        Returns:
            The checkpoint prefix written (e.g. "/tmp/model/model.ckpt-1000"); None for an
            empty saver.
        Raises:
            FailedPreconditionError: a variable is not initialized in `sess`.
            ValueError: the directory of `save_path` does not exist.
        """
        self.build()
        if not self._variables:
            return None
        self._check_session(sess, "save")
        latest_filename = latest_filename or "checkpoint"
        if os.path.split(latest_filename)[0]:
            raise ValueError(f"'latest_filename' must be a base name, got {latest_filename!r}.")
        if global_step is not None:
            if not isinstance(global_step, numbers.Integral):    # NumPy integers included
                global_step = _global_step_value(sess, global_step)
            prefix = (f"{save_path}-{global_step:08d}" if self._pad_step_number
                      else f"{save_path}-{global_step}")
        else:
            prefix = save_path
            if os.path.basename(save_path) == latest_filename:
                raise ValueError(f"'latest_filename' collides with 'save_path': "
                                 f"{latest_filename!r} and {save_path!r}.")
        save_dir = os.path.dirname(save_path)
        if save_dir and not os.path.isdir(save_dir):
            raise ValueError(f"Parent directory of {save_path} doesn't exist, can't save.")
        read = sess._state.read_variable
        values = {name: read(var._var_name) for name, var in self._variables.items()}

        files = checkpoint_io.AtomicFiles()
        try:
            if write_meta_graph:
                meta_path = checkpoint_management.meta_graph_filename(prefix, meta_graph_suffix)
                with files.open(meta_path) as f:
                    f.write(self._meta_graph_json())
            checkpoint_io.write_checkpoint(files, prefix, values)   # the .index is last
            files.commit()
        finally:
            files.discard()
        if write_state:
            self._record_last_checkpoint(prefix)
            checkpoint_management.update_checkpoint_state(
                save_dir, prefix, [p for p, _ in self._last_checkpoints], latest_filename,
                save_relative_paths=self._save_relative_paths)
            self._delete_old_checkpoints(meta_graph_suffix)
        return prefix

    def _record_last_checkpoint(self, prefix) -> None:
        """Appends `prefix` to the kept checkpoints; those beyond `max_to_keep` are queued for
        deletion (done once the state file no longer names them)."""
        if not self._max_to_keep:
            return
        self._last_checkpoints = [(p, t) for p, t in self._last_checkpoints if p != prefix]
        self._last_checkpoints.append((prefix, time.time()))
        while len(self._last_checkpoints) > self._max_to_keep:
            self._to_delete.append(self._last_checkpoints.pop(0))

    def _delete_old_checkpoints(self, meta_graph_suffix) -> None:
        """Deletes the queued checkpoints, except one per `keep_checkpoint_every_n_hours`
        (TF's rule)."""
        while self._to_delete:
            prefix, saved_at = self._to_delete.pop(0)
            if saved_at > self._next_checkpoint_time:
                self._next_checkpoint_time += self._keep_every_s
                continue
            checkpoint_io.remove_checkpoint(prefix, meta_graph_suffix)

    @property
    def last_checkpoints(self) -> list:
        """The prefixes of the checkpoints this saver keeps, oldest first."""
        return [p for p, _ in self._last_checkpoints]

    def set_last_checkpoints(self, last_checkpoints) -> None:
        self._last_checkpoints = [(p, time.time()) for p in last_checkpoints]

    def set_last_checkpoints_with_time(self, last_checkpoints_with_time) -> None:
        self._last_checkpoints = list(last_checkpoints_with_time)

    def recover_last_checkpoints(self, checkpoint_paths) -> None:
        """Takes over existing checkpoints (e.g. after a restart) so `max_to_keep` prunes them."""
        found = [(p, os.path.getmtime(checkpoint_io.index_path(p))) for p in checkpoint_paths
                 if checkpoint_io.checkpoint_exists(p)]
        self._last_checkpoints = sorted(found, key=lambda item: item[1])

    def _meta_graph_json(self) -> bytes:
        graph = self._graph
        trainable = set(map(id, graph.get_collection(GraphKeys.TRAINABLE_VARIABLES)))
        meta = {
            "format": "tenseur-meta-graph", "version": 1,
            "variables": [{"name": name, "variable": var.name, "dtype": var.dtype.name,
                           "shape": var.shape.as_list() if var.shape.ndims is not None
                           else None, "trainable": id(var) in trainable}
                          for name, var in self._variables.items()],
            "nodes": [{"name": op.name, "op": op.type,
                       "input": [t.name for t in op.inputs]
                       + ["^" + c.name for c in op.control_inputs]}
                      for op in graph.get_operations()],
        }
        return json.dumps(meta).encode("utf-8")

    # -- restoring -------------------------------------------------------------------------

    def restore(self, sess, save_path) -> None:
        """Sets the variables in `sess` to the values of checkpoint `save_path` (no initializer
        needed). Either every variable is restored or, on error, none is changed.

        Raises:
            ValueError: `save_path` is None or names no checkpoint.
            NotFoundError: a variable is missing from the checkpoint.
            InvalidArgumentError: a variable's shape or dtype differs from the saved one.
            DataLossError: the checkpoint files are corrupted.
        """
        self.build()
        if not self._variables:
            return
        if save_path is None:
            raise ValueError("Can't load save_path when it is None.")
        self._check_session(sess, "restore")
        if not checkpoint_io.checkpoint_exists(save_path):
            raise ValueError(f"The passed save_path is not a valid checkpoint: {save_path}")
        reader = checkpoint_io.CheckpointReader(save_path)
        shapes, dtypes = reader.get_variable_to_shape_map(), reader.get_variable_to_dtype_map()
        for name, var in self._variables.items():
            if name not in shapes:
                raise NotFoundError(
                    f"Key {name} not found in checkpoint {save_path}: the graph has a variable "
                    f"{var.name} that the checkpoint does not hold.", node_name=var.op.name,
                    hint=f"the checkpoint holds {_preview(shapes)}; restore with a Saver whose "
                         f"var_list maps checkpoint names to variables, or initialize the new "
                         f"variables before restoring the others")
            _check_compatible(name, var, tuple(shapes[name]), dtypes[name], save_path)
        values = reader.get_tensors(list(self._variables))
        write = sess._state.write_variable
        for name, var in self._variables.items():
            write(var._var_name, values[name])

    def _check_session(self, sess, action) -> None:
        if not isinstance(sess, BaseSession):
            raise TypeError(f"Saver.{action}: 'sess' must be a Session; got {sess!r}.")
        if sess.graph is not self._graph:
            raise GraphMismatchError(f"Saver.{action}: the session runs another graph than the "
                                     f"one holding this saver's variables.")


def _check_compatible(name, var, saved_shape, saved_dtype, save_path) -> None:
    if not var.shape.is_compatible_with(saved_shape):
        raise InvalidArgumentError(
            f"Restoring {var.op.name} from checkpoint {save_path}: the variable has shape "
            f"{_shape_text(var.shape.as_list())} but the checkpoint holds shape "
            f"{_shape_text(saved_shape)} under {name}.", node_name=var.op.name,
            hint="the graph differs from the one that was saved; build the same model, or "
                 "leave this variable out of the Saver's var_list")
    if saved_dtype != var.dtype:
        raise InvalidArgumentError(
            f"Restoring {var.op.name} from checkpoint {save_path}: the variable has dtype "
            f"{var.dtype.name} but the checkpoint holds {saved_dtype.name} under {name}.",
            node_name=var.op.name)


def _shape_text(dims) -> str:
    return str(tuple(dims))


def _preview(shapes) -> str:
    names = list(shapes)
    shown = ", ".join(names[:8]) + (f", ... ({len(names)} in all)" if len(names) > 8 else "")
    return f"[{shown}]"


def _variables_by_name(var_list) -> dict:
    """{checkpoint name: Variable} from a list of variables or a dict name → variable."""
    if isinstance(var_list, dict):
        items = [(name, _as_variable(v)) for name, v in var_list.items()]
    else:
        items = [(v.op.name, v) for v in map(_as_variable, var_list)]
    out: dict[str, Variable] = {}
    for name, var in items:
        if name in out:
            if out[name] is var:
                continue
            raise ValueError(f"At least two variables have the same name: {name}")
        out[name] = var
    return out


def _as_variable(value):
    if isinstance(value, Variable):
        return value
    variable = getattr(getattr(value, "op", None), "_variable", None)
    if variable is None:
        raise TypeError(f"Saver: var_list entries must be Variables, got {value!r}.")
    return variable
