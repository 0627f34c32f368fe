"""`Tensor`: a symbolic output of an `Operation`, and `TensorSpec`: a shape plus a dtype.

Operators (`a + b`, `t[:, 0]`, ...) are installed by `tenseur.ops.math_ops` and
`tenseur.ops.array_ops` when they are imported, so this module needs no op code.
"""
from __future__ import annotations

from .dtypes import DType, as_dtype
from .shapes import TensorShape, as_shape


class TensorSpec:
    """A shape (possibly partial) and a dtype: what `OpDef.infer` reads and returns."""

    __slots__ = ("shape", "dtype", "name")

    def __init__(self, shape, dtype="float32", name=None):
        self.shape = as_shape(shape)
        self.dtype = as_dtype(dtype)
        self.name = name

    def is_compatible_with(self, other) -> bool:
        return self.dtype == other.dtype and self.shape.is_compatible_with(other.shape)

    def __eq__(self, other) -> bool:
        return (isinstance(other, TensorSpec) and self.dtype == other.dtype
                and self.shape == other.shape)

    def __hash__(self) -> int:
        return hash((self.shape, self.dtype))

    def __repr__(self) -> str:
        return f"TensorSpec(shape={self.shape}, dtype={self.dtype!r})"

    def describe(self) -> str:
        """'float32 (None, 784)', the form used in error messages."""
        return f"{self.dtype.name} {self.shape}"


class Tensor:
    """One output of an `Operation` in a `Graph`; its value exists only inside `Session.run`.

    Example:
        >>> x = tenseur.placeholder(tenseur.float32, shape=[None, 784], name="x")
        >>> x.name, x.shape
        ('x:0', TensorShape([None, 784]))
    """

    # NumPy defers `ndarray + Tensor` to `Tensor.__radd__` instead of broadcasting over it.
    __array_priority__ = 100

    def __init__(self, op, value_index: int, dtype: DType, shape: TensorShape):
        self.op = op
        self.value_index = value_index
        self.dtype = dtype
        self._shape = shape
        self._consumers: list = []

    @property
    def graph(self):
        return self.op.graph

    @property
    def name(self) -> str:
        return f"{self.op.name}:{self.value_index}"

    @property
    def shape(self) -> TensorShape:
        return self._shape

    def get_shape(self) -> TensorShape:
        return self._shape

    def set_shape(self, shape) -> None:
        """Refines the static shape; raises ValueError if `shape` contradicts it."""
        self._shape = self._shape.merge_with(shape)

    @property
    def ndim(self):
        return self._shape.ndims

    @property
    def device(self) -> str:
        return ""

    def consumers(self) -> list:
        return list(self._consumers)

    def spec(self) -> TensorSpec:
        return TensorSpec(self._shape, self.dtype)

    def eval(self, feed_dict=None, session=None):
        """The value of this tensor in `session` (default: the default session)."""
        from .session import _session_for
        return _session_for(self.graph, session).run(self, feed_dict)

    def __repr__(self) -> str:
        return f"<tf.Tensor '{self.name}' shape={self._shape} dtype={self.dtype.name}>"

    __str__ = __repr__

    # Tensors are compared by identity so they can key feed dicts (TF 1.x behaviour);
    # elementwise comparison is `tenseur.equal(a, b)`.
    __hash__ = object.__hash__

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other

    def __bool__(self):
        raise TypeError(f"Using a tenseur Tensor ({self.name}) as a Python bool is not allowed: "
                        f"its value exists only when the graph runs. Use tenseur.cond or compute "
                        f"the value with sess.run first.")

    def __iter__(self):
        raise TypeError(f"Tensor {self.name} is not iterable in graph mode: its length is only "
                        f"known when the graph runs. Use tenseur.unstack(t) for a known first "
                        f"dimension.")

    def __len__(self):
        raise TypeError(f"len() is not defined on graph Tensor {self.name}; use "
                        f"t.shape[0] (static) or tenseur.shape(t)[0] (dynamic).")
