"""The BLAS library NumPy uses (OpenBLAS in its wheels), called directly where NumPy has no
entry point for what a kernel needs.

NumPy's matmul computes C = A @ B into a new array or `out=`. BLAS' gemm computes
C = alpha A B + beta C in place: with beta = 1 a gradient-descent update of a weight matrix
by a product, W -= lr * x^T g, is one call that never writes the product to memory
(compiler/updates.py). `library()` finds the OpenBLAS NumPy loaded (the same one, so its
thread pool and thread count are shared; `threads.py` sets that count through it), `gemm`
calls it. Without it (NumPy built on another BLAS: MKL, Accelerate) `gemm` returns False and
the callers take their NumPy path.
"""
from __future__ import annotations

import ctypes
import glob
import os

__all__ = ["library", "gemm", "available"]

_library = None          # (CDLL, symbol prefix, symbol suffix), False when not found
_gemms: dict = {}        # dtype char -> the ctypes function, or None


def library():
    """(lib, prefix, suffix) of the OpenBLAS NumPy uses, or None: NumPy's wheels ship it in
    numpy.libs (Linux, Windows) or numpy/.dylibs (macOS) under `scipy_openblas` names with
    64-bit integers (suffix "64_"); a NumPy built against a system OpenBLAS has it in the
    process' memory maps."""
    global _library
    if _library is None:
        _library = False
        import numpy as np
        base = os.path.dirname(os.path.dirname(np.__file__))
        candidates = glob.glob(os.path.join(base, "numpy.libs", "*openblas*"))
        candidates += glob.glob(os.path.join(os.path.dirname(np.__file__), ".dylibs",
                                             "*openblas*"))
        try:
            with open("/proc/self/maps") as maps:
                candidates += sorted({line.split()[-1] for line in maps
                                      if "openblas" in line and line.split()[-1].startswith("/")})
        except OSError:
            pass
        for path in candidates:
            try:
                lib = ctypes.CDLL(path)
            except OSError:
                continue
            for prefix, suffix in (("scipy_openblas", "64_"), ("scipy_openblas", ""),
                                   ("openblas", "64_"), ("openblas", "")):
                if (getattr(lib, f"{prefix}_get_num_threads{suffix}", None) is not None
                        and getattr(lib, f"{prefix}_set_num_threads{suffix}", None) is not None):
                    _library = (lib, prefix, suffix)
                    break
            if _library:
                break
    return _library or None


def _gemm_function(char: str):
    """cblas_sgemm ("f") or cblas_dgemm ("d") of `library()`, typed, or None."""
    if char not in _gemms:
        _gemms[char] = None
        found = library()
        if found:
            lib, prefix, suffix = found
            scipy = "scipy_" if prefix.startswith("scipy") else ""
            function = getattr(lib, f"{scipy}cblas_{'s' if char == 'f' else 'd'}gemm{suffix}",
                               None)
            if function is not None:
                integer = ctypes.c_int64 if suffix == "64_" else ctypes.c_int
                real = ctypes.c_float if char == "f" else ctypes.c_double
                pointer = ctypes.c_void_p
                function.argtypes = [integer] * 6 + [real, pointer, integer, pointer, integer,
                                                     real, pointer, integer]
                function.restype = None
                _gemms[char] = function
    return _gemms[char]


def available(dtype) -> bool:
    """Whether `gemm` can run on arrays of this dtype here (float32 or float64 with OpenBLAS)."""
    char = getattr(dtype, "char", None)
    return char in ("f", "d") and _gemm_function(char) is not None


_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112
_addressof, _from_buffer = ctypes.addressof, ctypes.c_char.from_buffer


def _address(array) -> int:
    """The address of an array's first element: through the buffer protocol (0.3 us) for a
    writeable C-contiguous array, else `array.ctypes` (1 us)."""
    try:
        return _addressof(_from_buffer(array))
    except (TypeError, ValueError):
        return array.ctypes.data


def _operand(array, transposed: bool):
    """(transpose flag, leading dimension) of a 2-D operand for row-major gemm, or None when
    its strides are neither rows of unit stride nor columns of unit stride."""
    item = array.itemsize
    rows, cols = array.shape
    s0, s1 = array.strides
    if (s1 == item or cols == 1) and s0 % item == 0 and s0 >= max(cols, 1) * item:
        return (_TRANS if transposed else _NO_TRANS), s0 // item
    if (s0 == item or rows == 1) and s1 % item == 0 and s1 >= max(rows, 1) * item:
        # a column-major array is the row-major transpose of its transpose
        return (_NO_TRANS if transposed else _TRANS), s1 // item
    return None


def gemm(alpha: float, a, b, beta: float, c, transpose_a=False, transpose_b=False) -> bool:
    """c = alpha op(a) op(b) + beta c, in place, where op transposes when asked; True when done.

    False (and c untouched) when BLAS cannot take these arrays: not OpenBLAS, dtypes other
    than one native-order float32 or float64 for all three, c not C-contiguous and writeable,
    an operand with strides BLAS cannot describe, or shapes that do not match. With beta = 0,
    c's previous contents are not read (BLAS' convention: NaN there does not propagate)."""
    dtype = c.dtype
    char = dtype.char
    function = _gemms.get(char)
    if function is None:
        function = _gemm_function(char) if char in ("f", "d") else None
        if function is None:
            return False
    if (a.dtype != dtype or b.dtype != dtype or not dtype.isnative or a.ndim != 2
            or b.ndim != 2 or c.ndim != 2):
        return False
    flags = c.flags
    if not (flags.c_contiguous and flags.writeable):
        return False
    m, k = a.shape[::-1] if transpose_a else a.shape
    k2, n = b.shape[::-1] if transpose_b else b.shape
    if k != k2 or c.shape != (m, n):
        return False
    if m == 0 or n == 0:
        return True
    if k == 0:
        if beta == 0:
            c.fill(0)
        else:
            c *= beta
        return True
    op_a, op_b = _operand(a, transpose_a), _operand(b, transpose_b)
    if op_a is None or op_b is None:
        return False
    function(_ROW_MAJOR, op_a[0], op_b[0], m, n, k, alpha, _address(a), op_a[1], _address(b),
             op_b[1], beta, _address(c), n)
    return True
