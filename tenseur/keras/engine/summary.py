"""`model.summary()`: Keras 2's table of layers, output shapes and parameter counts."""
from __future__ import annotations

import numpy as np

from .base_layer import shape_of


def _count(weights) -> int:
    return int(sum(np.prod(w.shape.as_list()) for w in weights))


def _fmt_shape(layer) -> str:
    try:
        if not layer._inbound_nodes:
            return "multiple"
        if len(layer._inbound_nodes) > 1:
            return "multiple"
        outs = layer._inbound_nodes[0].output_tensors
        shapes = [shape_of(t) for t in outs]
        if type(layer).__name__ == "InputLayer":
            return str([tuple(s) for s in shapes])
        return str(tuple(shapes[0])) if len(shapes) == 1 else str([tuple(s) for s in shapes])
    except (AttributeError, TypeError):
        return "?"


def print_summary(model, line_length=None, positions=None, print_fn=None) -> None:
    print_fn = print_fn or print
    layers = model.layers
    sequential_like = all(len(layer._inbound_nodes) <= 1 and all(
        len(node.inbound_layers) <= 1 for node in layer._inbound_nodes) for layer in layers)
    if sequential_like:
        line_length = line_length or 65
        positions = positions or [0.45, 0.85, 1.0]
        headers = ["Layer (type)", "Output Shape", "Param #"]
    else:
        line_length = line_length or 98
        positions = positions or [0.33, 0.55, 0.67, 1.0]
        headers = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]

    def row(fields):
        line = ""
        for i, field in enumerate(fields):
            if i > 0:
                line = line[:-1] + " "
            line += str(field)
            line = line[:positions[i]]
            line += " " * (positions[i] - len(line))
        print_fn(line)

    kind = "Sequential" if type(model).__name__ == "Sequential" else "Model"
    print_fn(f'{kind}: "{model.name}"' if kind == "Model" else f'Model: "{model.name}"')
    print_fn("_" * line_length)
    row(headers)
    print_fn("=" * line_length)
    for i, layer in enumerate(layers):
        name = f"{layer.name} ({type(layer).__name__})"
        params = _count(layer.weights) if layer.built else 0
        fields = [name, _fmt_shape(layer), params]
        if not sequential_like:
            connections = []
            for node in layer._inbound_nodes:
                for t in node.input_tensors:
                    history = getattr(t, "_keras_history", None)
                    if history:
                        connections.append(f"['{history[0].name}[{history[1]}][{history[2]}]']")
            fields.append(connections[0] if connections else "[]")
            row(fields)
            for extra in connections[1:]:
                row(["", "", "", extra])
        else:
            row(fields)
        print_fn(("=" if i == len(layers) - 1 else "_") * line_length)
    trainable = _count(model.trainable_weights)
    total = _count(model.weights)
    print_fn(f"Total params: {total:,}")
    print_fn(f"Trainable params: {trainable:,}")
    print_fn(f"Non-trainable params: {total - trainable:,}")
    print_fn("_" * line_length)
