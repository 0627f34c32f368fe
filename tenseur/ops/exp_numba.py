"""numba-compiled float32 kernels built on exp (imported only where numba is installed): the
sigmoid (elementwise_ops.sigmoid_array), with a bias added first (bias_ops.add_bias_sigmoid),
the softmax cross-entropy's gradient from the logits (compiler/stable.py's SoftmaxLogGrad);
and the sigmoid's gradient through its output (elementwise_ops.sigmoid_grad_product), which
needs no exp but belongs with them.

NumPy's sigmoid takes six passes (|x|, negation, exp, 1 + z, the numerator, the division) and
its float32 exp is a scalar loop on some CPUs: 24-29 us for the slides' 128 x 64 hidden layer on
the EPYC VM, and 12-18 us even for 128 x 16 (the passes' call overhead). Here exp(t), t <= 0, is
Cephes' expf (range reduction by ln 2, a degree-6 polynomial, the power of two written into the
float's exponent bits, `_exp_parts`) in compiled loops: the sigmoid 7.5 / 2.8 us (11 / 4.4
through sigmoid_array), with a relative error against float64 of 1.7e-7 (NumPy's: 2.2e-7);
the softmax gradient of the slides' 128 x 10 logits 8 us (11 through the plan's kernel;
NumPy's passes: 20-34).
"""
import numba
import numpy as np

_LOG2E = np.float32(1.4426950408889634)
_LN2_HI = np.float32(0.693359375)         # ln 2 = _LN2_HI + _LN2_LO, _LN2_HI exact in 9 bits
_LN2_LO = np.float32(-2.12194440e-4)
_LOW = np.float32(-87.33654)              # exp(_LOW) = 2^-126, the smallest normal float32
_P = [np.float32(c) for c in (1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3,
                              4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1)]
_P0, _P1, _P2, _P3, _P4, _P5 = _P
_ONE = np.float32(1.0)
_HALF = np.float32(0.5)

_jit = numba.njit(cache=True, nogil=True, fastmath=False, error_model="numpy")


@numba.njit(inline="always", fastmath=False, error_model="numpy")
def _exp_parts(t):
    """(p, bits) with exp(t) = p * 2^k and `bits` the float32 bits of 2^k, for _LOW <= t <= 0
    (the caller clamps): p = exp(r), r = t - k ln 2 in [-ln 2 / 2, ln 2 / 2], p in [0.7, 1.5)."""
    k = np.int32(t * _LOG2E - _HALF)              # round(t / ln 2), as t <= 0
    kf = np.float32(k)
    r = (t - kf * _LN2_HI) - kf * _LN2_LO
    p = ((((_P0 * r + _P1) * r + _P2) * r + _P3) * r + _P4) * r + _P5
    return (p * r * r + r) + _ONE, (k + np.int32(127)) << np.int32(23)


@numba.njit(inline="always", fastmath=False, error_model="numpy")
def _shifted_rows(z, shifted):
    """shifted[i * classes + j] = z[i, j] - max(z[i]) (NaN from any value of the row, as
    NumPy's max), for the 2-D z."""
    rows, classes = z.shape
    for i in range(rows):
        zi = z[i]
        m = zi[0]
        for j in range(1, classes):
            v = zi[j]
            m = v if v > m or v != v else m
        ti = shifted[i * classes:(i + 1) * classes]
        for j in range(classes):
            ti[j] = zi[j] - m


@numba.njit(inline="always", fastmath=False, error_model="numpy")
def _exp_all(t, e, scale_bits):
    """exp(t[k]) = e[k] * (scale_bits[k] viewed as float32), for t <= 0 (below -87.3 taken as
    2^-126; NaN kept in e), in one flat loop: vectorized across rows of few classes."""
    for k in range(t.shape[0]):
        v = t[k]
        p, scale_bits[k] = _exp_parts(v if v > _LOW else _LOW)
        e[k] = v if v != v else p


@numba.njit(inline="always", fastmath=False, error_model="numpy")
def _signed_exp(v, scale_bits, k):
    """exp(-|v|) as (its mantissa part, carrying v's sign; v itself when NaN), its power of two
    written to scale_bits[k] (the two halves the sigmoid passes below join); and whether v
    is below exp's normal range."""
    t = -abs(v)
    p, scale_bits[k] = _exp_parts(t if t > _LOW else _LOW)      # NaN: kept in the value
    # v's sign travels in the sign of exp(r) (always positive): out may be the input.
    return (v if v != v else (-p if v < 0 else p)), v < _LOW


@numba.njit(inline="always", fastmath=False, error_model="numpy")
def _sigmoid_from_parts(exp_r, scale_bits, out):
    """out = max(z, x >= 0) / (1 + z), z = exp(-|x|) joined from _signed_exp's halves."""
    scale = scale_bits.view(np.float32)
    for i in range(exp_r.shape[0]):
        v = exp_r[i]
        z = abs(v) * scale[i]                     # exp(-|x|)
        out[i] = (z if v < 0 else _ONE) / (_ONE + z)


@_jit
def sigmoid(x, out):
    """out = sigmoid(x) = max(z, x >= 0) / (1 + z), z = exp(-|x|), NumPy's formula, for
    C-ordered float32 arrays of one shape (out may be x); NaN in NaN out. False, out left
    untouched, when some x is below exp's normal range (x < -87.3, where the sigmoid is e^x,
    subnormal: the caller runs NumPy's formula then)."""
    n = x.size
    x = x.reshape(n)
    out = out.reshape(n)
    exp_r = np.empty(n, np.float32)
    scale_bits = np.empty(n, np.int32)
    low = False
    for i in range(n):
        exp_r[i], below = _signed_exp(x[i], scale_bits, i)
        low |= below
    if low:
        return False
    _sigmoid_from_parts(exp_r, scale_bits, out)
    return True


@_jit
def bias_sigmoid(x, bias, out):
    """out = sigmoid(x + bias), bias along the rows of the 2-D C-ordered float32 x (out may
    be x): the float32 sum, then `sigmoid`'s formula, the bits of add_bias_last followed by
    sigmoid_array. False, out left untouched, when some sum is below exp's normal range."""
    rows, width = x.shape
    n = rows * width
    exp_r = np.empty(n, np.float32)
    scale_bits = np.empty(n, np.int32)
    low = False
    for r in range(rows):
        row = x[r]
        e = exp_r[r * width:(r + 1) * width]        # row views: indices LLVM sees >= 0
        b = scale_bits[r * width:(r + 1) * width]
        for j in range(width):
            e[j], below = _signed_exp(row[j] + bias[j], b, j)
            low |= below
    if low:
        return False
    _sigmoid_from_parts(exp_r, scale_bits, out.reshape(n))
    return True


@_jit
def sigmoid_grad_product(g, s, out):
    """out = (g s) (1 - s) for flat arrays of one length and dtype (out may be g): the sigmoid's
    gradient through its output s, with the rounding of its three ops (g * s, 1 - s, the
    product) in that order, as the graph's Mul, Sub, Mul (float32 or float64: _ONE is exact
    in both, and a float32 constant does not widen float32 arithmetic)."""
    for i in range(g.shape[0]):
        si = s[i]
        out[i] = (g[i] * si) * (_ONE - si)


@_jit
def softmax_log_grad(g, z, out):
    """out = g - p sum(g) along the rows, p = softmax(z) = exp(z - max z) / sum (NumPy's
    formula), for C-ordered 2-D float32 arrays of one shape (out may be g). exp of values
    below -87.3 (next to 0 after the division) is taken as 2^-126; NaN and inf logits give
    NaN rows, as NumPy's do."""
    rows, classes = z.shape
    n = rows * classes
    # Row by row: z - max (the exp's argument), and the sums of g; then every exp in one flat
    # loop (vectorized across rows: ten classes are too few for a row's loop to fill a
    # vector); then the rows' sums and the result. The operations and their order per row
    # are those of the formula above (the same bits as a row at a time).
    shifted = np.empty(n, np.float32)
    _shifted_rows(z, shifted)
    g_sums = np.empty(rows, np.float32)
    for i in range(rows):
        gs = np.float32(0.0)
        gi = g[i]
        for j in range(classes):
            gs += gi[j]
        g_sums[i] = gs
    e = np.empty(n, np.float32)
    scale_bits = np.empty(n, np.int32)
    _exp_all(shifted, e, scale_bits)
    scale = scale_bits.view(np.float32)
    for i in range(rows):
        ei = e[i * classes:(i + 1) * classes]
        si = scale[i * classes:(i + 1) * classes]
        total = np.float32(0.0)
        for j in range(classes):
            ei[j] = ei[j] * si[j]
            total += ei[j]
        gs = g_sums[i]
        gi, oi = g[i], out[i]
        for j in range(classes):
            oi[j] = gi[j] - (ei[j] / total) * gs


@_jit
def softmax_xent(x, labels, loss, backprop):
    """SoftmaxCrossEntropyWithLogits over the rows of C-ordered 2-D float32 arrays, with the op's
    NumPy formula: z = x - max x, log_softmax = z - log(sum exp z), loss = -sum(labels
    log_softmax), backprop = exp(log_softmax) - labels; exp as above (values below -87.3 taken
    as 2^-126: 1e-38 where NumPy's gives 0 or a subnormal), the two row sums in float64, NaN
    kept. Meant for few classes (the caller's limit): a row's loops are short."""
    rows, classes = x.shape
    n = rows * classes
    shifted = np.empty(n, np.float32)
    _shifted_rows(x, shifted)
    e = np.empty(n, np.float32)
    scale_bits = np.empty(n, np.int32)
    _exp_all(shifted, e, scale_bits)
    scale = scale_bits.view(np.float32)
    for i in range(rows):
        lo, hi = i * classes, (i + 1) * classes
        total = 0.0                                  # sums in float64: no worse than
        for k in range(lo, hi):                      # NumPy's pairwise float32 ones
            total += e[k] * scale[k]
        lse = np.float32(np.log(total))
        li = labels[i]
        cross = 0.0
        ti = shifted[lo:hi]
        for j in range(classes):
            ti[j] = ti[j] - lse                      # log_softmax, in place
            cross += li[j] * ti[j]
        loss[i] = -cross
    _exp_all(shifted, e, scale_bits)
    for i in range(rows):
        li, bi = labels[i], backprop[i]
        base = i * classes
        ei = e[base:base + classes]
        si = scale[base:base + classes]
        for j in range(classes):
            bi[j] = ei[j] * si[j] - li[j]
