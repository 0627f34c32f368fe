"""Keras 3's weights layout: `model.weights.h5` in a `.keras` archive, and `.weights.h5` files.

    layers/<slot>/vars/0, 1, ...   a layer's own variables: trainable, then non-trainable
    layers/<slot>/layers/...       a nested model's layers, the same way
    layers/<slot>/<attr>/vars/...  a custom layer's sublayers, under their attribute names
    vars/                          the model's own variables (usually none)
    optimizer/vars/0..N            the optimizer's variables, when there are some

`<slot>` is the snake_case class name, made unique per container in layer order (`dense`,
`dense_1`, `batch_normalization`), not the layer name: names are auto-generated, so two
builds of one architecture differ in names but not in slots. As in recent Keras 3 files,
each `vars` group also carries the layer's name as attribute `name`, which `by_name=True`
matches instead of slots. Groups that no layer reads below a layer's slot (Keras 3 keeps a
Dropout's seed there) are ignored.
"""
from __future__ import annotations

import numpy as np

from .. import backend
from ..engine.base_layer import Layer
from ..engine.functional import Functional
from . import hdf5
from .loading import WeightAssigner

# Engine bookkeeping that holds layers but is not a child to save (the graph's layers are
# saved through `layers`, a subclassed model's through their attribute names).
_ENGINE_ATTRS = frozenset({"_layers", "_stack", "_subclassed_layers", "_input_layer",
                           "_nodes_by_depth", "_inbound_nodes", "_outer", "_nested_inputs",
                           "_nested_outputs", "inputs", "outputs", "optimizer", "history"})


def own_variables(layer) -> list:
    """The variables a layer created itself, in Keras' order (trainable, then non-trainable)."""
    return list(layer._trainable_weights) + list(layer._non_trainable_weights)


def _name_key(name: str) -> str:
    return "~" + name if name.startswith("_") else name      # private attributes last


def _children(layer):
    """(attribute, child) pairs in Keras 3's order: a graph model's `layers` first, then
    attributes holding layers (or lists/dicts of layers), sorted by name, private last."""
    if isinstance(layer, Functional):
        yield "layers", layer.layers
    attributes = vars(layer)
    for attr in sorted(attributes, key=_name_key):
        if attr.startswith("__") or attr in _ENGINE_ATTRS:
            continue
        value = attributes[attr]
        if isinstance(value, Layer):
            yield attr, value
        elif isinstance(value, (list, tuple, dict)):
            items = list(value.values()) if isinstance(value, dict) else list(value)
            if any(isinstance(item, Layer) for item in items):
                yield attr, items


def variable_slots(model) -> list:
    """[(path, layer)] for the model and every layer it holds, each layer once, in file order
    (the model itself first, at path "")."""
    return _plan(model)[0]


def _plan(model):
    """(slots, containers): slots as in `variable_slots`; containers maps each container path
    ("layers", "layers/functional/layers") to the slots the model fills there."""
    slots, containers, visited = [], {}, set()

    def visit(layer, path):
        if id(layer) in visited:
            return
        visited.add(id(layer))
        slots.append((path, layer))
        for attr, child in _children(layer):
            child_path = f"{path}/{attr}" if path else attr
            if isinstance(child, Layer):
                visit(child, child_path)
                continue
            used: dict = {}
            names = containers.setdefault(child_path, set())
            for item in child:
                if not isinstance(item, Layer):
                    continue
                name = backend.snake_case(type(item).__name__)
                if name in used:
                    used[name] += 1
                    name = f"{name}_{used[name]}"
                else:
                    used[name] = 0
                names.add(name)
                visit(item, f"{child_path}/{name}")
    visit(model, "")
    return slots, containers


def _vars_path(path: str) -> str:
    return f"{path}/vars" if path else "vars"


def write_weights(h5file, model, optimizer_state=None) -> None:
    """Writes every variable of `model` (and `optimizer_state` = (name, variables)) to h5file."""
    slots = _plan(model)[0]
    variables = [v for _, layer in slots for v in own_variables(layer)]
    if optimizer_state is not None:
        variables += list(optimizer_state[1])
    values = iter(backend.batch_get_value(variables))
    for path, layer in slots:
        group = h5file.create_group(_vars_path(path))
        group.attrs["name"] = layer.name
        for i, _ in enumerate(own_variables(layer)):
            group.create_dataset(str(i), data=next(values))
    if optimizer_state is not None:
        name, optimizer_variables = optimizer_state
        group = h5file.create_group("optimizer/vars")
        group.attrs["name"] = name
        for i, _ in enumerate(optimizer_variables):
            group.create_dataset(str(i), data=next(values))


def read_vars(group) -> list:
    """The datasets 0, 1, ... of a vars group, in index order."""
    keys = sorted(group.keys(), key=lambda k: int(k) if k.isdigit() else -1)
    return [np.asarray(group[k][()]) for k in keys]


def load_weights(h5file, model, *, source: str, skip_mismatch=False, by_name=False):
    """Sets `model`'s variables from a file in this layout (see the module docstring).

    Raises:
        ValueError: a layer's weight count or shapes differ from the file, or a layer with
            weights has no entry (unless skip_mismatch=True, which warns and skips it).
    """
    if by_name:
        return _load_by_name(h5file, model, source, skip_mismatch)
    slots, containers = _plan(model)
    assigner = WeightAssigner(source, skip_mismatch)
    for path, layer in slots:
        variables = own_variables(layer)
        group = h5file.get(_vars_path(path))
        if group is None:
            if variables:
                assigner.problem(layer.name, f"{type(layer).__name__} '{layer.name}' has "
                                             f"{len(variables)} weight(s), but the file has no "
                                             f"entry '{_vars_path(path)}'")
                assigner.report.missing_in_file.append(layer.name)
            continue
        assigner.add(layer, variables, read_vars(group), where=_vars_path(path))
    for container, names in containers.items():
        group = h5file.get(container)
        if group is None:
            continue
        for slot in group:
            if slot not in names and len(group[slot].get("vars", ())):
                assigner.report.unused_in_file.append(f"{container}/{slot}")
                assigner.problem(slot, f"the file has weights at '{container}/{slot}/vars', but "
                                       f"the model has no such layer (it has "
                                       f"{sorted(names)} there)")
    return assigner.finish()


def _load_by_name(h5file, model, source, skip_mismatch):
    by_name = {}

    def collect(name, obj):
        if name.endswith("vars") and "name" in obj.attrs and not name.startswith("optimizer"):
            by_name.setdefault(hdf5.read_string(obj, "name"), (name, obj))
    h5file.visititems(collect)
    assigner = WeightAssigner(source, skip_mismatch)
    for _, layer in _plan(model)[0]:
        variables = own_variables(layer)
        entry = by_name.get(layer.name)
        if entry is None:
            if variables:
                assigner.report.missing_in_file.append(layer.name)
            continue
        assigner.add(layer, variables, read_vars(entry[1]), where=entry[0])
    return assigner.finish()
