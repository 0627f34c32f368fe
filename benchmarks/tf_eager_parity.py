"""Differential checker: tenseur's EAGER mode against real TensorFlow 2.21 eager mode.

Every case is ONE function `fn(tf, v1)` written against the TF 2 eager API (`v1` is
`tf.compat.v1` for TensorFlow and `tenseur` itself for tenseur, for TF 1.x names such as
`train.GradientDescentOptimizer`). It is run once with `tenseur` (inside `tenseur.eager_mode()`)
and once with TensorFlow 2 (eager by default). What it returns (tensors, Variables, NumPy
values, Python values, nested lists/tuples/dicts of them) is compared:

  * tensors / Variables / arrays: shape, dtype name and values (float64: rtol 1e-6, float32 and
    others: rtol 1e-4; integers and bools exact; NaN/inf positions must agree);
  * Python values: type and value (floats with the same tolerance);
  * containers: kind (list/tuple/dict) and length/keys, then element by element.

Gradients, trace counts (cases count Python side effects in a tf.function body) and results of
`experimental_get_tracing_count()` are simply returned by the cases and compared the same way.

Error cases (`error=True`) check that when TF raises, tenseur raises too (any exception type).

Run (from the repository root, single-threaded, well under a minute):

    PYTHONPATH=. OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 TF_CPP_MIN_LOG_LEVEL=3 \\
        .venv-bench/bin/python benchmarks/tf_eager_parity.py [-v] [-k SUBSTRING ...]

  -v          print both results for every non-ok case (and tracebacks of errors)
  -k SUBSTR   run only the cases whose name contains one of the substrings

One line per case: `ok`, `MISMATCH` (what differs), `ERROR` (tenseur raised where TF did not),
`NORAISE` (error case: TF raises, tenseur returns a value), `TF-ERROR` (TF itself raised in a
non-error case, or returned in an error case: a checker problem). Cases listed in `EXPECT` are
reported with their reason as `expected`; the exit status is 1 only for other failures.
"""
import argparse
import os
import sys
import traceback

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import warnings  # noqa: E402

import numpy as np  # noqa: E402

import tensorflow as tf_real  # noqa: E402
import tenseur as tn  # noqa: E402

tf_real.config.threading.set_intra_op_parallelism_threads(1)
tf_real.config.threading.set_inter_op_parallelism_threads(1)
tf_real.get_logger().setLevel("ERROR")
warnings.filterwarnings("ignore")
np.seterr(all="ignore")

# Differences verified to be legitimate (or known and accepted): case name -> reason.
# Only cases NOT listed here make the exit status 1.
EXPECT = {
    # TF 1.x semantics kept on purpose (TF 2 enables "tensor equality"): `==`/`!=` on tensors
    # and Variables compare identity and tensors are hashable; TF 2 compares elementwise and
    # makes tensors unhashable (tf.compat.v1.disable_tensor_equality restores TF 1).
    "tensor_eq_elementwise": "TF1 tensor equality (identity ==), documented TF1-vs-TF2",
    "tensor_unhashable": "TF1 tensor equality: tensors hashable, documented TF1-vs-TF2",
    "variable_eq_and_hash": "TF1 tensor equality (identity ==), documented TF1-vs-TF2",
    # TF 1.x: `v += 1` rebinds v to a tensor; TF 2 raises RuntimeError.
    "variable_iadd_raises": "TF1 behaviour (v += x rebinds to a tensor); TF2 raises",
    # tenseur extension: len() of a Variable works (TF's ResourceVariable has no __len__).
    "variable_len": "harmless extension (len of a Variable)",
    # No AutoGraph: documented in tenseur.function's docstring ("Python control flow runs at
    # trace time (use tenseur.cond / tenseur.while_loop)").
    "fn_python_if_on_tensor_autograph": "documented limitation: no AutoGraph",
    "fn_python_for_range_tensor_autograph": "documented limitation: no AutoGraph",
    # Trace keys: TF keys Python 1, 1.0 and True alike (equal hash) and traces one graph;
    # tenseur keys by type too and traces three: more traces, same values (conservative).
    "fn_python_int_vs_float_arg": "benign: tenseur retraces per Python type",
    # A Variable argument is part of tenseur's trace key (the trace reads that variable);
    # TF keys it by shape and dtype. Another variable means another trace: same values.
    "fn_variable_arg": "benign: one trace per Variable argument",
    # A tenseur.function called while another one traces runs its body inline (one graph);
    # TF makes a nested function with its own trace. Same values, more traces.
    "fn_nested_functions": "benign: inner function inlined while tracing",
}

CASES = []


class Case:
    def __init__(self, name, fn, error=False, values=True, rtol=None):
        self.name, self.fn, self.error, self.values, self.rtol = name, fn, error, values, rtol


def case(name, error=False, values=True, rtol=None):
    def deco(fn):
        CASES.append(Case(name, fn, error=error, values=values, rtol=rtol))
        return fn
    return deco


def err(name):
    return case(name, error=True)


# ==========================================================================================
# normalising results

def norm(x):
    """A framework-neutral description of a result."""
    if x is None:
        return ("None",)
    if isinstance(x, dict):
        return ("dict", {k: norm(v) for k, v in x.items()})
    if isinstance(x, (list, tuple)) and not hasattr(x, "as_list"):
        return (type(x).__name__ if type(x) in (list, tuple) else "seq", [norm(v) for v in x])
    if hasattr(x, "as_list") and not hasattr(x, "numpy"):          # a TensorShape
        try:
            return ("shape", x.as_list())
        except ValueError:
            return ("shape", None)
    if hasattr(x, "numpy") and hasattr(x, "dtype"):                 # tensor or Variable
        arr = np.asarray(x.numpy())
        return ("T", arr, x.dtype.name)
    if hasattr(x, "name") and hasattr(x, "is_floating") and hasattr(x, "as_numpy_dtype"):
        return ("dtype", x.name)
    if isinstance(x, (np.ndarray, np.generic)):
        arr = np.asarray(x)
        return ("A", arr, arr.dtype.name)
    if isinstance(x, (bool, int, float, str, bytes)):
        return ("P", type(x).__name__, x)
    return ("O", type(x).__name__)


def _tol(dtype_name, rtol):
    if rtol is not None:
        return rtol
    return 1e-6 if dtype_name == "float64" else 1e-4


def compare(a, b, c, path="out"):
    """Problems (strings) between tenseur's `a` and TF's `b` descriptions."""
    if a[0] != b[0]:
        return [f"{path}: tenseur gives {a[0]} {_short(a)}, TF gives {b[0]} {_short(b)}"]
    kind = a[0]
    if kind == "None":
        return []
    if kind == "dict":
        if set(a[1]) != set(b[1]):
            return [f"{path}: keys {sorted(a[1])} vs TF {sorted(b[1])}"]
        out = []
        for k in a[1]:
            out += compare(a[1][k], b[1][k], c, f"{path}[{k!r}]")
        return out
    if kind in ("list", "tuple", "seq"):
        if len(a[1]) != len(b[1]):
            return [f"{path}: length {len(a[1])} vs TF {len(b[1])}"]
        out = []
        for i, (x, y) in enumerate(zip(a[1], b[1])):
            out += compare(x, y, c, f"{path}[{i}]")
        return out
    if kind in ("shape", "dtype", "O"):
        return [] if a[1:] == b[1:] else [f"{path}: {a[1:]} vs TF {b[1:]}"]
    if kind == "P":
        if a[1] != b[1]:
            return [f"{path}: Python {a[1]} {a[2]!r} vs TF {b[1]} {b[2]!r}"]
        if a[1] == "float":
            if np.isnan(a[2]) and np.isnan(b[2]):
                return []
            ok = np.isclose(a[2], b[2], rtol=_tol("float32", c.rtol), atol=1e-6)
        else:
            ok = a[2] == b[2]
        return [] if ok else [f"{path}: {a[2]!r} vs TF {b[2]!r}"]
    # arrays
    xa, da = a[1], a[2]
    xb, db = b[1], b[2]
    out = []
    if da != db:
        out.append(f"{path}: dtype {da} vs TF {db}")
    if xa.shape != xb.shape:
        out.append(f"{path}: shape {xa.shape} vs TF {xb.shape}")
        return out
    if not c.values:
        return out
    if xa.dtype.kind in "fc" or xb.dtype.kind in "fc":
        fa, fb = xa.astype(np.complex128), xb.astype(np.complex128)
        if not np.array_equal(np.isnan(fa), np.isnan(fb)):
            out.append(f"{path}: NaN positions differ: {xa!r} vs TF {xb!r}")
            return out
        tol = _tol(db, c.rtol)
        ok = np.isclose(fa, fb, rtol=tol, atol=tol * 1e-2, equal_nan=True)
        if not ok.all():
            diff = np.nanmax(np.abs(fa - fb)[~ok]) if (~ok).any() else 0
            out.append(f"{path}: values differ (max abs diff {diff:.3g}): {_fmt(xa)} vs TF "
                       f"{_fmt(xb)}")
    else:
        if not np.array_equal(xa, xb):
            out.append(f"{path}: values {_fmt(xa)} vs TF {_fmt(xb)}")
    return out


def _fmt(x):
    s = np.array2string(np.asarray(x), threshold=12, precision=5, separator=",")
    return s.replace("\n", "")


def _short(d):
    if d[0] in ("T", "A"):
        return f"{d[2]} {d[1].shape} {_fmt(d[1])}"
    if d[0] in ("list", "tuple", "seq", "dict"):
        return f"(len {len(d[1])})"
    return repr(d[1:])[:120]


# ==========================================================================================
# running

def run_tenseur(fn):
    with tn.eager_mode():
        return norm(fn(tn, tn))


def run_tf(fn):
    return norm(fn(tf_real, tf_real.compat.v1))


def run_case(c, verbose=False):
    """(status, detail)."""
    try:
        ref = run_tf(c.fn)
        tf_exc = None
    except Exception as exc:       # noqa: BLE001
        ref, tf_exc = None, exc
    try:
        got = run_tenseur(c.fn)
        tn_exc = None
        tn_tb = None
    except Exception as exc:       # noqa: BLE001
        got, tn_exc = None, exc
        tn_tb = traceback.format_exc()
    if c.error:
        if tf_exc is None:
            return "TF-ERROR", "TF did not raise in an error case"
        if tn_exc is None:
            return "NORAISE", (f"TF raises {type(tf_exc).__name__}: {_first(tf_exc)}; tenseur "
                               f"returns {_short(got)}")
        return "ok", f"both raise (TF {type(tf_exc).__name__}, tenseur {type(tn_exc).__name__})"
    if tf_exc is not None:
        if tn_exc is not None:
            return "TF-ERROR", (f"both raise: TF {type(tf_exc).__name__}: {_first(tf_exc)}; "
                                f"tenseur {type(tn_exc).__name__}: {_first(tn_exc)}")
        return "TF-ERROR", f"TF raises {type(tf_exc).__name__}: {_first(tf_exc)}"
    if tn_exc is not None:
        detail = f"tenseur raises {type(tn_exc).__name__}: {_first(tn_exc)}"
        if verbose:
            detail += "\n" + tn_tb
        return "ERROR", detail
    problems = compare(got, ref, c)
    if problems:
        return "MISMATCH", "; ".join(problems)
    return "ok", ""


def _first(exc):
    s = str(exc).strip().splitlines()
    return (s[0] if s else "")[:200]


# ==========================================================================================
# cases: conversion and dtype inference

@case("const_int_list")
def _(tf, v1):
    return tf.constant([1, 2, 3])


@case("const_float_list")
def _(tf, v1):
    return tf.constant([1.0, 2.5])


@case("const_mixed_int_float_list")
def _(tf, v1):
    return tf.constant([1, 2.5])


@case("const_np_float64")
def _(tf, v1):
    return tf.constant(np.array([1.5, 2.0]))


@case("const_np_int64")
def _(tf, v1):
    return tf.constant(np.array([1, 2], dtype=np.int64))


@case("const_bool_scalar")
def _(tf, v1):
    return tf.constant(True)


@case("const_int_scalar")
def _(tf, v1):
    t = tf.constant(7)
    return t, t.shape, t.dtype


@case("const_ints_dtype_float64")
def _(tf, v1):
    return tf.constant([1, 2], dtype=tf.float64)


@case("const_broadcast_shape")
def _(tf, v1):
    return tf.constant(1.5, shape=[2, 3])


@case("const_reshape_shape")
def _(tf, v1):
    return tf.constant([1, 2, 3, 4, 5, 6], shape=[2, 3])


@err("const_float_to_int_dtype")
def _(tf, v1):
    return tf.constant(1.5, dtype=tf.int32)


@case("const_large_python_int_int64")
def _(tf, v1):
    return tf.constant(2 ** 40)


@case("const_empty_list")
def _(tf, v1):
    return tf.constant([])


@case("const_nested_tuple")
def _(tf, v1):
    return tf.constant(((1, 2), (3, 4)))


@case("const_np_ints_dtype_float32")
def _(tf, v1):
    return tf.constant(np.array([1, 2]), dtype=tf.float32)


@err("const_ragged_list")
def _(tf, v1):
    return tf.constant([[1, 2], [3]])


@case("convert_np_float32_scalar")
def _(tf, v1):
    return tf.convert_to_tensor(np.float32(2.5))


@case("convert_python_list_of_lists")
def _(tf, v1):
    return tf.convert_to_tensor([[1.0, 2.0], [3.0, 4.0]])


@err("convert_tensor_wrong_dtype")
def _(tf, v1):
    return tf.convert_to_tensor(tf.constant(1.0), dtype=tf.int32)


@case("convert_variable")
def _(tf, v1):
    v = tf.Variable([1.0, 2.0])
    t = tf.convert_to_tensor(v)
    v.assign([5.0, 6.0])
    return t, v


@case("convert_list_of_tensors")
def _(tf, v1):
    return tf.convert_to_tensor([tf.constant(1.0), tf.constant(2.0)])


@case("convert_np_array_keeps_int64")
def _(tf, v1):
    return tf.convert_to_tensor(np.arange(3))


@case("const_list_with_large_int")
def _(tf, v1):
    return tf.constant([1, 2 ** 40]), tf.convert_to_tensor(-2 ** 31 - 1)


@case("const_int32_boundary")
def _(tf, v1):
    return tf.constant(2 ** 31 - 1), tf.constant(-2 ** 31)


@case("scalar_negative_zero_after_zero")
def _(tf, v1):
    t = tf.constant([1.0, 2.0])
    a = t * 0.0
    b = t * -0.0
    return 1.0 / a, 1.0 / b, 1.0 / tf.constant(-0.0)


@case("scalar_nan_inf_conversion")
def _(tf, v1):
    t = tf.constant([1.0, 2.0])
    return t + float("nan"), t * float("inf"), t - float("-inf")


@case("convert_dtype_hint")
def _(tf, v1):
    return tf.convert_to_tensor([1, 2], dtype_hint=tf.float32)


@case("zeros_ones_fill_range_dtypes")
def _(tf, v1):
    return (tf.zeros([2]), tf.ones([2], tf.int32), tf.fill([2], 3), tf.fill([2], 3.0),
            tf.range(5), tf.range(1.0, 3.0), tf.range(4, dtype=tf.float32), tf.range(10, 0, -3))


@case("size_rank_shape_dtypes")
def _(tf, v1):
    t = tf.zeros([2, 3])
    return tf.size(t), tf.rank(t), tf.shape(t)


# ==========================================================================================
# cases: arithmetic, broadcasting, dtypes

@case("float_tensor_plus_python_int")
def _(tf, v1):
    return tf.constant([1.0, 2.0]) + 1


@err("int_tensor_plus_python_float")
def _(tf, v1):
    return tf.constant([1, 2]) + 1.5


@case("radd_rsub_rmul_rdiv")
def _(tf, v1):
    t = tf.constant([1.0, 2.0, 4.0])
    return 2 * t, 1 - t, 3 + t, 1 / t, 2 ** t


@case("int_truediv_gives_float64")
def _(tf, v1):
    return tf.constant([1, 2, 3]) / 2


@case("int_truediv_tensor_tensor")
def _(tf, v1):
    return tf.constant([1, 2, 3]) / tf.constant([2, 2, 2])


@case("int_floordiv_negative")
def _(tf, v1):
    return tf.constant([-7, 7, -1]) // 2


@case("int_mod_negative")
def _(tf, v1):
    return tf.constant([-7, 7, -1]) % 3


@case("float_mod_negative")
def _(tf, v1):
    return tf.constant([-7.5, 7.5]) % 2.0


@err("float32_plus_float64")
def _(tf, v1):
    return tf.constant([1.0]) + tf.constant(np.array([1.0]))


@err("int32_plus_int64")
def _(tf, v1):
    return tf.constant([1]) + tf.constant(np.array([1], dtype=np.int64))


@err("float32_plus_int32_tensors")
def _(tf, v1):
    return tf.constant([1.0]) + tf.constant([1])


@case("pow_neg_abs")
def _(tf, v1):
    t = tf.constant([-2.0, 3.0])
    return t ** 2, -t, abs(t), tf.constant([2, 3]) ** 2


@case("int_pow_negative_exponent", )
def _(tf, v1):
    return tf.constant([2.0]) ** -1


@case("compare_ops")
def _(tf, v1):
    t = tf.constant([1, 2, 3])
    return t > 1, t >= 2, t < 3, t <= 1


@case("tensor_eq_elementwise")
def _(tf, v1):
    t = tf.constant([1, 2, 3])
    return t == 2, t != 2


@case("tensor_eq_none")
def _(tf, v1):
    t = tf.constant([1, 2, 3])
    return t == None, t != None  # noqa: E711


@err("tensor_unhashable")
def _(tf, v1):
    return {tf.constant(1): 1}


@case("bool_ops")
def _(tf, v1):
    a = tf.constant([True, False, True])
    b = tf.constant([True, True, False])
    return a & b, a | b, a ^ b, ~a


@case("matmul_operator")
def _(tf, v1):
    a = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    return a @ a, a @ tf.constant([[1.0], [1.0]])


@case("broadcast_col_row")
def _(tf, v1):
    return tf.constant([[1.0], [2.0], [3.0]]) + tf.constant([[10.0, 20.0, 30.0, 40.0]])


@err("broadcast_incompatible")
def _(tf, v1):
    return tf.constant([1.0, 2.0, 3.0]) + tf.constant([1.0, 2.0, 3.0, 4.0])


@err("matmul_mismatch")
def _(tf, v1):
    return tf.matmul(tf.ones([2, 3]), tf.ones([2, 3]))


@err("int_floordiv_by_zero")
def _(tf, v1):
    return tf.constant([4, 5]) // tf.constant([0, 1])


@err("int_mod_by_zero")
def _(tf, v1):
    return tf.constant([4, 5]) % tf.constant([0, 1])


@case("float_div_by_zero_inf_nan")
def _(tf, v1):
    return tf.constant([1.0, -1.0, 0.0]) / 0.0


@case("cast_truncates")
def _(tf, v1):
    return tf.cast(tf.constant([-1.7, 1.7, 2.5]), tf.int32), tf.cast(tf.constant([0, 2]), tf.bool)


@case("reduce_int_dtypes")
def _(tf, v1):
    t = tf.constant([[1, 2], [3, 4]])
    return tf.reduce_sum(t), tf.reduce_mean(t), tf.reduce_sum(t, axis=0), tf.argmax(t, axis=1)


@case("np_function_on_tensor")
def _(tf, v1):
    t = tf.constant([1.0, 2.0])
    return np.add(t, 1), np.asarray(t), np.sum(t)


@case("tensor_plus_ndarray")
def _(tf, v1):
    return tf.constant([1.0, 2.0]) + np.array([1.0, 1.0], dtype=np.float32)


@case("ndarray_plus_tensor")
def _(tf, v1):
    r = np.array([1.0, 1.0], dtype=np.float32) + tf.constant([1.0, 2.0])
    return r


# ==========================================================================================
# cases: tensor properties and Python protocol

@case("tensor_props")
def _(tf, v1):
    t = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    return t.shape, t.dtype, t.ndim, len(t), t.shape.as_list(), t.shape[0], t.numpy()


@case("numpy_scalar_type")
def _(tf, v1):
    n = tf.constant(2.5).numpy()
    return type(n).__name__, n


@case("python_conversions")
def _(tf, v1):
    return float(tf.constant(2.5)), int(tf.constant(3)), bool(tf.constant(0.0)), \
        bool(tf.constant([1])), int(tf.constant(2.9))


@err("bool_of_vector")
def _(tf, v1):
    return bool(tf.constant([1.0, 2.0]))


@err("len_of_scalar")
def _(tf, v1):
    return len(tf.constant(1.0))


@err("iter_scalar")
def _(tf, v1):
    return list(tf.constant(1.0))


@err("float_of_vector")
def _(tf, v1):
    return float(tf.constant([1.0, 2.0]))


@case("iterate_rows")
def _(tf, v1):
    return [r for r in tf.constant([[1, 2], [3, 4], [5, 6]])]


@case("index_basic")
def _(tf, v1):
    t = tf.constant([[1, 2, 3], [4, 5, 6]])
    return t[0], t[-1], t[1, 2], t[:, 1], t[..., 0], t[None], t[:, None, :], t[0, ::-1], \
        t[1:], t[:, 1:3], t[::2]


@case("index_by_tensor")
def _(tf, v1):
    t = tf.constant([10, 20, 30])
    return t[tf.constant(1)], t[tf.constant(1):]


@case("index_empty_slice")
def _(tf, v1):
    return tf.constant([1.0, 2.0, 3.0])[1:1], tf.constant([1.0, 2.0, 3.0])[5:]


@case("index_negative_step")
def _(tf, v1):
    t = tf.range(10)
    return t[8:2:-2], t[-1:-4:-1], t[::-3]


@err("index_out_of_range")
def _(tf, v1):
    return tf.constant([1, 2, 3])[5]


@err("index_out_of_range_negative")
def _(tf, v1):
    return tf.constant([1, 2, 3])[-4]


@err("index_too_many_dims")
def _(tf, v1):
    return tf.constant([1, 2, 3])[0, 0]


@err("index_with_list")
def _(tf, v1):
    return tf.constant([1, 2, 3])[[0, 2]]


@err("index_with_float")
def _(tf, v1):
    return tf.constant([1, 2, 3])[1.0]


@err("slice_step_zero")
def _(tf, v1):
    return tf.constant([1, 2, 3])[::0]


@case("index_with_bool_mask")
def _(tf, v1):
    t = tf.constant([1, 2, 3])
    return t[t > 1]


@case("repr_and_str")
def _(tf, v1):
    return repr(tf.constant([1.0, 2.0])), str(tf.constant([1, 2])), repr(tf.constant(3))


@case("format_scalar")
def _(tf, v1):
    return f"{tf.constant(2.5):.2f}"


@case("split_unstack_lists")
def _(tf, v1):
    t = tf.reshape(tf.range(6), [2, 3])
    return tf.split(t, 3, axis=1), tf.unstack(t), tf.split(tf.range(5), [2, 3])


@case("executing_eagerly")
def _(tf, v1):
    return tf.executing_eagerly()


@case("identity_of_variable")
def _(tf, v1):
    v = tf.Variable([1.0])
    t = tf.identity(v)
    v.assign([2.0])
    return t


# ==========================================================================================
# cases: Variables

@case("variable_dtype_inference")
def _(tf, v1):
    return tf.Variable([1, 2]), tf.Variable([1.0]), tf.Variable(1, dtype=tf.float32), \
        tf.Variable(np.array([1.0]))


@case("variable_assign_methods")
def _(tf, v1):
    v = tf.Variable([1.0, 2.0])
    a = v.assign([3.0, 4.0]).numpy()
    b = v.assign_add([1.0, 1.0]).numpy()
    c = v.assign_sub([0.5, 0.5]).numpy()
    return a, b, c, v


@case("variable_assign_chain")
def _(tf, v1):
    v = tf.Variable(1.0)
    v.assign_add(1.0).assign_add(2.0)
    return v


@case("variable_assign_python_scalar_to_vector_broadcast", )
def _(tf, v1):
    v = tf.Variable([1.0, 2.0])
    try:
        v.assign(5.0)
        return "ok", v.numpy()
    except Exception:       # noqa: BLE001
        return "raised", None


@err("variable_assign_shape_mismatch")
def _(tf, v1):
    v = tf.Variable([1.0, 2.0])
    v.assign([1.0, 2.0, 3.0])
    return v


@err("variable_assign_float_to_int")
def _(tf, v1):
    v = tf.Variable([1, 2])
    v.assign([1.5, 2.5])
    return v


@err("variable_assign_add_float64_tensor_to_float32")
def _(tf, v1):
    v = tf.Variable([1.0, 2.0])
    v.assign_add(tf.constant(np.array([1.0, 1.0])))
    return v


@case("variable_operators")
def _(tf, v1):
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    return v + 1, 2 * v, v * v, -v, v @ v, v[0], v[:, 1], v[1, 0], v / 2, v ** 2, v > 2, \
        abs(v), v - v


@case("variable_props")
def _(tf, v1):
    v = tf.Variable([1.0, 2.0], name="myvar")
    w = tf.Variable([1.0, 2.0], name="myvar")
    u = tf.Variable(3, trainable=False)
    return v.name, w.name, v.shape, v.dtype, v.trainable, u.trainable, \
        [x for x in v], float(tf.Variable(2.5)), int(tf.Variable(3)), bool(tf.Variable(0.0))


@case("variable_read_value_snapshot")
def _(tf, v1):
    v = tf.Variable([1.0, 2.0])
    r = v.read_value()
    x = v.value()
    t = v * 1
    v.assign([9.0, 9.0])
    return r, x, t, v


@case("variable_numpy_is_copy")
def _(tf, v1):
    v = tf.Variable([1.0, 2.0])
    n = v.numpy()
    n[0] = 100.0
    return v


@case("variable_callable_init")
def _(tf, v1):
    return tf.Variable(lambda: tf.ones([2]) * 3)


@case("variable_unknown_shape_assign")
def _(tf, v1):
    v = tf.Variable([1.0, 2.0], shape=tf.TensorShape(None))
    v.assign([1.0, 2.0, 3.0])
    return v, v.shape


@case("variable_slice_assign")
def _(tf, v1):
    v = tf.Variable([1.0, 2.0, 3.0])
    v[1].assign(7.0)
    v[0:1].assign([5.0])
    return v


@case("variable_eq_and_hash")
def _(tf, v1):
    v = tf.Variable([1.0, 2.0])
    return v == v, {v.ref(): 1}[v.ref()] if hasattr(v, "ref") else 1


@case("variable_from_tensor_indep")
def _(tf, v1):
    t = tf.constant([1.0, 2.0])
    v = tf.Variable(t)
    v.assign_add([1.0, 1.0])
    return t, v


@case("variable_from_variable")
def _(tf, v1):
    a = tf.Variable([1.0, 2.0])
    b = tf.Variable(a)
    a.assign([5.0, 5.0])
    return b


@err("variable_iadd_raises")
def _(tf, v1):
    v = tf.Variable(1.0)
    v += 1.0
    return v


@err("variable_len")
def _(tf, v1):
    return len(tf.Variable([1.0, 2.0]))


@case("variable_assign_returns_value")
def _(tf, v1):
    v = tf.Variable([1.0, 2.0])
    r = v.assign([3.0, 4.0])
    v.assign([5.0, 6.0])
    return r


# ==========================================================================================
# cases: GradientTape

@case("tape_watch_constant")
def _(tf, v1):
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    return tape.gradient(y, x)


@case("tape_unwatched_constant_none")
def _(tf, v1):
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        y = x * x
    return tape.gradient(y, x)


@case("tape_unconnected_none_and_zero")
def _(tf, v1):
    x = tf.Variable([1.0, 2.0])
    z = tf.Variable([3.0])
    with tf.GradientTape(persistent=True) as tape:
        y = tf.reduce_sum(x * 2)
    return tape.gradient(y, z), \
        tape.gradient(y, [x, z], unconnected_gradients=tf.UnconnectedGradients.ZERO), \
        tape.gradient(y, z, unconnected_gradients="zero")


@case("tape_persistent_two_calls")
def _(tf, v1):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = tf.reduce_sum(y * x)
    return tape.gradient(y, x), tape.gradient(z, x)


@err("tape_nonpersistent_second_call")
def _(tf, v1):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.gradient(y, x)
    return tape.gradient(y, x)


@case("tape_second_order_nested")
def _(tf, v1):
    x = tf.Variable(2.0)
    with tf.GradientTape() as t2:
        with tf.GradientTape() as t1:
            y = x * x * x
        dy = t1.gradient(y, x)
    d2y = t2.gradient(dy, x)
    return dy, d2y


@case("tape_third_order_nested")
def _(tf, v1):
    x = tf.constant(1.5)
    with tf.GradientTape() as t3:
        t3.watch(x)
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = tf.sin(x) * x
            d1 = t1.gradient(y, x)
        d2 = t2.gradient(d1, x)
    d3 = t3.gradient(d2, x)
    return d1, d2, d3


@case("tape_output_gradients")
def _(tf, v1):
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    return tape.gradient(y, x, output_gradients=tf.constant([1.0, 10.0, 100.0]))


@case("tape_output_gradients_list_targets")
def _(tf, v1):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y1 = x * x
        y2 = x * 3.0
    return tape.gradient([y1, y2], x, output_gradients=[tf.constant([1.0, 1.0]),
                                                          tf.constant([2.0, 0.5])])


@case("tape_sources_structures")
def _(tf, v1):
    a = tf.Variable(1.0)
    b = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        y = a * b * b
    return tape.gradient(y, [a, b]), tape.gradient(y, {"a": a, "b": b}), \
        tape.gradient(y, (a, [b]))


@case("tape_multiple_targets_sum")
def _(tf, v1):
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        ys = [x * 2, tf.reduce_sum(x * x)]
    return tape.gradient(ys, x)


@case("tape_watch_accessed_false")
def _(tf, v1):
    a = tf.Variable(1.0)
    b = tf.Variable(2.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(b)
        y = a * b
    return tape.gradient(y, [a, b])


@case("tape_watched_variables_order")
def _(tf, v1):
    a = tf.Variable(1.0, name="a")
    b = tf.Variable(2.0, name="b")
    c = tf.Variable(2.0, name="c", trainable=False)
    with tf.GradientTape() as tape:
        y = b * a * c
    return [v.name for v in tape.watched_variables()]


@case("tape_stop_recording")
def _(tf, v1):
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = x * x
        with tape.stop_recording():
            z = x * x * x
        w = y + z
    return tape.gradient(w, x)


@case("tape_stop_gradient")
def _(tf, v1):
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = x * tf.stop_gradient(x * x)
    return tape.gradient(y, x)


@case("tape_through_int_cast_none")
def _(tf, v1):
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = tf.cast(tf.cast(x, tf.int32), tf.float32) * 2.0
    return tape.gradient(y, x)


@case("tape_integer_source_none")
def _(tf, v1):
    x = tf.constant(2)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    return tape.gradient(y, x)


@case("tape_target_is_source")
def _(tf, v1):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
    return tape.gradient(x, x)


@case("tape_jacobian")
def _(tf, v1):
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.stack([x[0] * x[1], x[2] * x[2]])
    return tape.jacobian(y, x)


@case("tape_jacobian_matrix")
def _(tf, v1):
    w = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    x = tf.constant([[1.0, -1.0, 2.0]])
    with tf.GradientTape() as tape:
        y = tf.matmul(x, w)
    return tape.jacobian(y, w)


@case("tape_jacobian_unconnected_zero")
def _(tf, v1):
    x = tf.constant([1.0, 2.0])
    z = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch([x, z])
        y = x * 2.0
    return tape.jacobian(y, [x, z], unconnected_gradients=tf.UnconnectedGradients.ZERO)


@case("tape_batch_jacobian")
def _(tf, v1):
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.concat([x * x, tf.reduce_sum(x, axis=1, keepdims=True)], axis=1)
    return tape.batch_jacobian(y, x)


@case("tape_reset")
def _(tf, v1):
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = x * x
        tape.reset()
        z = x * 5.0
    return tape.gradient(z, x), tape.watched_variables()[0].numpy() if tape.watched_variables() \
        else None


@case("tape_grad_indexing_and_gather")
def _(tf, v1):
    x = tf.Variable([1.0, 2.0, 3.0, 4.0])
    with tf.GradientTape() as tape:
        y = x[1] * 2.0 + tf.reduce_sum(tf.gather(x, [0, 0, 3])) + tf.reduce_sum(x[::2] * x[::2])
    return tape.gradient(y, x)


@case("tape_grad_gather_indexedslices")
def _(tf, v1):
    x = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.gather(x, [2, 0, 2]))
    g = tape.gradient(y, x)
    return tf.convert_to_tensor(g)


@case("tape_grad_kinks")
def _(tf, v1):
    x = tf.constant([0.0, 1.0, -1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        a = tf.abs(x)
        r = tf.nn.relu(x)
        m = tf.maximum(x, 1.0)
        n = tf.minimum(x, 1.0)
        s = tf.sqrt(tf.abs(x))
        c = tf.clip_by_value(x, -1.0, 1.0)
    return [tape.gradient(v, x) for v in (a, r, m, n, s, c)]


@case("tape_grad_reduce_max_ties")
def _(tf, v1):
    x = tf.constant([1.0, 3.0, 3.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_max(x)
    return tape.gradient(y, x)


@case("tape_grad_pow_at_zero")
def _(tf, v1):
    x = tf.constant([0.0, 2.0])
    p = tf.constant([2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch([x, p])
        y = tf.pow(x, p)
    return tape.gradient(y, [x, p])


@case("tape_grad_where")
def _(tf, v1):
    x = tf.constant([-1.0, 2.0, 0.5])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.where(x > 0, x * x, -x)
    return tape.gradient(y, x)


@case("tape_grad_used_twice_float64")
def _(tf, v1):
    x = tf.constant(np.array([1.0, 2.0]))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x + tf.exp(x) * x
    return tape.gradient(y, x)


@case("tape_assign_inside")
def _(tf, v1):
    v = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        v.assign(3.0)
        y = v * v
    return tape.gradient(y, v)


@case("tape_assign_between_reads")
def _(tf, v1):
    v = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        a = v * 1.0
        v.assign_add(1.0)
        y = a * v
    return tape.gradient(y, v)


@case("tape_gradient_inside_context")
def _(tf, v1):
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = x * x
        g = tape.gradient(y, x)
    return g


@err("tape_output_gradients_wrong_shape")
def _(tf, v1):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    return tape.gradient(y, x, output_gradients=tf.constant([1.0, 2.0, 3.0]))


@case("tape_grad_target_variable_read")
def _(tf, v1):
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = v.read_value()
    return tape.gradient(y, v)


@case("tape_grad_wrt_variable_and_its_read")
def _(tf, v1):
    v = tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as tape:
        r = v * 1.0
        y = r * r
    return tape.gradient(y, [v, r])


@err("tape_watch_numpy")
def _(tf, v1):
    with tf.GradientTape() as tape:
        tape.watch(np.array([1.0]))
    return 1


@case("tape_softmax_xent")
def _(tf, v1):
    logits = tf.Variable([[1.0, 2.0, 0.5], [0.1, 0.2, 3.0]])
    labels = tf.constant([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=labels,
                                                                       logits=logits))
    return loss, tape.gradient(loss, logits)


@case("tape_reduce_mean_float64_var")
def _(tf, v1):
    v = tf.Variable(np.array([[1.0, 2.0], [3.0, 4.0]]))
    with tf.GradientTape() as tape:
        y = tf.reduce_mean(tf.square(v - 1.0))
    return tape.gradient(y, v)


@case("tape_nontrainable_variable_not_watched")
def _(tf, v1):
    v = tf.Variable(2.0, trainable=False)
    with tf.GradientTape() as tape:
        y = v * v
    return tape.gradient(y, v), len(tape.watched_variables())


@case("tape_watch_nontrainable_explicit")
def _(tf, v1):
    v = tf.Variable(2.0, trainable=False)
    with tf.GradientTape() as tape:
        tape.watch(v)
        y = v * v
    return tape.gradient(y, v)


@case("tape_grad_through_cond_eager")
def _(tf, v1):
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = tf.cond(x > 1.0, lambda: x * x, lambda: x)
    return y, tape.gradient(y, x)


@case("tape_grad_through_while_eager")
def _(tf, v1):
    x = tf.constant(1.5)
    with tf.GradientTape() as tape:
        tape.watch(x)
        _, y = tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * x),
                             [tf.constant(0), tf.constant(1.0)])
    return y, tape.gradient(y, x)


@case("tape_python_loop_accumulate")
def _(tf, v1):
    x = tf.Variable(1.1)
    with tf.GradientTape() as tape:
        y = tf.constant(1.0)
        for _ in range(5):
            y = y * x + 1.0
    return y, tape.gradient(y, x)


@case("tape_persistent_higher_order_same_tape")
def _(tf, v1):
    x = tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as tape:
        y = x * x * x
        g = tape.gradient(y, x)
    return g, tape.gradient(g, x)


@case("tape_grad_wrt_intermediate")
def _(tf, v1):
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        h = x * 3.0
        y = h * h
    return tape.gradient(y, h)


@case("tape_grad_reshape_transpose_concat")
def _(tf, v1):
    x = tf.Variable(np.arange(6.0).reshape(2, 3))
    with tf.GradientTape() as tape:
        y = tf.concat([tf.transpose(x), tf.reshape(x, [3, 2]) * 2.0], axis=1)
        y = tf.reduce_sum(y * tf.constant(np.arange(12.0).reshape(3, 4)))
    return tape.gradient(y, x)


# ==========================================================================================
# cases: tf.function

@case("fn_trace_same_shape_once")
def _(tf, v1):
    count = [0]

    @tf.function
    def f(x):
        count[0] += 1
        return x * 2

    a = f(tf.constant([1.0, 2.0]))
    b = f(tf.constant([3.0, 4.0]))
    return a, b, count[0], f.experimental_get_tracing_count()


@case("fn_retrace_new_shape_dtype")
def _(tf, v1):
    count = [0]

    @tf.function
    def f(x):
        count[0] += 1
        return x + x

    f(tf.constant([1.0, 2.0]))
    f(tf.constant([1.0, 2.0, 3.0]))
    f(tf.constant([1, 2]))
    f(tf.constant([1.0, 5.0]))
    return count[0]


@case("fn_python_scalar_args")
def _(tf, v1):
    count = [0]

    @tf.function
    def f(x, n):
        count[0] += 1
        return x * n

    r = [f(tf.constant(2.0), 1.0), f(tf.constant(2.0), 2.0), f(tf.constant(2.0), 1.0)]
    return r, count[0]


@case("fn_python_int_vs_float_arg")
def _(tf, v1):
    count = [0]

    @tf.function
    def f(n):
        count[0] += 1
        return tf.constant(1.0) * n

    f(1)
    f(1.0)
    f(True)
    return count[0]


@case("fn_input_signature_none_dim")
def _(tf, v1):
    count = [0]

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def f(x):
        count[0] += 1
        return tf.reduce_sum(x), tf.shape(x)

    r = [f(tf.constant([1.0])), f(tf.constant([1.0, 2.0, 3.0])), f([4.0, 5.0])]
    return r, count[0]


@err("fn_input_signature_wrong_dtype")
def _(tf, v1):
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def f(x):
        return x

    return f(tf.constant([1, 2]))


@err("fn_input_signature_wrong_rank")
def _(tf, v1):
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def f(x):
        return x

    return f(tf.constant([[1.0]]))


@case("fn_input_signature_static_shape_inside")
def _(tf, v1):
    seen = []

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    def f(x):
        seen.append(x.shape.as_list())
        return x

    f(tf.zeros([2, 3]))
    return seen


@case("fn_static_shape_inside_no_signature")
def _(tf, v1):
    seen = []

    @tf.function
    def f(x):
        seen.append(x.shape.as_list())
        return x

    f(tf.zeros([2, 3]))
    return seen


@case("fn_variable_created_first_trace")
def _(tf, v1):
    class M:
        def __init__(self):
            self.v = None

        @tf.function
        def __call__(self, x):
            if self.v is None:
                self.v = tf.Variable(tf.ones([2]) * 2.0)
            return self.v * x

    m = M()
    a = m(tf.constant([1.0, 2.0]))
    b = m(tf.constant([3.0, 4.0]))
    return a, b, m.v


@err("fn_variable_created_every_call")
def _(tf, v1):
    @tf.function
    def f(x):
        v = tf.Variable(1.0)
        return v * x

    f(tf.constant(1.0))
    return f(tf.constant([1.0, 2.0]))


@case("fn_variable_side_effect_each_call")
def _(tf, v1):
    v = tf.Variable(0.0)

    @tf.function
    def f(x):
        v.assign_add(x)
        return v.read_value()

    a = f(tf.constant(1.0))
    b = f(tf.constant(2.0))
    return a, b, v


@case("fn_reads_variable_current_value")
def _(tf, v1):
    v = tf.Variable(1.0)

    @tf.function
    def f():
        return v * 2.0

    a = f()
    v.assign(5.0)
    return a, f()


@case("fn_read_after_assign_inside")
def _(tf, v1):
    v = tf.Variable(1.0)

    @tf.function
    def f():
        a = v * 1.0
        v.assign(10.0)
        b = v * 1.0
        v.assign_add(1.0)
        return a, b, v.read_value()

    return f(), v


@case("fn_closure_tensor_captured")
def _(tf, v1):
    c = tf.constant(2.0)

    @tf.function
    def f(x):
        return x * c

    a = f(tf.constant(1.0))
    return a


@case("fn_returns_structures")
def _(tf, v1):
    @tf.function
    def f(x):
        return {"a": x, "b": (x * 2, [x + 1, 3]), "c": None}

    return f(tf.constant(1.0))


@case("fn_returns_python_value")
def _(tf, v1):
    @tf.function
    def f(x):
        return 5

    return f(tf.constant(1.0))


@case("fn_kwargs_and_defaults")
def _(tf, v1):
    count = [0]

    @tf.function
    def f(x, scale=2.0, shift=None):
        count[0] += 1
        y = x * scale
        if shift is not None:
            y = y + shift
        return y

    r = [f(tf.constant(1.0)), f(tf.constant(1.0), scale=3.0), f(x=tf.constant(1.0)),
         f(tf.constant(1.0), shift=tf.constant(1.0)), f(tf.constant(1.0), 2.0)]
    return r, count[0]


@case("fn_numpy_array_args")
def _(tf, v1):
    count = [0]

    @tf.function
    def f(x):
        count[0] += 1
        return x * 2

    a = f(np.array([1.0, 2.0]))
    b = f(np.array([3.0, 4.0]))
    c = f(np.array([3.0, 4.0], dtype=np.float32))
    return a, b, c, count[0]


@case("fn_numpy_array_arg_mutated_after")
def _(tf, v1):
    @tf.function
    def f(x):
        return tf.identity(x)

    arr = np.array([1.0, 2.0])
    r = f(arr)
    arr[0] = 99.0
    return r


@case("fn_list_arg")
def _(tf, v1):
    count = [0]

    @tf.function
    def f(xs):
        count[0] += 1
        return tf.add_n(xs)

    a = f([tf.constant(1.0), tf.constant(2.0)])
    b = f([tf.constant(3.0), tf.constant(4.0)])
    c = f([tf.constant(3.0), tf.constant(4.0), tf.constant(5.0)])
    return a, b, c, count[0]


@case("fn_python_list_of_numbers_arg")
def _(tf, v1):
    count = [0]

    @tf.function
    def f(xs):
        count[0] += 1
        return tf.reduce_sum(tf.constant(xs))

    return f([1.0, 2.0]), f([3.0, 4.0]), f([1.0, 2.0]), count[0]


@case("fn_tf_cond_inside")
def _(tf, v1):
    @tf.function
    def f(x):
        return tf.cond(x > 0, lambda: x * 2.0, lambda: -x)

    return f(tf.constant(3.0)), f(tf.constant(-3.0))


@case("fn_tf_while_inside")
def _(tf, v1):
    @tf.function
    def f(n):
        i, s = tf.while_loop(lambda i, s: i < n, lambda i, s: (i + 1, s + i),
                             (tf.constant(0), tf.constant(0)))
        return s

    return f(tf.constant(5)), f(tf.constant(10))


@case("fn_python_if_on_tensor_autograph")
def _(tf, v1):
    @tf.function
    def f(x):
        if x > 0:
            return x * 2.0
        return -x

    return f(tf.constant(3.0)), f(tf.constant(-3.0))


@case("fn_python_for_range_tensor_autograph")
def _(tf, v1):
    @tf.function
    def f(n):
        s = tf.constant(0)
        for i in tf.range(n):
            s += i
        return s

    return f(tf.constant(5))


@case("fn_method_per_instance_traces")
def _(tf, v1):
    count = [0]

    class M:
        def __init__(self, k):
            self.k = k

        @tf.function
        def f(self, x):
            count[0] += 1
            return x * self.k

    a, b = M(2.0), M(3.0)
    r = [a.f(tf.constant(1.0)), b.f(tf.constant(1.0)), a.f(tf.constant(2.0))]
    return r, count[0]


@case("fn_get_concrete_function")
def _(tf, v1):
    count = [0]

    @tf.function
    def f(x):
        count[0] += 1
        return x * x

    cf = f.get_concrete_function(tf.TensorSpec([2], tf.float32))
    r = cf(tf.constant([3.0, 4.0]))
    f(tf.constant([1.0, 1.0]))
    return r, count[0]


@case("fn_concrete_other_shape")
def _(tf, v1):
    @tf.function
    def f(x):
        return x * x

    cf = f.get_concrete_function(tf.TensorSpec([2], tf.float32))
    return cf(tf.constant([3.0, 4.0, 5.0]))


@err("fn_error_inside_body")
def _(tf, v1):
    @tf.function
    def f(x):
        return tf.matmul(x, x)

    return f(tf.ones([2, 3]))


@case("fn_nested_functions")
def _(tf, v1):
    count = [0, 0]

    @tf.function
    def inner(x):
        count[0] += 1
        return x + 1.0

    @tf.function
    def outer(x):
        count[1] += 1
        return inner(x) * 2.0

    r = [outer(tf.constant(1.0)), outer(tf.constant(2.0)), inner(tf.constant(1.0))]
    return r, count


@case("fn_returns_variable")
def _(tf, v1):
    v = tf.Variable([1.0, 2.0])

    @tf.function
    def f():
        return v

    r = f()
    v.assign([3.0, 3.0])
    return r, type(r).__name__ == type(v).__name__


@case("fn_gradient_through_call")
def _(tf, v1):
    w = tf.Variable([1.0, 2.0])

    @tf.function
    def f(x):
        return tf.reduce_sum(w * x * x)

    x = tf.constant([3.0, 4.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return y, tape.gradient(y, [x, w])


@case("fn_second_order_through_call")
def _(tf, v1):
    @tf.function
    def f(x):
        return x * x * x

    x = tf.constant(2.0)
    with tf.GradientTape() as t2:
        t2.watch(x)
        with tf.GradientTape() as t1:
            t1.watch(x)
            y = f(x)
        g = t1.gradient(y, x)
    return g, t2.gradient(g, x)


@case("fn_tape_inside_function")
def _(tf, v1):
    w = tf.Variable([1.0, 2.0])

    @tf.function
    def f(x):
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(w * x)
        return tape.gradient(y, w)

    return f(tf.constant([5.0, 6.0])), f(tf.constant([1.0, 1.0]))


@case("fn_training_step_sgd")
def _(tf, v1):
    w = tf.Variable([[0.5], [-0.5]])
    b = tf.Variable([0.1])
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    y = tf.constant([[1.0], [2.0]])

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y))
        gw, gb = tape.gradient(loss, [w, b])
        w.assign_sub(0.1 * gw)
        b.assign_sub(0.1 * gb)
        return loss

    losses = [step() for _ in range(3)]
    return losses, w, b


@case("fn_closure_python_value_frozen")
def _(tf, v1):
    k = [2.0]

    @tf.function
    def f(x):
        return x * k[0]

    a = f(tf.constant(1.0))
    k[0] = 5.0
    b = f(tf.constant(1.0))
    return a, b


@case("fn_variable_arg")
def _(tf, v1):
    count = [0]

    @tf.function
    def f(v):
        count[0] += 1
        return v * 2.0

    a = tf.Variable(1.0)
    b = tf.Variable(2.0)
    return f(a), f(b), f(a), count[0]


@case("fn_run_functions_eagerly_side_effects")
def _(tf, v1):
    count = [0]

    @tf.function
    def f(x):
        count[0] += 1
        return x * 2

    tf.config.run_functions_eagerly(True)
    try:
        f(tf.constant(1.0))
        f(tf.constant(1.0))
    finally:
        tf.config.run_functions_eagerly(False)
    return count[0]


@case("fn_random_inside_shape")
def _(tf, v1):
    @tf.function
    def f():
        return tf.random.normal([2, 3]), tf.random.uniform([4], maxval=10, dtype=tf.int32)

    a = f()
    return [tuple(x.shape.as_list()) for x in a], [x.dtype.name for x in a]


@case("fn_int_arg_output_dtype")
def _(tf, v1):
    @tf.function
    def f(x):
        return x / 2, x // 2, tf.shape(x)

    return f(tf.constant([5, 6]))


@case("fn_scalar_python_arg_only")
def _(tf, v1):
    @tf.function
    def f(n):
        return tf.range(n)

    return f(4), f(2)


@err("fn_assign_shape_mismatch_inside")
def _(tf, v1):
    v = tf.Variable([1.0, 2.0])

    @tf.function
    def f(x):
        v.assign(x)
        return v.read_value()

    return f(tf.constant([1.0, 2.0, 3.0]))


@case("fn_input_signature_python_float")
def _(tf, v1):
    count = [0]

    @tf.function(input_signature=[tf.TensorSpec([], tf.float32)])
    def f(x):
        count[0] += 1
        return x * 2.0

    return f(1.5), f(2), f(np.float32(3.0)), count[0]


@case("fn_assign_returns_in_function")
def _(tf, v1):
    v = tf.Variable(1.0)

    @tf.function
    def f():
        a = v.assign_add(2.0)
        return a + 0.0

    return f(), f(), v


@case("fn_grad_int_and_float_outputs")
def _(tf, v1):
    @tf.function
    def f(x):
        return x * x, tf.shape(x), tf.cast(x, tf.int32)

    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        a, b, c = f(x)
    return tape.gradient(a, x)


# ==========================================================================================
# cases: eager cond / while_loop

@case("cond_eager_tensor_pred")
def _(tf, v1):
    x = tf.constant(2.0)
    return tf.cond(x > 1.0, lambda: x * 10.0, lambda: x), tf.cond(tf.constant(False),
                                                                   lambda: 1, lambda: 2)


@case("cond_eager_python_pred")
def _(tf, v1):
    return tf.cond(True, lambda: tf.constant(1), lambda: tf.constant(2))


@case("cond_eager_structures")
def _(tf, v1):
    return tf.cond(tf.constant(True), lambda: (tf.constant(1.0), [tf.constant(2)]),
                   lambda: (tf.constant(3.0), [tf.constant(4)]))


@case("while_eager_basic")
def _(tf, v1):
    return tf.while_loop(lambda i: i < 10, lambda i: [i + 3], [tf.constant(0)])


@case("while_eager_tuple_vars")
def _(tf, v1):
    return tf.while_loop(lambda i, s: i < 5, lambda i, s: (i + 1, s * 2.0),
                         (tf.constant(0), tf.constant(1.0)))


@case("while_eager_max_iterations")
def _(tf, v1):
    return tf.while_loop(lambda i: i < 100, lambda i: [i + 1], [tf.constant(0)],
                         maximum_iterations=7)


@case("while_eager_python_int_loop_var")
def _(tf, v1):
    return tf.while_loop(lambda i: i < 10, lambda i: [i + 4], [0])


@case("while_eager_zero_iterations")
def _(tf, v1):
    return tf.while_loop(lambda i: i < 0, lambda i: i + 1, [tf.constant(5)])


# ==========================================================================================
# cases: optimizers applied eagerly

def _descend(tf, opt, w, loss_fn, steps):
    """`steps` optimizer steps on the loss of `w`, each from a GradientTape; returns `w`."""
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = loss_fn()
        opt.apply_gradients(zip(tape.gradient(loss, [w]), [w]))
    return w


def _traced_descent(tf, opt, w, loss_fn, steps):
    """The same steps inside one tf.function: (the losses, `w`)."""
    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = loss_fn()
        opt.apply_gradients(zip(tape.gradient(loss, [w]), [w]))
        return loss
    return [step() for _ in range(steps)], w


def _quad_setup(tf):
    w = tf.Variable([1.0, -2.0, 3.0])
    target = tf.constant([0.5, 0.5, 0.5])

    def loss_fn():
        return tf.reduce_sum(tf.square(w - target) * tf.constant([1.0, 2.0, 3.0]))
    return w, loss_fn


def _optimizer_case(name, make, steps, traced=False, iterations=False):
    """A case: `steps` optimizer steps (`make(tf, v1)` the optimizer) on `_quad_setup`'s loss,
    each from a GradientTape, or all in one tf.function (`traced`); returns `w` (and the
    optimizer's step count with `iterations`)."""
    @case(name)
    def _(tf, v1):
        w, loss_fn = _quad_setup(tf)
        opt = make(tf, v1)
        if traced:
            return _traced_descent(tf, opt, w, loss_fn, steps)
        w = _descend(tf, opt, w, loss_fn, steps)
        return (w, int(opt.iterations.numpy())) if iterations else w


for _name, _make, _steps, _traced, _iterations in (
        ("opt_v1_sgd_apply_gradients",
         lambda tf, v1: v1.train.GradientDescentOptimizer(0.1), 3, False, False),
        ("opt_v1_momentum",
         lambda tf, v1: v1.train.MomentumOptimizer(0.05, momentum=0.9, use_nesterov=True), 4,
         False, False),
        ("opt_v1_adam", lambda tf, v1: v1.train.AdamOptimizer(0.1), 4, False, False),
        ("opt_v1_rmsprop", lambda tf, v1: v1.train.RMSPropOptimizer(0.05), 3, False, False),
        ("opt_keras_sgd_momentum",
         lambda tf, v1: tf.keras.optimizers.SGD(learning_rate=0.05, momentum=0.9), 4, False, True),
        ("opt_keras_adam", lambda tf, v1: tf.keras.optimizers.Adam(learning_rate=0.1), 4, False,
         True),
        ("opt_keras_rmsprop", lambda tf, v1: tf.keras.optimizers.RMSprop(learning_rate=0.05), 3,
         False, False),
        ("opt_keras_adam_in_function", lambda tf, v1: tf.keras.optimizers.Adam(learning_rate=0.1),
         4, True, False),
        ("opt_v1_sgd_in_function", lambda tf, v1: v1.train.GradientDescentOptimizer(0.1), 3, True,
         False)):
    _optimizer_case(_name, _make, _steps, _traced, _iterations)


@case("opt_v1_sgd_minimize_callable")
def _(tf, v1):
    w, loss_fn = _quad_setup(tf)
    opt = v1.train.GradientDescentOptimizer(0.1)
    for _ in range(3):
        opt.minimize(loss_fn, var_list=[w])
    return w


@case("opt_v1_global_step")
def _(tf, v1):
    w, loss_fn = _quad_setup(tf)
    step = tf.Variable(0, dtype=tf.int64, trainable=False)
    opt = v1.train.GradientDescentOptimizer(0.1)
    for _ in range(3):
        with tf.GradientTape() as tape:
            loss = loss_fn()
        opt.apply_gradients(zip(tape.gradient(loss, [w]), [w]), global_step=step)
    return step


@case("opt_keras_sgd_two_vars_float64")
def _(tf, v1):
    a = tf.Variable(np.array([1.0, 2.0]))
    b = tf.Variable(np.array(0.5))
    opt = tf.keras.optimizers.SGD(learning_rate=0.1)
    for _ in range(3):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(a * a) * b + b * b
        ga, gb = tape.gradient(loss, [a, b])
        opt.apply_gradients([(ga, a), (gb, b)])
    return a, b


# ==========================================================================================
# cases: random (shapes / dtypes only)

@case("random_shapes_dtypes", values=False)
def _(tf, v1):
    return tf.random.normal([2, 3]), tf.random.uniform([3], dtype=tf.float64), \
        tf.random.uniform([2], maxval=5, dtype=tf.int32)


@case("random_seeded_replay")
def _(tf, v1):
    tf.random.set_seed(7)
    a = tf.random.uniform([3], seed=1)
    tf.random.set_seed(7)
    b = tf.random.uniform([3], seed=1)
    return bool(np.array_equal(a.numpy(), b.numpy()))


@case("random_unseeded_op_differs_between_calls")
def _(tf, v1):
    tf.random.set_seed(3)
    a = tf.random.uniform([4])
    b = tf.random.uniform([4])
    return bool(np.array_equal(a.numpy(), b.numpy()))


# ==========================================================================================

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", action="store_true")
    parser.add_argument("-k", action="append", default=[])
    args = parser.parse_args()
    cases = [c for c in CASES if not args.k or any(k in c.name for k in args.k)]
    counts = {}
    unexpected = []
    width = max(len(c.name) for c in cases)
    for c in cases:
        status, detail = run_case(c, args.v)
        shown = status
        if status != "ok" and c.name in EXPECT:
            shown = f"expected {status}"
        elif status == "ok" and c.name in EXPECT:
            shown = "ok (EXPECT entry is stale)"
        counts[shown.split(" (")[0]] = counts.get(shown.split(" (")[0], 0) + 1
        line = f"{c.name:<{width}}  {shown}"
        if status != "ok":
            line += f"  {detail}"
            if c.name in EXPECT:
                line += f"  [{EXPECT[c.name]}]"
            else:
                unexpected.append(c.name)
        print(line, flush=True)
    print()
    print(f"{len(cases)} cases: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    if unexpected:
        print("unexpected: " + " ".join(unexpected))
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
