"""Data types. A `DType` wraps a NumPy dtype and carries TensorFlow's name for it."""
from __future__ import annotations

import numpy as np


class DType:
    """A tensor element type, e.g. `tenseur.float32`. Compare with `==`; `as_numpy_dtype` gives NumPy's."""

    __slots__ = ("name", "as_numpy_dtype", "_np")

    def __init__(self, name: str, np_type):
        self.name = name
        self.as_numpy_dtype = np_type
        self._np = np.dtype(np_type) if np_type is not object else np.dtype(object)

    @property
    def is_floating(self) -> bool:
        return self._np.kind == "f"

    @property
    def is_integer(self) -> bool:
        return self._np.kind in "iu"

    @property
    def is_bool(self) -> bool:
        return self._np.kind == "b"

    @property
    def is_unsigned(self) -> bool:
        return self._np.kind == "u"

    @property
    def is_numeric(self) -> bool:
        return self._np.kind in "fiub"

    @property
    def base_dtype(self) -> "DType":
        return self

    @property
    def real_dtype(self) -> "DType":
        return self

    @property
    def size(self) -> int:
        return self._np.itemsize

    @property
    def min(self):
        return np.finfo(self._np).min if self.is_floating else np.iinfo(self._np).min

    @property
    def max(self):
        return np.finfo(self._np).max if self.is_floating else np.iinfo(self._np).max

    def __eq__(self, other) -> bool:
        if isinstance(other, DType):
            return self.name == other.name
        try:
            return self.name == as_dtype(other).name
        except TypeError:
            return False

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"tf.{self.name}"


float16 = DType("float16", np.float16)
float32 = DType("float32", np.float32)
float64 = DType("float64", np.float64)
int8 = DType("int8", np.int8)
int16 = DType("int16", np.int16)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
uint8 = DType("uint8", np.uint8)
uint16 = DType("uint16", np.uint16)
bool_ = DType("bool", np.bool_)
string = DType("string", object)
half, double = float16, float64

_ALL = [float16, float32, float64, int8, int16, int32, int64, uint8, uint16, bool_, string]
_BY_NAME = {d.name: d for d in _ALL}
_BY_NAME.update({"half": float16, "double": float64, "float": float32})
_BY_NP = {np.dtype(d.as_numpy_dtype): d for d in _ALL if d is not string}


def as_dtype(value) -> DType:
    """Converts a DType, a NumPy dtype/type or a name ('float32') to a `DType`.

    Raises:
        TypeError: `value` names no dtype tenseur knows.
    """
    if isinstance(value, DType):
        return value
    if isinstance(value, str) and value in _BY_NAME:
        return _BY_NAME[value]
    if value is str or value is bytes or value is object:
        return string
    if value is float:
        return float32
    if value is int:
        return int32
    if value is bool:
        return bool_
    try:
        np_dtype = np.dtype(value)
    except TypeError:
        raise TypeError(f"Cannot convert {value!r} to a tenseur dtype; use one of "
                        f"{sorted(_BY_NAME)}.") from None
    if np_dtype.kind in "SUO":
        return string
    if np_dtype in _BY_NP:
        return _BY_NP[np_dtype]
    raise TypeError(f"NumPy dtype {np_dtype} has no tenseur equivalent.")


def dtype_of_value(value) -> DType:
    """The dtype TensorFlow gives a Python value: floats → float32, ints → int32, or int64 when
    one does not fit in int32 (NumPy values keep their own)."""
    if isinstance(value, np.ndarray | np.generic):
        return as_dtype(value.dtype)
    if isinstance(value, bool):
        return bool_
    if isinstance(value, int):
        return int32 if _INT32_MIN <= value <= _INT32_MAX else int64
    if isinstance(value, float):
        return float32
    if isinstance(value, str | bytes):
        return string
    arr = np.asarray(value)
    if arr.dtype.kind == "f":
        return float32
    if arr.dtype.kind == "i":
        fits = not arr.size or (arr.min() >= _INT32_MIN and arr.max() <= _INT32_MAX)
        return int32 if fits else int64
    return as_dtype(arr.dtype)


_INT32_MIN, _INT32_MAX = -2 ** 31, 2 ** 31 - 1
