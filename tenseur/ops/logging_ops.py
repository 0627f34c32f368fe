"""Printing from a graph: `tf.print` (TF 1.13+ / TF 2, an op of its own) and `tf.Print` (TF
1.x: the identity of its input that prints some tensors when it runs).

Both print to standard error when the op runs (each `Session.run`, each call of a
`tenseur.function`), not when the graph is built; in eager mode `tf.print` prints at once.
Tensors are shown as NumPy prints them, cut to their first and last `summarize` values per
dimension (TensorFlow's default: 3).
"""
from __future__ import annotations

import sys

import numpy as np

from ..framework.tensor import Tensor, TensorSpec
from .registry import NOT_DIFFERENTIABLE, OpDef, apply_op, convert_to_tensor, register_op

__all__ = ["print_v2", "Print"]


def _format(value, summarize):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    array = np.asarray(value)
    if array.dtype.kind in "SO" and array.ndim == 0:
        item = array.item()
        return item.decode("utf-8", "replace") if isinstance(item, bytes) else str(item)
    threshold = 2 * summarize if summarize is not None and summarize >= 0 else sys.maxsize
    return np.array2string(array, separator=" ", threshold=threshold,
                           edgeitems=summarize if summarize and summarize > 0 else 3)


def _stream(output_stream):
    """The stream now behind "stderr" / "stdout" (looked up when printing, so redirections
    made after the graph was built are followed)."""
    if output_stream is None or output_stream in ("stderr", sys.stderr, sys.__stderr__):
        return sys.stderr
    if output_stream in ("stdout", sys.stdout, sys.__stdout__):
        return sys.stdout
    raise ValueError(f"tf.print: output_stream must be sys.stderr or sys.stdout, got "
                     f"{output_stream!r}.")


@register_op("PrintV2")
class PrintV2(OpDef):
    """Prints its inputs (Python values given as attributes stay in their places)."""

    inputs = ("*inputs",)
    attrs = {"template": (), "sep": " ", "end": "\n", "summarize": 3, "stream": "stderr"}
    stateful = True         # never folded, merged or pruned from a function's side effects
    gradient = NOT_DIFFERENTIABLE

    def infer(self, *inputs, template, sep, end, summarize, stream):
        return ()

    def kernel(self, xp, *arrays, template, sep, end, summarize, stream):
        values = iter(arrays)
        parts = [_format(next(values), summarize) if kind == "tensor" else text
                 for kind, text in template]
        print(sep.join(parts), end=end, file=_stream(stream), flush=True)
        return None


def print_v2(*inputs, output_stream=None, sep=" ", end="\n", summarize=3, name=None):
    """`tf.print`: prints `inputs` (tensors and Python values) when the op runs, to standard
    error (`output_stream=sys.stdout` or "stdout" for standard output).

    Returns the print Operation in graph mode (run it, or put it in control dependencies);
    prints at once in eager mode and returns None.

    Example:
        >>> tf.print("loss:", loss)              # inside a tenseur.function: on every call
    """
    stream = "stdout" if _stream(output_stream) is sys.stdout else "stderr"
    template, tensors = [], []
    for item in inputs:
        if isinstance(item, Tensor) or hasattr(item, "_as_tensor") or isinstance(item, np.ndarray):
            template.append(("tensor", ""))
            tensors.append(convert_to_tensor(item))
        else:
            template.append(("text", str(item)))
    return apply_op("PrintV2", *tensors, template=tuple(template), sep=sep, end=end,
                    summarize=summarize, stream=stream, name=name or "PrintV2")


@register_op("Print")
class PrintOp(OpDef):
    """`tf.Print`: outputs its first input unchanged and prints `message` followed by the
    other inputs. Gradient: passed through to the first input."""

    inputs = ("input", "*data")
    attrs = {"message": "", "first_n": -1, "summarize": 3}
    stateful = True

    def infer(self, x, *data, message, first_n, summarize):
        return TensorSpec(x.shape, x.dtype)

    def bind(self, op, xp, ctx):
        message, first_n = op.attrs["message"], op.attrs["first_n"]
        summarize = op.attrs["summarize"]
        # Counted per op, across the plans that run it (one per fed shape).
        printed = op.__dict__.setdefault("_times_printed", [0])

        def run(x, *data):
            if first_n < 0 or printed[0] < first_n:
                printed[0] += 1
                print(message + "".join(_format(d, summarize) for d in data), file=sys.stderr,
                      flush=True)
            return x
        return run

    def kernel(self, xp, x, *data, message, first_n, summarize):
        print(message + "".join(_format(d, summarize) for d in data), file=sys.stderr,
              flush=True)
        return x

    def gradient(self, op, grad):
        return (grad,) + (None,) * (len(op.inputs) - 1)


def Print(input_, data, message=None, first_n=None, summarize=None, name=None):  # noqa: N802
    """`tf.Print` (TF 1.x): the identity of `input_` that prints `message` and the tensors of
    `data` each time it runs (only the first `first_n` times if given)."""
    tensors = [convert_to_tensor(d) for d in data]
    return apply_op("Print", convert_to_tensor(input_), *tensors, message=message or "",
                    first_n=-1 if first_n is None else int(first_n),
                    summarize=3 if summarize is None else int(summarize), name=name or "Print")
