"""Differential check of tenseur.keras against real Keras 3 (TensorFlow backend): layers,
activations, losses, metrics, optimizers and learning-rate schedules.

For every layer configuration, a tiny functional model (Input -> layer) is built in both
frameworks in the same process; real Keras' weights are randomised (so biases, BN statistics,
PReLU alphas... are not at their trivial initial values), the weight lists are compared
(count, order, shapes: a parity point of its own), copied into tenseur with set_weights, each
framework rebuilds the layers from the other's get_config() (what loading a saved model does),
and the outputs of `predict` on the same random input are compared (float32, rtol 1e-4,
atol 1e-5). Layers with weights then take one `train_on_batch` step (SGD, MSE against a
random target) in both, and the updated weights are compared (this checks the gradients and,
for BatchNormalization, the training-mode forward pass and the moving-statistics update).

Losses are compared on random data through the Loss classes (several reductions,
sample_weight) and the functions; metrics through update_state (twice) / result; optimizers
by the weights of a small Dense model after 3 `train_on_batch` steps from identical weights;
schedules by their value at a few steps; and every optimizer, loss, metric, initializer,
regularizer, constraint and schedule is rebuilt by each framework from the other's config.

One line per case: `ok`, `MISMATCH` (with the max abs diff / values), `ERROR` (one framework
raised) or `SKIP` (tenseur has no such class: a coverage gap, not a failure).

Run (from the repository root; .venv-bench holds TensorFlow 2.21 / Keras 3.15, tenseur needs
only NumPy):
    PYTHONPATH=. OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 TF_CPP_MIN_LOG_LEVEL=3 \
        KERAS_BACKEND=tensorflow .venv-bench/bin/python benchmarks/keras_layer_parity.py
Options: `-k SUBSTRING` runs only the cases whose name contains it; `-v` prints tracebacks.
Exit status 1 if any case is MISMATCH or ERROR.
"""
import argparse
import os
import sys
import traceback

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import numpy as np  # noqa: E402

import keras  # noqa: E402  (real Keras 3)
import tensorflow  # noqa: E402
import tenseur as tf  # noqa: E402
from tenseur import keras as tk  # noqa: E402

RTOL, ATOL = 1e-4, 1e-5
RESULTS = []          # (status, name, detail)
ARGS = None


class Skip(Exception):
    pass


def record(status, name, detail=""):
    RESULTS.append((status, name, detail))
    print(f"{status:8s} {name}" + (f"  -- {detail}" if detail else ""), flush=True)


def compare(name, got, want, rtol=RTOL, atol=ATOL, extra=""):
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    if got.shape != want.shape:
        record("MISMATCH", name, f"shape tenseur {got.shape} vs keras {want.shape}" + extra)
        return False
    if got.size == 0:
        record("ok", name, "empty")
        return True
    finite = np.isfinite(want) | np.isfinite(got)
    same_nonfinite = np.array_equal(np.isnan(got), np.isnan(want)) and np.array_equal(
        np.isposinf(got), np.isposinf(want)) and np.array_equal(np.isneginf(got),
                                                                np.isneginf(want))
    g, w = np.where(np.isfinite(got), got, 0), np.where(np.isfinite(want), want, 0)
    diff = float(np.max(np.abs(g - w))) if finite.any() else 0.0
    ok = same_nonfinite and np.allclose(g, w, rtol=rtol, atol=atol)
    detail = f"max abs diff {diff:.3g}"
    if got.size <= 4:
        detail += f" (tenseur {np.round(got.ravel(), 6).tolist()}, keras " \
                  f"{np.round(want.ravel(), 6).tolist()})"
    if not same_nonfinite:
        detail += " (non-finite values differ)"
    record("ok" if ok else "MISMATCH", name, detail + extra)
    return ok


def run_case(name, fn):
    if ARGS.k and not any(k in name for k in ARGS.k):
        return
    try:
        fn(name)
    except Skip as e:
        record("SKIP", name, str(e))
    except Exception as e:  # noqa: BLE001
        record("ERROR", name, f"{type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}")
        if ARGS.verbose:
            traceback.print_exc()


def tk_attr(path):
    """getattr chain on tenseur.keras, raising Skip when tenseur lacks it."""
    obj = tk
    for part in path.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise Skip(f"tenseur.keras has no {path}") from None
    return obj


def k_attr(lib, path):
    if lib is tk:
        return tk_attr(path)
    obj = lib
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


# -- layers ---------------------------------------------------------------------------------

BATCH = 3


def random_input(shape, kind, rng):
    full = (BATCH,) + tuple(shape)
    if kind == "float":
        return rng.randn(*full).astype(np.float32)
    if kind == "int":
        return rng.randint(0, 10, size=full).astype(np.int32)
    if kind == "int_with_zeros":           # trailing zeros (padding), some rows
        x = rng.randint(1, 10, size=full).astype(np.int32)
        x[0, -2:] = 0
        x[1, -1:] = 0
        x[2, 1] = 0
        return x
    if kind == "float_masked":             # some whole time steps equal to 0 (Masking)
        x = rng.randn(*full).astype(np.float32)
        x[0, -2:] = 0
        x[1, 0] = 0
        return x
    if kind == "positive":
        return (rng.rand(*full) + 0.1).astype(np.float32)
    raise ValueError(kind)


def randomize_keras_weights(model, rng):
    new = []
    for v in model.weights:
        shape = tuple(v.shape)
        path = v.path
        if "variance" in path:
            w = rng.rand(*shape) + 0.5
        elif "gamma" in path:
            w = 1 + 0.3 * rng.randn(*shape)
        else:
            w = 0.5 * rng.randn(*shape)
        new.append(w.astype(v.dtype if v.dtype != "int64" else np.float32))
    model.set_weights(new)


def build(lib, make, shapes, dtypes):
    if lib is tk:
        tk.backend.clear_session()
    inputs = [lib.Input(shape=s, dtype=d) for s, d in zip(shapes, dtypes)]
    layers = make(lib)
    if not isinstance(layers, (list, tuple)):
        layers = [layers]
    h = inputs if len(inputs) > 1 else inputs[0]
    for layer in layers:
        h = layer(h)
    return lib.Model(inputs, h)


def layer_case(make, shapes, kinds=None, seed=0, train=True, rtol=RTOL, atol=ATOL,
               keep_init=False):
    """A case comparing Input(shapes) -> make(lib) in both frameworks."""
    if not isinstance(shapes, list):
        shapes = [shapes]
    kinds = kinds or ["float"] * len(shapes)
    dtypes = ["int32" if k.startswith("int") else "float32" for k in kinds]

    def fn(name):
        rng = np.random.RandomState(seed)
        keras.utils.set_random_seed(seed)
        km = build(keras, make, shapes, dtypes)
        if not keep_init:
            randomize_keras_weights(km, rng)
        try:
            tm = build(tk, make, shapes, dtypes)
        except AttributeError as e:
            raise Skip(f"tenseur: {e}") from None
        kw, tw = km.get_weights(), tm.get_weights()
        ks, ts = [w.shape for w in kw], [w.shape for w in tw]
        if ks != ts:
            record("MISMATCH", name + " [weights]", f"tenseur {ts} vs keras {ks}")
            return
        tm.set_weights(kw)
        configs_read_back(name, km, tm, len(shapes))
        xs = [random_input(s, k, rng) for s, k in zip(shapes, kinds)]
        feed = xs if len(xs) > 1 else xs[0]
        yk = km.predict(feed, verbose=0, batch_size=BATCH)
        yt = tm.predict(feed, verbose=0, batch_size=BATCH)
        ok = compare(name, yt, yk, rtol, atol)
        if train and not kw and ok and all(k.startswith("float") for k in kinds):
            grad_through(name + " [grad through it, Dense before]", make, shapes, xs, rng,
                         rtol, atol)
        if train and kw and ok:
            target = rng.randn(*np.shape(yk)).astype(np.float32)
            km.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
            tm.compile(optimizer=tk.optimizers.SGD(learning_rate=0.1), loss="mse")
            lk = float(np.ravel(km.train_on_batch(feed, target))[0])
            lt = float(np.ravel(tm.train_on_batch(feed, target))[0])
            names = [w.path for w in km.weights]
            worst, worst_name = 0.0, ""
            bad = []
            for n, a, b in zip(names, tm.get_weights(), km.get_weights()):
                d = float(np.max(np.abs(a - b))) if a.size else 0.0
                if not np.allclose(a, b, rtol=rtol, atol=max(atol, 1e-5)):
                    bad.append(n)
                if d >= worst:
                    worst, worst_name = d, n
            loss_ok = np.isclose(lt, lk, rtol=1e-4, atol=1e-6)
            detail = f"loss tenseur {lt:.6g} keras {lk:.6g}; max abs weight diff {worst:.3g}" \
                     f" ({worst_name})"
            if bad:
                detail += f"; differing: {', '.join(bad)}"
            record("ok" if (loss_ok and not bad) else "MISMATCH", name + " [1 SGD step]", detail)

    return fn


def configs_read_back(name, km, tm, inputs):
    """Each framework rebuilds the layers from the other's get_config(): a key Keras does not
    take made models saved by tenseur fail to load in Keras (Conv2DTranspose's `groups`)."""
    problems = []
    for k_layer, t_layer in zip(km.layers[inputs:], tm.layers[inputs:]):
        if type(k_layer).__name__ == "Lambda":     # a Python function: not portable
            continue
        for cls, config, who in ((type(k_layer), t_layer.get_config(), "Keras"),
                                 (type(t_layer), k_layer.get_config(), "tenseur")):
            try:
                cls.from_config(config)
            except Exception as exc:  # noqa: BLE001 - reported
                problems.append(f"{who} cannot read the other's {type(k_layer).__name__} "
                                f"config: {type(exc).__name__}: "
                                f"{str(exc).splitlines()[-1][:150] if str(exc) else ''}")
    if problems:
        record("MISMATCH", name + " [config]", "; ".join(problems))


def grad_through(name, make, shapes, xs, rng, rtol, atol):
    """A weightless layer: Dense(channels) on each input, then the layer; one SGD step on
    the Dense weights checks the layer's gradient."""
    def pre(lib):
        def fn(lib=lib):
            return make(lib)
        return fn
    models = []
    for lib in (keras, tk):
        if lib is tk:
            tk.backend.clear_session()
        inputs = [lib.Input(shape=s) for s in shapes]
        hs = [lib.layers.Dense(s[-1])(i) for s, i in zip(shapes, inputs)]
        layers = make(lib)
        layers = layers if isinstance(layers, (list, tuple)) else [layers]
        h = hs if len(hs) > 1 else hs[0]
        for layer in layers:
            h = layer(h)
        models.append(lib.Model(inputs, h))
    km, tm = models
    randomize_keras_weights(km, rng)
    tm.set_weights(km.get_weights())
    feed = xs if len(xs) > 1 else xs[0]
    target = rng.randn(*np.shape(km.predict(feed, verbose=0, batch_size=BATCH))).astype(
        np.float32)
    losses = []
    for lib, m in ((keras, km), (tk, tm)):
        m.compile(optimizer=lib.optimizers.SGD(learning_rate=0.1), loss="mse")
        losses.append(float(np.ravel(m.train_on_batch(feed, target))[0]))
    d = max(float(np.max(np.abs(a - b))) for a, b in zip(tm.get_weights(), km.get_weights()))
    ok = all(np.allclose(a, b, rtol=rtol, atol=max(atol, 1e-5)) for a, b in
             zip(tm.get_weights(), km.get_weights()))
    ok = ok and np.isclose(losses[1], losses[0], rtol=1e-4, atol=1e-6)
    record("ok" if ok else "MISMATCH", name, f"loss tenseur {losses[1]:.6g} keras "
           f"{losses[0]:.6g}; max abs weight diff {d:.3g}")


def layer_cases():
    C = []

    def add(name, *a, **kw):
        C.append((name, layer_case(*a, **kw)))

    L = lambda path, *a, **kw: (lambda lib: k_attr(lib, "layers." + path)(*a, **kw))  # noqa: E731

    # core
    for act in ("linear", "relu", "sigmoid", "tanh", "softmax", "elu", "selu", "softplus",
                "softsign", "swish", "gelu", "hard_sigmoid", "exponential", "leaky_relu",
                "relu6", "silu", "log_softmax", "mish", "hard_silu"):
        add(f"Dense(4, activation={act!r})", L("Dense", 4, activation=act), (5,))
    add("Dense(4, use_bias=False)", L("Dense", 4, use_bias=False), (5,))
    add("Dense(4) on 3D input", L("Dense", 4), (2, 5))
    for act in ("relu", "softmax", "gelu", "hard_sigmoid", "selu"):
        add(f"Activation({act!r}) 3D", L("Activation", act), (4, 5), train=False)
    add("Dropout(0.5) inference", L("Dropout", 0.5), (6,), train=False)
    add("Identity", L("Identity"), (6,))
    add("Embedding(10, 4)", L("Embedding", 10, 4), (5,), ["int"])
    add("Embedding(10, 4, mask_zero) + GlobalAveragePooling1D",
        lambda lib: [k_attr(lib, "layers.Embedding")(10, 4, mask_zero=True),
                     k_attr(lib, "layers.GlobalAveragePooling1D")()], (5,), ["int_with_zeros"])
    add("Masking(0.0) 3D", L("Masking", 0.0), (5, 3), ["float_masked"])
    add("Masking(0.0) + GlobalAveragePooling1D",
        lambda lib: [k_attr(lib, "layers.Masking")(0.0),
                     k_attr(lib, "layers.GlobalAveragePooling1D")()], (5, 3), ["float_masked"])
    add("Masking + Dense + GlobalAveragePooling1D (mask through Dense)",
        lambda lib: [k_attr(lib, "layers.Masking")(0.0), k_attr(lib, "layers.Dense")(2),
                     k_attr(lib, "layers.GlobalAveragePooling1D")()], (5, 3), ["float_masked"])
    add("Lambda(x * 2 + 1)", L("Lambda", lambda x: x * 2 + 1), (4,))

    # convolutions
    add("Conv1D(4, 3) valid", L("Conv1D", 4, 3), (9, 3))
    add("Conv1D(4, 3, padding=same, strides=2)", L("Conv1D", 4, 3, padding="same", strides=2),
        (9, 3))
    add("Conv1D(4, 3, padding=causal)", L("Conv1D", 4, 3, padding="causal"), (9, 3))
    add("Conv1D(4, 3, dilation_rate=2, same)", L("Conv1D", 4, 3, dilation_rate=2,
                                                 padding="same"), (9, 3))
    add("Conv1D(4, 3, groups=2)", L("Conv1D", 4, 3, groups=2), (9, 4))
    add("Conv2D(4, 3) valid relu", L("Conv2D", 4, 3, activation="relu"), (7, 8, 3))
    add("Conv2D(4, 3, same)", L("Conv2D", 4, 3, padding="same"), (7, 8, 3))
    add("Conv2D(4, 3, same, strides=2) odd size", L("Conv2D", 4, 3, padding="same", strides=2),
        (7, 8, 3))
    add("Conv2D(4, (2,3), strides=(2,1), valid)", L("Conv2D", 4, (2, 3), strides=(2, 1)),
        (7, 8, 3))
    add("Conv2D(4, 2, same, strides=2) even kernel", L("Conv2D", 4, 2, padding="same",
                                                       strides=2), (7, 8, 3))
    add("Conv2D(4, 4, same) even kernel", L("Conv2D", 4, 4, padding="same"), (7, 8, 3))
    add("Conv2D(4, 3, dilation_rate=2, valid)", L("Conv2D", 4, 3, dilation_rate=2), (9, 9, 3))
    add("Conv2D(4, 3, dilation_rate=(2,1), same)", L("Conv2D", 4, 3, dilation_rate=(2, 1),
                                                     padding="same"), (9, 9, 3))
    add("Conv2D(6, 3, groups=3)", L("Conv2D", 6, 3, groups=3), (7, 7, 6))
    add("Conv2D(4, 3, use_bias=False)", L("Conv2D", 4, 3, use_bias=False), (6, 6, 2))
    # TensorFlow's CPU kernels have no NCHW convolution: these compare tenseur's
    # channels_first layer with Keras' channels_last one on the transposed input.
    for cname, cls, a, kw in (
            ("Conv2D(4, 3) channels_first", "Conv2D", (4, 3), {}),
            ("Conv2D(4, 3, same, strides=2) channels_first", "Conv2D", (4, 3),
             dict(padding="same", strides=2)),
            ("Conv2DTranspose(4, 3, strides=2, same) channels_first", "Conv2DTranspose",
             (4, 3), dict(padding="same", strides=2)),
            ("DepthwiseConv2D(3) channels_first", "DepthwiseConv2D", (3,), {}),
            ("SeparableConv2D(4, 3) channels_first", "SeparableConv2D", (4, 3), {}),
            ("AveragePooling2D(2) channels_first", "AveragePooling2D", (2,), {}),
            ("Conv1D(4, 3) channels_first", "Conv1D", (4, 3), {})):
        C.append((cname, channels_first_case(cls, a, kw, (3, 7, 8) if "1D" not in cls
                                             else (3, 9))))
    add("Conv3D(4, 3)", L("Conv3D", 4, 3), (5, 5, 5, 2))
    add("Conv2DTranspose(4, 3) valid", L("Conv2DTranspose", 4, 3), (5, 6, 3))
    add("Conv2DTranspose(4, 3, strides=2, same)", L("Conv2DTranspose", 4, 3, strides=2,
                                                    padding="same"), (5, 6, 3))
    add("Conv2DTranspose(4, 3, strides=2, valid)", L("Conv2DTranspose", 4, 3, strides=2),
        (5, 6, 3))
    add("Conv2DTranspose(4, 4, strides=2, same)", L("Conv2DTranspose", 4, 4, strides=2,
                                                    padding="same"), (5, 6, 3))
    add("Conv2DTranspose(4, 3, strides=2, output_padding=1)",
        L("Conv2DTranspose", 4, 3, strides=2, output_padding=1), (5, 6, 3))
    add("Conv1DTranspose(4, 3, strides=2)", L("Conv1DTranspose", 4, 3, strides=2), (6, 3))
    add("DepthwiseConv2D(3)", L("DepthwiseConv2D", 3), (6, 7, 3))
    add("DepthwiseConv2D(3, depth_multiplier=2, same, strides=2)",
        L("DepthwiseConv2D", 3, depth_multiplier=2, padding="same", strides=2), (6, 7, 3))
    add("DepthwiseConv2D(3, dilation_rate=2)", L("DepthwiseConv2D", 3, dilation_rate=2),
        (8, 8, 2))
    add("SeparableConv2D(4, 3)", L("SeparableConv2D", 4, 3), (6, 7, 3))
    add("SeparableConv2D(4, 3, depth_multiplier=2, same, strides=2)",
        L("SeparableConv2D", 4, 3, depth_multiplier=2, padding="same", strides=2), (6, 7, 3))
    add("SeparableConv1D(4, 3)", L("SeparableConv1D", 4, 3), (8, 3))
    add("DepthwiseConv1D(3)", L("DepthwiseConv1D", 3), (8, 3))
    add("DepthwiseConv1D(3, same, dilation 2, multiplier 2)",
        L("DepthwiseConv1D", 3, padding="same", dilation_rate=2, depth_multiplier=2), (8, 3))
    add("SeparableConv1D(4, 3, strides=2, same)",
        L("SeparableConv1D", 4, 3, strides=2, padding="same"), (9, 3))
    add("Conv1DTranspose(2, 3, strides=2, same, output_padding=1)",
        L("Conv1DTranspose", 2, 3, strides=2, padding="same", output_padding=1), (5, 3))

    # pooling
    add("MaxPooling1D(2)", L("MaxPooling1D", 2), (9, 3))
    add("MaxPooling1D(3, strides=2, same)", L("MaxPooling1D", 3, strides=2, padding="same"),
        (9, 3))
    add("AveragePooling1D(2)", L("AveragePooling1D", 2), (9, 3))
    add("AveragePooling1D(3, strides=2, same)", L("AveragePooling1D", 3, strides=2,
                                                  padding="same"), (8, 3))
    add("MaxPooling2D(2)", L("MaxPooling2D", 2), (7, 8, 3))
    add("MaxPooling2D(3, strides=2, same)", L("MaxPooling2D", 3, strides=2, padding="same"),
        (7, 8, 3))
    add("AveragePooling2D(2)", L("AveragePooling2D", 2), (7, 8, 3))
    add("AveragePooling2D(3, strides=2, same) (edge windows)",
        L("AveragePooling2D", 3, strides=2, padding="same"), (7, 8, 3))
    add("AveragePooling2D(2, strides=1, same)", L("AveragePooling2D", 2, strides=1,
                                                  padding="same"), (5, 5, 2))
    add("MaxPooling2D channels_first", L("MaxPooling2D", 2, data_format="channels_first"),
        (3, 6, 8))
    add("MaxPooling3D(2)", L("MaxPooling3D", 2), (4, 4, 4, 2))
    add("AveragePooling3D(2)", L("AveragePooling3D", 2), (4, 4, 4, 2))
    add("GlobalAveragePooling1D", L("GlobalAveragePooling1D"), (6, 3))
    add("GlobalMaxPooling1D", L("GlobalMaxPooling1D"), (6, 3))
    add("GlobalAveragePooling2D", L("GlobalAveragePooling2D"), (5, 6, 3))
    add("GlobalMaxPooling2D", L("GlobalMaxPooling2D"), (5, 6, 3))
    add("GlobalAveragePooling2D(keepdims=True)", L("GlobalAveragePooling2D", keepdims=True),
        (5, 6, 3))
    add("GlobalMaxPooling1D channels_first", L("GlobalMaxPooling1D",
                                               data_format="channels_first"), (3, 6))
    add("GlobalAveragePooling3D", L("GlobalAveragePooling3D"), (3, 3, 3, 2))

    # normalisation
    add("BatchNormalization()", L("BatchNormalization"), (6,))
    add("BatchNormalization() on conv features", L("BatchNormalization"), (4, 5, 3))
    add("BatchNormalization(axis=1)", L("BatchNormalization", axis=1), (3, 4, 5))
    add("BatchNormalization(center=False, scale=False, momentum=0.9, epsilon=0.01)",
        L("BatchNormalization", center=False, scale=False, momentum=0.9, epsilon=0.01), (6,))
    add("LayerNormalization()", L("LayerNormalization"), (6,))
    add("LayerNormalization() 3D", L("LayerNormalization"), (4, 6))
    add("LayerNormalization(axis=[1,2])", L("LayerNormalization", axis=[1, 2]), (4, 6))
    add("LayerNormalization(rms_scaling=True)", L("LayerNormalization", rms_scaling=True),
        (6,))
    add("LayerNormalization(center=False, epsilon=1e-5)",
        L("LayerNormalization", center=False, epsilon=1e-5), (6,))
    add("GroupNormalization(groups=2)", L("GroupNormalization", groups=2), (4, 6))
    add("GroupNormalization(groups=4) images", L("GroupNormalization", groups=4), (5, 5, 8))
    add("GroupNormalization(groups=2, axis=1)", L("GroupNormalization", groups=2, axis=1),
        (4, 6))
    add("UnitNormalization", L("UnitNormalization"), (6,))

    # activation layers
    add("ReLU()", L("ReLU"), (8,))
    add("ReLU(max_value=1.0)", L("ReLU", max_value=1.0), (8,))
    add("ReLU(negative_slope=0.1)", L("ReLU", negative_slope=0.1), (8,))
    add("ReLU(threshold=0.5)", L("ReLU", threshold=0.5), (8,))
    add("ReLU(max_value=1.0, negative_slope=0.1, threshold=0.5)",
        L("ReLU", max_value=1.0, negative_slope=0.1, threshold=0.5), (8,))
    add("ReLU(max_value=6, negative_slope=0.2, threshold=2.0)",
        L("ReLU", max_value=6.0, negative_slope=0.2, threshold=2.0), (8,))
    add("LeakyReLU()", L("LeakyReLU"), (8,))
    add("LeakyReLU(negative_slope=0.1)", L("LeakyReLU", negative_slope=0.1), (8,))
    add("ELU()", L("ELU"), (8,))
    add("ELU(alpha=0.5)", L("ELU", alpha=0.5), (8,))
    add("PReLU()", L("PReLU"), (8,))
    add("PReLU(shared_axes=[1,2])", L("PReLU", shared_axes=[1, 2]), (4, 5, 3))
    add("Softmax()", L("Softmax"), (8,))
    add("Softmax(axis=1) 3D", L("Softmax", axis=1), (4, 5))
    add("Softmax(axis=[1,2])", L("Softmax", axis=[1, 2]), (4, 5))

    # reshaping
    add("Flatten", L("Flatten"), (3, 4, 2))
    add("Flatten channels_first", L("Flatten", data_format="channels_first"), (3, 4, 2))
    add("Reshape((4, 6))", L("Reshape", (4, 6)), (3, 4, 2))
    add("Reshape((-1, 2))", L("Reshape", (-1, 2)), (3, 4, 2))
    add("Permute((2, 1))", L("Permute", (2, 1)), (3, 4))
    add("Permute((3, 1, 2))", L("Permute", (3, 1, 2)), (3, 4, 2))
    add("RepeatVector(3)", L("RepeatVector", 3), (4,))
    add("ZeroPadding1D(2)", L("ZeroPadding1D", 2), (5, 3))
    add("ZeroPadding2D(1)", L("ZeroPadding2D", 1), (4, 5, 3))
    add("ZeroPadding2D(((1,2),(3,0)))", L("ZeroPadding2D", ((1, 2), (3, 0))), (4, 5, 3))
    add("ZeroPadding2D channels_first", L("ZeroPadding2D", (1, 2),
                                          data_format="channels_first"), (3, 4, 5))
    add("Cropping1D((1, 2))", L("Cropping1D", (1, 2)), (7, 3))
    add("Cropping2D(((1,0),(2,1)))", L("Cropping2D", ((1, 0), (2, 1))), (6, 7, 3))
    add("Cropping2D(1) channels_first", L("Cropping2D", 1, data_format="channels_first"),
        (3, 6, 7))
    add("UpSampling1D(3)", L("UpSampling1D", 3), (4, 3))
    add("UpSampling2D(2)", L("UpSampling2D", 2), (3, 4, 2))
    add("UpSampling2D((2,3))", L("UpSampling2D", (2, 3)), (3, 4, 2))
    add("UpSampling2D(2, bilinear)", L("UpSampling2D", 2, interpolation="bilinear"), (3, 4, 2))
    add("UpSampling2D channels_first", L("UpSampling2D", 2, data_format="channels_first"),
        (2, 3, 4))
    add("ZeroPadding3D(1)", L("ZeroPadding3D", 1), (2, 3, 4, 2))
    add("UpSampling3D(2)", L("UpSampling3D", 2), (2, 3, 2, 2))

    # merging
    two = [(4, 5), (4, 5)]
    add("Add", L("Add"), two)
    add("Add (3 inputs)", L("Add"), [(4,), (4,), (4,)])
    add("Subtract", L("Subtract"), two)
    add("Multiply", L("Multiply"), two)
    add("Average", L("Average"), two)
    add("Maximum", L("Maximum"), two)
    add("Minimum", L("Minimum"), two)
    add("Add with broadcasting (4,5)+(1,5)", L("Add"), [(4, 5), (1, 5)])
    add("Concatenate()", L("Concatenate"), [(4, 5), (4, 3)])
    add("Concatenate(axis=1)", L("Concatenate", axis=1), [(4, 5), (2, 5)])
    add("Dot(axes=1) 2D", L("Dot", axes=1), [(5,), (5,)])
    add("Dot(axes=1, normalize=True) 2D", L("Dot", axes=1, normalize=True), [(5,), (5,)])
    add("Dot(axes=(2,2)) 3D", L("Dot", axes=(2, 2)), [(4, 5), (3, 5)])
    add("Dot(axes=(1,1)) 3D", L("Dot", axes=(1, 1)), [(4, 5), (4, 3)])
    add("Dot(axes=-1) 3D", L("Dot", axes=-1), [(4, 5), (3, 5)])
    add("Dot(axes=2, normalize=True) 3D", L("Dot", axes=2, normalize=True), [(4, 5), (3, 5)])

    # regularisation layers at inference (no training step: their training mode is random)
    add("GaussianNoise(0.5) inference", L("GaussianNoise", 0.5), (6,), train=False)
    add("GaussianDropout(0.5) inference", L("GaussianDropout", 0.5), (6,), train=False)
    add("SpatialDropout1D(0.5) inference", L("SpatialDropout1D", 0.5), (4, 3), train=False)
    add("SpatialDropout2D(0.5) inference", L("SpatialDropout2D", 0.5), (4, 4, 3), train=False)
    add("ActivityRegularization(l1=0.1) inference", L("ActivityRegularization", l1=0.1), (6,))
    add("AlphaDropout(0.5) inference", L("AlphaDropout", 0.5), (6,), train=False)

    # recurrent and wrappers (reported as SKIP when tenseur lacks them)
    add("SimpleRNN(4)", L("SimpleRNN", 4), (5, 3))
    add("LSTM(4, return_sequences=True)", L("LSTM", 4, return_sequences=True), (5, 3))
    add("GRU(4)", L("GRU", 4), (5, 3))
    add("SimpleRNN(3, go_backwards, return_sequences)",
        L("SimpleRNN", 3, go_backwards=True, return_sequences=True), (5, 3))
    add("LSTM(3, activation=relu, use_bias=False)",
        L("LSTM", 3, activation="relu", use_bias=False), (5, 3))
    add("LSTM(3, unit_forget_bias=False)", L("LSTM", 3, unit_forget_bias=False), (5, 3))
    add("GRU(3, reset_after=False)", L("GRU", 3, reset_after=False), (5, 3))
    add("GRU(3, return_sequences, go_backwards)",
        L("GRU", 3, return_sequences=True, go_backwards=True), (5, 3))
    add("Bidirectional(GRU(2, return_sequences), merge_mode=sum)",
        lambda lib: k_attr(lib, "layers.Bidirectional")(
            k_attr(lib, "layers.GRU")(2, return_sequences=True), merge_mode="sum"), (4, 3))
    add("TimeDistributed(Conv1D(2, 2))",
        lambda lib: k_attr(lib, "layers.TimeDistributed")(k_attr(lib, "layers.Conv1D")(2, 2)),
        (3, 5, 2))
    add("TimeDistributed(Dense(2))",
        lambda lib: k_attr(lib, "layers.TimeDistributed")(k_attr(lib, "layers.Dense")(2)),
        (4, 3))
    add("Bidirectional(LSTM(2))",
        lambda lib: k_attr(lib, "layers.Bidirectional")(k_attr(lib, "layers.LSTM")(2)),
        (4, 3))

    # regularizers and constraints (the penalties enter the loss of the SGD step)
    add("Dense(4, kernel_regularizer=l2(0.1), bias_regularizer=l1(0.2))",
        lambda lib: lib.layers.Dense(4, kernel_regularizer=lib.regularizers.l2(0.1),
                                     bias_regularizer=lib.regularizers.l1(0.2)), (5,))
    add("Dense(4, kernel_regularizer=l1_l2(0.1, 0.05))",
        lambda lib: lib.layers.Dense(4, kernel_regularizer=lib.regularizers.l1_l2(0.1, 0.05)),
        (5,))
    add("Dense(4, activity_regularizer=l2(0.1))",
        lambda lib: lib.layers.Dense(4, activity_regularizer=lib.regularizers.l2(0.1)), (5,))
    add("Dense(4) + ActivityRegularization(l1=0.1, l2=0.1)",
        lambda lib: [lib.layers.Dense(4), lib.layers.ActivityRegularization(l1=0.1, l2=0.1)],
        (5,))
    add("Conv2D(3, 2, kernel_regularizer='l2')",
        lambda lib: lib.layers.Conv2D(3, 2, kernel_regularizer="l2"), (4, 4, 2))
    add("Dense(4, kernel_constraint=MaxNorm(0.5))",
        lambda lib: lib.layers.Dense(4, kernel_constraint=lib.constraints.MaxNorm(0.5)), (5,))
    add("Dense(4, kernel_constraint=NonNeg())",
        lambda lib: lib.layers.Dense(4, kernel_constraint=lib.constraints.NonNeg()), (5,))
    add("Dense(4, kernel_constraint=UnitNorm())",
        lambda lib: lib.layers.Dense(4, kernel_constraint=lib.constraints.UnitNorm()), (5,))

    # tiny multi-layer models (a CNN block, the course's MLP)
    add("Conv2D+BN+ReLU+MaxPool+Flatten+Dense",
        lambda lib: [k_attr(lib, "layers.Conv2D")(4, 3, padding="same"),
                     k_attr(lib, "layers.BatchNormalization")(),
                     k_attr(lib, "layers.ReLU")(), k_attr(lib, "layers.MaxPooling2D")(2),
                     k_attr(lib, "layers.Flatten")(),
                     k_attr(lib, "layers.Dense")(3, activation="softmax")], (6, 6, 2))
    return C


def channels_first_case(cls, args, kwargs, shape_cf, seed=0):
    def fn(name):
        rng = np.random.RandomState(seed)
        keras.utils.set_random_seed(seed)
        shape_cl = tuple(shape_cf[1:]) + (shape_cf[0],)
        km = build(keras, lambda lib: getattr(lib.layers, cls)(*args, **kwargs), [shape_cl],
                   ["float32"])
        randomize_keras_weights(km, rng)
        tm = build(tk, lambda lib: getattr(lib.layers, cls)(*args, data_format="channels_first",
                                                             **kwargs), [shape_cf], ["float32"])
        kw = km.get_weights()
        if [w.shape for w in kw] != [w.shape for w in tm.get_weights()]:
            record("MISMATCH", name + " [weights]",
                   f"tenseur {[w.shape for w in tm.get_weights()]} vs keras "
                   f"{[w.shape for w in kw]}")
            return
        tm.set_weights(kw)
        x = random_input(shape_cf, "float", rng)
        to_last = (0,) + tuple(range(2, x.ndim)) + (1,)
        to_first = (0, x.ndim - 1) + tuple(range(1, x.ndim - 1))
        yk = km.predict(np.transpose(x, to_last), verbose=0)
        yt = tm.predict(x, verbose=0)
        compare(name, yt, np.transpose(yk, to_first))
    return fn


def check_bn_training_output(name):
    """BatchNormalization called with training=True inside the model: batch statistics."""
    rng = np.random.RandomState(1)
    x = (rng.randn(8, 5) * 2 + 1).astype(np.float32)
    w = [(1 + 0.3 * rng.randn(5)).astype(np.float32), (0.5 * rng.randn(5)).astype(np.float32),
         (0.5 * rng.randn(5)).astype(np.float32), (rng.rand(5) + 0.5).astype(np.float32)]
    ys = []
    for lib in (keras, tk):
        if lib is tk:
            tk.backend.clear_session()
        i = lib.Input(shape=(5,))
        m = lib.Model(i, lib.layers.BatchNormalization(momentum=0.8)(i, training=True))
        m.set_weights(w)
        # Keras 3: predict() passes training=False, which overrides the training=True given
        # when the model was built (Keras 2 kept it); m(x) keeps it. tenseur keeps it in
        # predict, as Keras 2: compare Keras' m(x) with tenseur's predict.
        ys.append(np.asarray(m(x)) if lib is keras else m.predict(x, verbose=0, batch_size=8))
    compare(name, ys[1], ys[0])


# -- losses ---------------------------------------------------------------------------------

def tk_eval(fn):
    """Builds fn() in a fresh tenseur graph and runs it."""
    with tf.Graph().as_default():
        out = fn()
        with tf.Session() as sess:
            return sess.run(out)


def loss_case(cls, kwargs, make_data, call_kwargs=None, seed=0, use_fn=None):
    call_kwargs = call_kwargs or {}

    def fn(name):
        rng = np.random.RandomState(seed)
        y_true, y_pred, extra = make_data(rng)
        kw = dict(call_kwargs)
        if extra is not None:
            kw["sample_weight"] = extra
        if use_fn:
            vk = np.asarray(keras.losses.get(use_fn)(y_true, y_pred, **kwargs))
            tfn = tk_attr("losses." + use_fn)
            vt = tk_eval(lambda: tfn(tf.constant(y_true), tf.constant(y_pred), **kwargs))
        else:
            vk = np.asarray(getattr(keras.losses, cls)(**kwargs)(y_true, y_pred, **kw))
            tcls = tk_attr("losses." + cls)
            vt = tk_eval(lambda: tcls(**kwargs)(
                tf.constant(y_true), tf.constant(y_pred),
                **{k: tf.constant(v) for k, v in kw.items()}))
        compare(name, vt, vk, rtol=1e-4, atol=1e-6)

    return fn


def softmaxed(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return (e / e.sum(-1, keepdims=True)).astype(np.float32)


def loss_cases():
    C = []
    N, K = 6, 4

    def onehot(rng):
        return np.eye(K, dtype=np.float32)[rng.randint(0, K, N)]

    def cat_probs(rng):
        return onehot(rng), softmaxed(rng.randn(N, K)), None

    def cat_logits(rng):
        return onehot(rng), (2 * rng.randn(N, K)).astype(np.float32), None

    def cat_unnormalised(rng):     # probabilities that do not sum to 1
        return onehot(rng), (rng.rand(N, K) + 0.05).astype(np.float32), None

    def cat_extreme(rng):          # a true class with probability 0
        y = np.eye(K, dtype=np.float32)[[0, 1, 2, 3, 0, 1]]
        p = softmaxed(rng.randn(N, K))
        p[0] = [0.0, 0.5, 0.5, 0.0]
        return y, p, None

    def sparse_probs(rng):
        return rng.randint(0, K, N).astype(np.int32), softmaxed(rng.randn(N, K)), None

    def sparse_logits(rng):
        return rng.randint(0, K, N).astype(np.int32), (2 * rng.randn(N, K)).astype(np.float32), None

    def sparse_col(rng):           # labels of shape (N, 1)
        return rng.randint(0, K, (N, 1)).astype(np.int32), softmaxed(rng.randn(N, K)), None

    def bin_probs(rng):
        return rng.randint(0, 2, (N, 3)).astype(np.float32), rng.rand(N, 3).astype(np.float32), None

    def bin_logits(rng):
        return rng.randint(0, 2, (N, 3)).astype(np.float32), (3 * rng.randn(N, 3)).astype(np.float32), None

    def bin_col(rng):              # (N, 1) outputs, the usual binary classifier
        return rng.randint(0, 2, (N, 1)).astype(np.float32), rng.rand(N, 1).astype(np.float32), None

    def bin_vec(rng):              # (N,) labels against (N, 1) predictions
        return rng.randint(0, 2, N).astype(np.float32), rng.rand(N, 1).astype(np.float32), None

    def reg(rng):
        return rng.randn(N, 3).astype(np.float32), rng.randn(N, 3).astype(np.float32), None

    def reg_big(rng):
        return (3 * rng.randn(N, 3)).astype(np.float32), rng.randn(N, 3).astype(np.float32), None

    def reg_pos(rng):
        return (rng.rand(N, 3) + 0.1).astype(np.float32), (rng.rand(N, 3) + 0.1).astype(np.float32), None

    def reg_1d(rng):               # (N,) targets and (N,) predictions
        return rng.randn(N).astype(np.float32), rng.randn(N).astype(np.float32), None

    def reg_sw(rng):
        y, p, _ = reg(rng)
        return y, p, rng.rand(N).astype(np.float32)

    def reg_sw_zero(rng):
        y, p, _ = reg(rng)
        w = rng.rand(N).astype(np.float32)
        w[:3] = 0
        return y, p, w

    def hinge_pm(rng):             # labels in {-1, 1}
        return (2 * rng.randint(0, 2, (N, 3)) - 1).astype(np.float32), rng.randn(N, 3).astype(np.float32), None

    def hinge_01(rng):             # labels in {0, 1}: converted to {-1, 1}
        return rng.randint(0, 2, (N, 3)).astype(np.float32), rng.randn(N, 3).astype(np.float32), None

    def kl(rng):
        return softmaxed(rng.randn(N, K)), softmaxed(rng.randn(N, K)), None

    def add(name, *a, **kw):
        C.append((name, loss_case(*a, **kw)))

    for fl, data in ((False, cat_probs), (True, cat_logits)):
        for ls in (0.0, 0.1):
            add(f"CategoricalCrossentropy(from_logits={fl}, label_smoothing={ls})",
                "CategoricalCrossentropy", dict(from_logits=fl, label_smoothing=ls), data)
    add("CategoricalCrossentropy unnormalised probabilities", "CategoricalCrossentropy", {},
        cat_unnormalised)
    add("CategoricalCrossentropy p(true)=0 (clipping)", "CategoricalCrossentropy", {},
        cat_extreme)
    add("CategoricalCrossentropy reduction=sum", "CategoricalCrossentropy",
        dict(reduction="sum"), cat_probs)
    add("CategoricalCrossentropy reduction=none", "CategoricalCrossentropy",
        dict(reduction="none"), cat_probs)
    add("categorical_crossentropy fn", None, {}, cat_probs, use_fn="categorical_crossentropy")
    add("categorical_crossentropy fn label_smoothing=0.2", None, dict(label_smoothing=0.2),
        cat_probs, use_fn="categorical_crossentropy")
    add("SparseCategoricalCrossentropy()", "SparseCategoricalCrossentropy", {}, sparse_probs)
    add("SparseCategoricalCrossentropy(from_logits=True)", "SparseCategoricalCrossentropy",
        dict(from_logits=True), sparse_logits)
    add("SparseCategoricalCrossentropy labels (N,1)", "SparseCategoricalCrossentropy", {},
        sparse_col)
    add("SparseCategoricalCrossentropy(from_logits, ignore_class=1)",
        "SparseCategoricalCrossentropy", dict(from_logits=True, ignore_class=1), sparse_logits)
    add("sparse_categorical_crossentropy fn", None, {}, sparse_probs,
        use_fn="sparse_categorical_crossentropy")
    for fl, data in ((False, bin_probs), (True, bin_logits)):
        for ls in (0.0, 0.2):
            add(f"BinaryCrossentropy(from_logits={fl}, label_smoothing={ls})",
                "BinaryCrossentropy", dict(from_logits=fl, label_smoothing=ls), data)
    add("BinaryCrossentropy (N,1)", "BinaryCrossentropy", {}, bin_col)
    add("BinaryCrossentropy labels (N,) vs preds (N,1)", "BinaryCrossentropy", {}, bin_vec)
    add("binary_crossentropy fn", None, {}, bin_probs, use_fn="binary_crossentropy")
    add("binary_crossentropy fn from_logits", None, dict(from_logits=True), bin_logits,
        use_fn="binary_crossentropy")
    add("MeanSquaredError", "MeanSquaredError", {}, reg)
    add("MeanSquaredError 1D", "MeanSquaredError", {}, reg_1d)
    add("MeanSquaredError labels (N,) vs preds (N,1)", "MeanSquaredError", {},
        lambda r: (r.randn(N).astype(np.float32), r.randn(N, 1).astype(np.float32), None))
    add("MeanAbsoluteError labels (N,) vs preds (N,1)", "MeanAbsoluteError", {},
        lambda r: (r.randn(N).astype(np.float32), r.randn(N, 1).astype(np.float32), None))
    add("MeanSquaredError sample_weight", "MeanSquaredError", {}, reg_sw)
    add("MeanSquaredError sample_weight with zeros", "MeanSquaredError", {}, reg_sw_zero)
    add("MeanSquaredError sum", "MeanSquaredError", dict(reduction="sum"), reg_sw)
    add("MeanSquaredError none", "MeanSquaredError", dict(reduction="none"), reg)
    add("MeanAbsoluteError", "MeanAbsoluteError", {}, reg)
    add("MeanAbsolutePercentageError", "MeanAbsolutePercentageError", {}, reg)
    add("MeanSquaredLogarithmicError", "MeanSquaredLogarithmicError", {}, reg_pos)
    add("Huber()", "Huber", {}, reg_big)
    add("Huber(delta=0.5)", "Huber", dict(delta=0.5), reg_big)
    add("LogCosh", "LogCosh", {}, reg_big)
    add("KLDivergence", "KLDivergence", {}, kl)
    add("KLDivergence with zeros in y_true", "KLDivergence", {}, cat_probs)
    add("Poisson", "Poisson", {}, reg_pos)
    add("CosineSimilarity", "CosineSimilarity", {}, reg)
    add("CosineSimilarity(axis=0)", "CosineSimilarity", dict(axis=0), reg)
    add("Hinge {-1,1}", "Hinge", {}, hinge_pm)
    add("Hinge {0,1}", "Hinge", {}, hinge_01)
    add("SquaredHinge {0,1}", "SquaredHinge", {}, hinge_01)
    add("CategoricalHinge", "CategoricalHinge", {}, cat_logits)
    add("mse fn", None, {}, reg, use_fn="mse")
    add("huber fn", None, dict(delta=2.0), reg_big, use_fn="huber")
    add("kl_divergence fn", None, {}, kl, use_fn="kl_divergence")
    add("cosine_similarity fn", None, {}, reg, use_fn="cosine_similarity")
    add("Dice", "Dice", {}, bin_probs)
    add("Tversky", "Tversky", {}, bin_probs)
    add("Tversky(alpha=0.7, beta=0.2)", "Tversky", dict(alpha=0.7, beta=0.2), bin_probs)
    add("Dice(axis=-1)", "Dice", dict(axis=-1), bin_probs)
    add("BinaryFocalCrossentropy", "BinaryFocalCrossentropy", {}, bin_probs)
    add("CategoricalFocalCrossentropy", "CategoricalFocalCrossentropy", {}, cat_probs)
    add("BinaryFocalCrossentropy(balanced, logits, smoothing)", "BinaryFocalCrossentropy",
        dict(apply_class_balancing=True, alpha=0.3, gamma=1.5, from_logits=True,
             label_smoothing=0.1), bin_probs)
    add("CategoricalFocalCrossentropy(logits, smoothing)", "CategoricalFocalCrossentropy",
        dict(alpha=0.5, gamma=3.0, from_logits=True, label_smoothing=0.2), cat_logits)
    return C


def compile_case(make, in_shape, loss, labels, metrics=(), in_kind="float", sample_weight=None,
                 class_weight=None, seed=3, n=8):
    """evaluate (loss and metrics) and one train_on_batch step of a compiled tiny model."""
    def fn(name):
        rng = np.random.RandomState(seed)
        x = random_input(in_shape, in_kind, rng) if n == BATCH else None
        if x is None:
            full = (n,) + tuple(in_shape)
            x = (3 * rng.randn(*full)).astype(np.float32) if in_kind == "float" else \
                rng.randint(0, 10, size=full).astype(np.int32)
            if in_kind == "int_with_zeros":
                x = rng.randint(1, 10, size=full).astype(np.int32)
                x[:, -2:] = 0
                x[0, -3:] = 0
        y = labels(rng, n)
        sw = sample_weight(rng, n) if sample_weight else None
        res, ws, losses = [], [], []
        keras.utils.set_random_seed(0)
        for lib in (keras, tk):
            dtype = "int32" if in_kind.startswith("int") else "float32"
            m = build(lib, make, [in_shape], [dtype])
            if lib is keras:
                randomize_keras_weights(m, rng)
                w = m.get_weights()
            m.set_weights(w)
            m.compile(optimizer=lib.optimizers.SGD(learning_rate=0.1), loss=loss,
                      metrics=list(metrics))
            r = m.evaluate(x, y, sample_weight=sw, verbose=0, batch_size=n)
            res.append(np.ravel(np.asarray(r, np.float64)))
            kw = {} if class_weight is None else {"class_weight": class_weight}
            losses.append(float(np.ravel(m.train_on_batch(x, y, sample_weight=sw, **kw))[0]))
            ws.append(m.get_weights())
        compare(name + " [evaluate: loss, metrics]", res[1], res[0])
        ok = all(np.allclose(a, b, rtol=RTOL, atol=1e-5) for a, b in zip(ws[1], ws[0]))
        d = max(float(np.max(np.abs(a - b))) for a, b in zip(ws[1], ws[0]))
        lok = np.isclose(losses[1], losses[0], rtol=1e-4, atol=1e-6)
        record("ok" if ok and lok else "MISMATCH", name + " [train_on_batch]",
               f"loss tenseur {losses[1]:.6g} keras {losses[0]:.6g}; max abs weight diff "
               f"{d:.3g}")
    return fn


def loss_through_model_cases():
    C = []
    dense = lambda k, act=None: (lambda lib: lib.layers.Dense(k, activation=act))  # noqa: E731
    onehot = lambda r, n: np.eye(4, dtype=np.float32)[r.randint(0, 4, n)]  # noqa: E731
    sparse = lambda r, n: r.randint(0, 4, n).astype(np.int32)  # noqa: E731
    binary_col = lambda r, n: r.randint(0, 2, (n, 1)).astype(np.float32)  # noqa: E731
    binary_vec = lambda r, n: r.randint(0, 2, n).astype(np.float32)  # noqa: E731
    reg_col = lambda r, n: r.randn(n, 1).astype(np.float32)  # noqa: E731
    reg_vec = lambda r, n: r.randn(n).astype(np.float32)  # noqa: E731

    def add(name, *a, **kw):
        C.append((name, compile_case(*a, **kw)))

    add("softmax + categorical_crossentropy, metrics=[accuracy]", dense(4, "softmax"), (5,),
        "categorical_crossentropy", onehot, metrics=["accuracy"])
    add("softmax + sparse_categorical_crossentropy, metrics=[accuracy]", dense(4, "softmax"),
        (5,), "sparse_categorical_crossentropy", sparse, metrics=["accuracy"])
    add("sigmoid (N,1) + binary_crossentropy, labels (N,1), metrics=[accuracy]",
        dense(1, "sigmoid"), (5,), "binary_crossentropy", binary_col, metrics=["accuracy"])
    add("sigmoid (N,1) + binary_crossentropy, labels (N,), metrics=[accuracy]",
        dense(1, "sigmoid"), (5,), "binary_crossentropy", binary_vec, metrics=["accuracy"])
    add("linear (N,1) + mse, labels (N,1), metrics=[mae]", dense(1), (5,), "mse", reg_col,
        metrics=["mae"])
    add("linear (N,1) + mse, labels (N,), metrics=[mae]", dense(1), (5,), "mse", reg_vec,
        metrics=["mae"])
    add("softmax + categorical_crossentropy + sample_weight", dense(4, "softmax"), (5,),
        "categorical_crossentropy", onehot, metrics=["accuracy"],
        sample_weight=lambda r, n: r.rand(n).astype(np.float32))
    add("softmax + sparse_categorical_crossentropy + class_weight", dense(4, "softmax"), (5,),
        "sparse_categorical_crossentropy", sparse,
        class_weight={0: 1.0, 1: 2.0, 2: 0.5, 3: 1.5})
    add("Embedding(mask_zero) + Dense softmax per step + sparse CCE (masked loss)",
        lambda lib: [lib.layers.Embedding(10, 3, mask_zero=True),
                     lib.layers.Dense(4, activation="softmax")], (6,),
        "sparse_categorical_crossentropy", lambda r, n: r.randint(0, 4, (n, 6)).astype(np.int32),
        in_kind="int_with_zeros", metrics=["accuracy"])
    add("softmax + metrics [top_k(k=2), AUC, Precision, Recall]", dense(4, "softmax"), (5,),
        "categorical_crossentropy", onehot,
        metrics=["top_k_categorical_accuracy", "AUC", "Precision", "Recall"])
    return C


# -- metrics --------------------------------------------------------------------------------

def metric_case(cls, kwargs, make_data, seed=0, batches=2):
    def fn(name):
        rng = np.random.RandomState(seed)
        data = [make_data(rng) for _ in range(batches)]
        km = getattr(keras.metrics, cls)(**kwargs)
        tm = tk_attr("metrics." + cls)(**kwargs)
        for y, p, w in data:
            km.update_state(y, p, sample_weight=w)
            tm.update_state(y, p, sample_weight=w)
        compare(name, np.asarray(tm.result(), np.float64), np.asarray(km.result(), np.float64),
                rtol=1e-5, atol=1e-6)

    return fn


def metric_cases():
    C = []
    N, K = 16, 5

    def add(name, *a, **kw):
        C.append((name, metric_case(*a, **kw)))

    def cat(rng):
        return np.eye(K, dtype=np.float32)[rng.randint(0, K, N)], softmaxed(rng.randn(N, K)), None

    def cat_sw(rng):
        y, p, _ = cat(rng)
        return y, p, rng.rand(N).astype(np.float32)

    def sparse(rng):
        return rng.randint(0, K, N).astype(np.int32), softmaxed(rng.randn(N, K)), None

    def sparse_col(rng):
        return rng.randint(0, K, (N, 1)).astype(np.int32), softmaxed(rng.randn(N, K)), None

    def binary(rng):
        return rng.randint(0, 2, (N, 1)).astype(np.float32), rng.rand(N, 1).astype(np.float32), None

    def binary_sw(rng):
        y, p, _ = binary(rng)
        return y, p, rng.rand(N).astype(np.float32)

    def binary_flat(rng):
        return rng.randint(0, 2, N).astype(np.float32), rng.rand(N).astype(np.float32), None

    def multilabel(rng):
        return rng.randint(0, 2, (N, 3)).astype(np.float32), rng.rand(N, 3).astype(np.float32), None

    def exact(rng):
        y = rng.randint(0, 3, (N, 2)).astype(np.float32)
        p = y.copy()
        p[rng.rand(N, 2) < 0.4] += 1
        return y, p, None

    def reg(rng):
        return rng.randn(N, 3).astype(np.float32), rng.randn(N, 3).astype(np.float32), None

    def reg_sw(rng):
        y, p, _ = reg(rng)
        return y, p, rng.rand(N).astype(np.float32)

    add("Accuracy", "Accuracy", {}, exact)
    add("BinaryAccuracy", "BinaryAccuracy", {}, binary)
    add("BinaryAccuracy(threshold=0.7)", "BinaryAccuracy", dict(threshold=0.7), binary)
    add("BinaryAccuracy sample_weight", "BinaryAccuracy", {}, binary_sw)
    add("BinaryAccuracy multilabel", "BinaryAccuracy", {}, multilabel)
    add("CategoricalAccuracy", "CategoricalAccuracy", {}, cat)
    add("CategoricalAccuracy sample_weight", "CategoricalAccuracy", {}, cat_sw)
    add("SparseCategoricalAccuracy", "SparseCategoricalAccuracy", {}, sparse)
    add("SparseCategoricalAccuracy labels (N,1)", "SparseCategoricalAccuracy", {}, sparse_col)
    add("TopKCategoricalAccuracy(k=2)", "TopKCategoricalAccuracy", dict(k=2), cat)
    add("TopKCategoricalAccuracy(k=5) default", "TopKCategoricalAccuracy", {}, cat)
    add("SparseTopKCategoricalAccuracy(k=2)", "SparseTopKCategoricalAccuracy", dict(k=2),
        sparse)
    add("SparseTopKCategoricalAccuracy(k=3) labels (N,1)", "SparseTopKCategoricalAccuracy",
        dict(k=3), sparse_col)
    add("BinaryAccuracy labels (N,) vs preds (N,1)", "BinaryAccuracy", {},
        lambda r: (r.randint(0, 2, N).astype(np.float32), r.rand(N, 1).astype(np.float32), None))
    add("AUC()", "AUC", {}, binary)
    add("AUC() flat", "AUC", {}, binary_flat)
    add("AUC(curve=PR)", "AUC", dict(curve="PR"), binary)
    add("AUC(summation_method=minoring)", "AUC", dict(summation_method="minoring"), binary)
    add("AUC(summation_method=majoring)", "AUC", dict(summation_method="majoring"), binary)
    add("AUC(num_thresholds=7)", "AUC", dict(num_thresholds=7), binary)
    add("AUC sample_weight", "AUC", {}, binary_sw)
    add("AUC multilabel", "AUC", {}, multilabel)
    add("AUC(multi_label=True)", "AUC", dict(multi_label=True), multilabel)
    add("AUC(from_logits=True)", "AUC", dict(from_logits=True), reg)
    add("Precision()", "Precision", {}, binary)
    add("Precision(thresholds=0.3)", "Precision", dict(thresholds=0.3), binary)
    add("Precision(top_k=2)", "Precision", dict(top_k=2), multilabel)
    add("Recall(top_k=2)", "Recall", dict(top_k=2), multilabel)
    add("Precision(class_id=1)", "Precision", dict(class_id=1), multilabel)
    add("Precision sample_weight", "Precision", {}, binary_sw)
    add("Recall()", "Recall", {}, binary)
    add("Recall(thresholds=0.7)", "Recall", dict(thresholds=0.7), binary)
    add("Recall multilabel", "Recall", {}, multilabel)
    add("Recall(class_id=2)", "Recall", dict(class_id=2), multilabel)
    add("MeanSquaredError metric", "MeanSquaredError", {}, reg)
    add("MeanSquaredError metric sample_weight", "MeanSquaredError", {}, reg_sw)
    add("MeanAbsoluteError metric", "MeanAbsoluteError", {}, reg)
    add("RootMeanSquaredError", "RootMeanSquaredError", {}, reg)
    add("RootMeanSquaredError sample_weight", "RootMeanSquaredError", {}, reg_sw)
    add("MeanAbsolutePercentageError metric", "MeanAbsolutePercentageError", {}, reg)
    add("CosineSimilarity metric", "CosineSimilarity", {}, reg)
    add("CategoricalCrossentropy metric", "CategoricalCrossentropy", {}, cat)
    add("CategoricalCrossentropy metric label_smoothing", "CategoricalCrossentropy",
        dict(label_smoothing=0.1), cat)
    add("SparseCategoricalCrossentropy metric", "SparseCategoricalCrossentropy", {}, sparse)
    add("BinaryCrossentropy metric", "BinaryCrossentropy", {}, binary)
    add("BinaryCrossentropy metric from_logits", "BinaryCrossentropy", dict(from_logits=True),
        reg)
    add("KLDivergence metric", "KLDivergence", {}, cat)
    add("Hinge metric", "Hinge", {}, reg)
    add("SquaredHinge metric", "SquaredHinge", {}, reg)
    add("Poisson metric", "Poisson", {}, lambda r: ((r.rand(N, 3) + .1).astype(np.float32),
                                                    (r.rand(N, 3) + .1).astype(np.float32),
                                                    None))
    add("LogCoshError metric", "LogCoshError", {}, reg)
    add("TruePositives", "TruePositives", {}, binary)
    add("FalseNegatives(thresholds=0.3)", "FalseNegatives", dict(thresholds=0.3), binary)
    add("PrecisionAtRecall(0.5)", "PrecisionAtRecall", dict(recall=0.5), binary)
    add("SensitivityAtSpecificity(0.5)", "SensitivityAtSpecificity", dict(specificity=0.5),
        binary)
    add("SpecificityAtSensitivity(0.7, num_thresholds=50)", "SpecificityAtSensitivity",
        dict(sensitivity=0.7, num_thresholds=50), binary)
    add("RecallAtPrecision(0.6)", "RecallAtPrecision", dict(precision=0.6), binary)
    add("PrecisionAtRecall(0.8) sample_weight", "PrecisionAtRecall", dict(recall=0.8),
        lambda r: binary(r)[:2] + (r.rand(N).astype(np.float32),))
    add("F1Score", "F1Score", {}, multilabel)
    add("F1Score(average=macro, threshold=0.5)", "F1Score",
        dict(average="macro", threshold=0.5), multilabel)
    add("F1Score(average=micro)", "F1Score", dict(average="micro"), multilabel)
    add("FBetaScore(average=weighted, beta=2)", "FBetaScore",
        dict(average="weighted", beta=2.0, threshold=0.4), multilabel)
    add("R2Score", "R2Score", {}, reg)
    add("R2Score(variance_weighted_average, num_regressors=1)", "R2Score",
        dict(class_aggregation="variance_weighted_average", num_regressors=1), reg)
    add("R2Score(class_aggregation=None)", "R2Score", dict(class_aggregation=None), reg)
    add("MeanIoU(3)", "MeanIoU", dict(num_classes=3),
        lambda r: (r.randint(0, 3, N).astype(np.int32), r.randint(0, 3, N).astype(np.int32), None))
    add("MeanIoU(4, ignore_class=0)", "MeanIoU", dict(num_classes=4, ignore_class=0),
        lambda r: (r.randint(0, 3, N).astype(np.int32), r.randint(0, 3, N).astype(np.int32), None))
    add("MeanIoU(3, scores)", "MeanIoU", dict(num_classes=3, sparse_y_pred=False),
        lambda r: (r.randint(0, 3, N).astype(np.int32), r.rand(N, 3).astype(np.float32), None))

    def mean_case(name):
        rng = np.random.RandomState(0)
        a, b, w = rng.randn(7), rng.randn(5), rng.rand(5)
        km, tm = keras.metrics.Mean(), tk_attr("metrics.Mean")()
        for m in (km, tm):
            m.update_state(a)
            m.update_state(b, sample_weight=w)
        compare(name, np.asarray(tm.result(), np.float64), np.asarray(km.result(), np.float64))
    C.append(("Mean with sample_weight", mean_case))
    return C


# -- activations ----------------------------------------------------------------------------

def activation_cases():
    C = []
    x = np.linspace(-6, 6, 49, dtype=np.float32).reshape(7, 7)

    def case(fname, kwargs):
        def fn(name):
            vk = np.asarray(getattr(keras.activations, fname)(x, **kwargs))
            tfn = tk_attr("activations." + fname)
            vt = tk_eval(lambda: tfn(tf.constant(x), **kwargs))
            compare(name, vt, vk)
        return fn

    for fname, kwargs in (("relu", {}), ("relu", dict(negative_slope=0.1, max_value=2.0,
                                                      threshold=0.5)),
                          ("sigmoid", {}), ("hard_sigmoid", {}), ("softmax", {}),
                          ("softmax", dict(axis=0)), ("log_softmax", {}), ("tanh", {}),
                          ("elu", {}), ("elu", dict(alpha=0.5)), ("selu", {}),
                          ("softplus", {}), ("softsign", {}), ("swish", {}), ("silu", {}),
                          ("gelu", {}), ("gelu", dict(approximate=True)), ("leaky_relu", {}),
                          ("exponential", {}), ("linear", {}), ("relu6", {}), ("mish", {}),
                          ("hard_silu", {})):
        C.append((f"activations.{fname}({kwargs})", case(fname, kwargs)))
    return C


# -- optimizers -----------------------------------------------------------------------------

def optimizer_case(cls, kwargs, steps=3, seed=0, regularized=False):
    def fn(name):
        rng = np.random.RandomState(seed)
        x = rng.randn(8, 5).astype(np.float32)
        y = rng.randn(8, 3).astype(np.float32)
        keras.utils.set_random_seed(seed)
        models = []
        for lib in (keras, tk):
            if lib is tk:
                tk.backend.clear_session()
                opt = tk_attr("optimizers." + cls)(**kwargs)
            else:
                opt = getattr(keras.optimizers, cls)(**kwargs)
            i = lib.Input(shape=(5,))
            h = lib.layers.Dense(4, activation="tanh")(i)
            o = lib.layers.Dense(3)(h)
            m = lib.Model(i, o)
            m.compile(optimizer=opt, loss="mse")
            models.append(m)
        km, tm = models
        w0 = [0.5 * rng.randn(*w.shape).astype(np.float32) for w in km.get_weights()]
        km.set_weights(w0)
        tm.set_weights(w0)
        for _ in range(steps):
            km.train_on_batch(x, y)
            tm.train_on_batch(x, y)
        diffs = [float(np.max(np.abs(a - b))) for a, b in zip(tm.get_weights(),
                                                              km.get_weights())]
        moved = max(float(np.max(np.abs(a - b))) for a, b in zip(km.get_weights(), w0))
        ok = all(np.allclose(a, b, rtol=1e-4, atol=1e-6) for a, b in
                 zip(tm.get_weights(), km.get_weights()))
        record("ok" if ok else "MISMATCH", name,
               f"max abs weight diff {max(diffs):.3g} (keras moved the weights by up to "
               f"{moved:.3g})")

    return fn


def optimizer_cases():
    C = []

    def add(name, *a, **kw):
        C.append((name, optimizer_case(*a, **kw)))

    add("SGD(0.1)", "SGD", dict(learning_rate=0.1))
    add("SGD(0.1, momentum=0.9)", "SGD", dict(learning_rate=0.1, momentum=0.9))
    add("SGD(0.1, momentum=0.9, nesterov=True)", "SGD", dict(learning_rate=0.1, momentum=0.9,
                                                             nesterov=True))
    add("SGD(0.1, weight_decay=0.1)", "SGD", dict(learning_rate=0.1, weight_decay=0.1))
    add("SGD(0.1, clipnorm=0.1)", "SGD", dict(learning_rate=0.1, clipnorm=0.1))
    add("SGD(0.1, clipvalue=0.05)", "SGD", dict(learning_rate=0.1, clipvalue=0.05))
    add("SGD(0.1, global_clipnorm=0.1)", "SGD", dict(learning_rate=0.1, global_clipnorm=0.1))
    add("Adam()", "Adam", dict(learning_rate=0.01))
    add("Adam(amsgrad=True)", "Adam", dict(learning_rate=0.01, amsgrad=True))
    add("Adam(beta_1=0.5, beta_2=0.9, epsilon=1e-3)", "Adam",
        dict(learning_rate=0.01, beta_1=0.5, beta_2=0.9, epsilon=1e-3))
    add("Adam(weight_decay=0.1)", "Adam", dict(learning_rate=0.01, weight_decay=0.1))
    add("AdamW(weight_decay=0.1)", "AdamW", dict(learning_rate=0.01, weight_decay=0.1))
    add("AdamW default", "AdamW", dict(learning_rate=0.01))
    add("RMSprop()", "RMSprop", dict(learning_rate=0.01))
    add("RMSprop(momentum=0.9)", "RMSprop", dict(learning_rate=0.01, momentum=0.9))
    add("RMSprop(centered=True)", "RMSprop", dict(learning_rate=0.01, centered=True))
    add("RMSprop(centered=True, momentum=0.5)", "RMSprop",
        dict(learning_rate=0.01, centered=True, momentum=0.5))
    add("Adagrad()", "Adagrad", dict(learning_rate=0.1))
    add("Adagrad(initial_accumulator_value=0.0)", "Adagrad",
        dict(learning_rate=0.1, initial_accumulator_value=0.0))
    add("Adadelta(1.0)", "Adadelta", dict(learning_rate=1.0))
    add("Adadelta(1.0, rho=0.5)", "Adadelta", dict(learning_rate=1.0, rho=0.5))
    add("Adamax()", "Adamax", dict(learning_rate=0.01))
    add("Nadam()", "Nadam", dict(learning_rate=0.01))
    add("Nadam 6 steps", "Nadam", dict(learning_rate=0.01), steps=6)
    add("Ftrl(0.1)", "Ftrl", dict(learning_rate=0.1))
    add("Ftrl(0.1, l1=0.01, l2=0.01)", "Ftrl", dict(learning_rate=0.1,
                                                   l1_regularization_strength=0.01,
                                                   l2_regularization_strength=0.01))
    add("Ftrl(0.1, l2_shrinkage=0.1, beta=0.5, power=-0.3)", "Ftrl",
        dict(learning_rate=0.1, l2_shrinkage_regularization_strength=0.1, beta=0.5,
             learning_rate_power=-0.3))
    add("Lion()", "Lion", dict(learning_rate=0.01))
    add("Adafactor()", "Adafactor", dict(learning_rate=0.01))

    def schedule_opt(name):
        sched = dict(initial_learning_rate=0.1, decay_steps=1, decay_rate=0.5)
        rng = np.random.RandomState(0)
        x, y = rng.randn(8, 5).astype(np.float32), rng.randn(8, 3).astype(np.float32)
        ms = []
        for lib in (keras, tk):
            if lib is tk:
                tk.backend.clear_session()
            opt = lib.optimizers.SGD(learning_rate=lib.optimizers.schedules.ExponentialDecay(
                **sched))
            i = lib.Input(shape=(5,))
            m = lib.Model(i, lib.layers.Dense(3)(i))
            m.compile(optimizer=opt, loss="mse")
            ms.append(m)
        w0 = [0.5 * rng.randn(*w.shape).astype(np.float32) for w in ms[0].get_weights()]
        for m in ms:
            m.set_weights(w0)
            for _ in range(3):
                m.train_on_batch(x, y)
        compare(name, np.concatenate([w.ravel() for w in ms[1].get_weights()]),
                np.concatenate([w.ravel() for w in ms[0].get_weights()]))
    C.append(("SGD with ExponentialDecay schedule, 3 steps", schedule_opt))
    return C


def schedule_cases():
    C = []

    def case(cls, kwargs, steps=(0, 1, 3, 7, 10, 25)):
        def fn(name):
            ks = getattr(keras.optimizers.schedules, cls)(**kwargs)
            vk = [float(np.asarray(ks(s))) for s in steps]
            tcls = tk_attr("optimizers.schedules." + cls)
            ts = tcls(**kwargs)
            vt = []
            for s in steps:
                v = tk_eval(lambda: ts(tf.constant(s, dtype=tf.int64)))
                vt.append(float(np.asarray(v)))
            compare(name, vt, vk, rtol=1e-5, atol=1e-7)
        return fn

    for cls, kw in (
            ("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=4,
                                      decay_rate=0.5)),
            ("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=4,
                                      decay_rate=0.5, staircase=True)),
            ("PiecewiseConstantDecay", dict(boundaries=[2, 8], values=[0.1, 0.05, 0.01])),
            ("PolynomialDecay", dict(initial_learning_rate=0.1, decay_steps=10,
                                     end_learning_rate=0.01, power=2.0)),
            ("PolynomialDecay", dict(initial_learning_rate=0.1, decay_steps=10,
                                     end_learning_rate=0.01, power=1.0, cycle=True)),
            ("InverseTimeDecay", dict(initial_learning_rate=0.1, decay_steps=2,
                                      decay_rate=0.5)),
            ("InverseTimeDecay", dict(initial_learning_rate=0.1, decay_steps=2,
                                      decay_rate=0.5, staircase=True)),
            ("CosineDecay", dict(initial_learning_rate=0.1, decay_steps=20, alpha=0.1)),
            ("CosineDecay", dict(initial_learning_rate=0.0, decay_steps=20,
                                 warmup_target=0.1, warmup_steps=5)),
            ("CosineDecayRestarts", dict(initial_learning_rate=0.1, first_decay_steps=5)),
            ("CosineDecayRestarts", dict(initial_learning_rate=0.1, first_decay_steps=4,
                                         t_mul=1.0, m_mul=0.5, alpha=0.1))):
        C.append((f"schedules.{cls}({kw})", case(cls, kw)))
    return C


# -- main -----------------------------------------------------------------------------------

def object_config_cases():
    """Every optimizer, loss, metric and initializer class both frameworks have (made with
    their defaults), and constraints, regularizers and schedules with arguments: each
    framework rebuilds the object from the other's get_config() (what loading a compiled
    model does)."""
    import inspect
    bases = {"Optimizer", "Loss", "Metric", "MeanMetricWrapper", "Initializer", "Reduction",
             "LossFunctionWrapper"}
    needs = {"MeanIoU": (2,), "PrecisionAtRecall": (0.5,), "RecallAtPrecision": (0.5,),
             "SensitivityAtSpecificity": (0.5,), "SpecificityAtSensitivity": (0.5,)}
    cases = []
    for section in ("optimizers", "losses", "metrics", "initializers"):
        for name in sorted(dir(getattr(tk, section))):
            t_cls, k_cls = getattr(getattr(tk, section), name), getattr(
                getattr(keras, section), name, None)
            if inspect.isclass(t_cls) and inspect.isclass(k_cls) and not name.startswith("_") \
                    and name not in bases:
                cases.append((f"{section}.{name}", needs.get(name, ()), t_cls, k_cls))
    for path, args in (("regularizers.L1", (0.1,)), ("regularizers.L2", (0.1,)),
                       ("regularizers.L1L2", (0.1, 0.2)), ("constraints.MaxNorm", (1.5,)),
                       ("constraints.MinMaxNorm", (0.5, 2.0)), ("constraints.NonNeg", ()),
                       ("constraints.UnitNorm", (1,)),
                       ("optimizers.schedules.ExponentialDecay", (0.1, 10, 0.9)),
                       ("optimizers.schedules.PiecewiseConstantDecay", ([10], [0.1, 0.01])),
                       ("optimizers.schedules.PolynomialDecay", (0.1, 10)),
                       ("optimizers.schedules.InverseTimeDecay", (0.1, 10, 0.5)),
                       ("optimizers.schedules.CosineDecay", (0.1, 10)),
                       ("optimizers.schedules.CosineDecayRestarts", (0.1, 10))):
        cases.append((path, args, path, k_attr(keras, path)))

    def case(label, args, t_cls, k_cls):
        def fn(name):
            t_class = tk_attr(t_cls) if isinstance(t_cls, str) else t_cls
            try:
                t_obj, k_obj = t_class(*args), k_cls(*args)
            except TypeError as exc:       # a class that needs arguments: not this check's
                raise Skip(f"needs arguments: {exc}") from None
            if not hasattr(t_obj, "get_config") or not hasattr(k_obj, "get_config"):
                raise Skip("no get_config")
            problems = []
            for cls, config, who in ((k_cls, t_obj.get_config(), "Keras"),
                                     (t_class, k_obj.get_config(), "tenseur")):
                try:
                    cls.from_config(config)
                except Exception as exc:  # noqa: BLE001 - reported
                    problems.append(f"{who} cannot read the other's config: "
                                    f"{type(exc).__name__}: {str(exc).splitlines()[-1][:150]}")
            record("MISMATCH" if problems else "ok", name, "; ".join(problems))
        return (f"{label} config read both ways", fn)
    return [case(*c) for c in cases]


def main():
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", action="append", help="run only cases whose name contains this")
    parser.add_argument("-v", "--verbose", action="store_true", help="print tracebacks")
    ARGS = parser.parse_args()
    print(f"keras {keras.__version__}, tensorflow {tensorflow.__version__}")
    sections = (("layers", layer_cases()),
                ("layers: BatchNormalization training=True output",
                 [("BatchNormalization(momentum=0.8) called with training=True",
                   check_bn_training_output)]),
                ("activations", activation_cases()), ("losses", loss_cases()),
                ("losses through evaluate", loss_through_model_cases()),
                ("metrics", metric_cases()), ("optimizers", optimizer_cases()),
                ("learning-rate schedules", schedule_cases()),
                ("configs read by the other framework", object_config_cases()))
    for title, cases in sections:
        print(f"== {title}")
        for name, fn in cases:
            run_case(name, fn)
    counts = {}
    for status, _, _ in RESULTS:
        counts[status] = counts.get(status, 0) + 1
    print("== summary: " + ", ".join(f"{counts.get(s, 0)} {s}" for s in
                                      ("ok", "MISMATCH", "ERROR", "SKIP")))
    for status, name, detail in RESULTS:
        if status in ("MISMATCH", "ERROR"):
            print(f"  {status:8s} {name}  -- {detail}")
    return 1 if counts.get("MISMATCH") or counts.get("ERROR") else 0


if __name__ == "__main__":
    sys.exit(main())
