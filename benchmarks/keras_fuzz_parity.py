"""Random layer configurations against real Keras 3: tenseur.keras layers built with arguments
drawn at random (filters, kernel sizes, strides, dilations, paddings, groups, activations,
axes, units, recurrent options) on random input shapes, and small stacks of 2-5 such layers
(image or sequence layers, then a head), through keras_layer_parity's checker:
the weight lists (count, order, shapes), `predict` on the same input with Keras' randomised
weights copied in, and one SGD step's updated weights (or, for a layer without weights, the
gradient through it into a Dense before it).

    PYTHONPATH=. KERAS_BACKEND=tensorflow .venv-bench/bin/python benchmarks/keras_fuzz_parity.py
        [--seed S] [--cases N] [--only I ...] [--saving] [-v]

`--saving` instead saves each model in one framework and loads it in the other, in the three
formats both write (.keras archive, legacy .h5, .weights.h5), both ways, and compares the
loaded model's predictions with the saver's.

Case I of seed S is drawn from its own generator (`--seed S --only I` reruns it alone). Exit
status 1 when any case is MISMATCH or ERROR. `make parity` runs seed 0 (200 cases, and 100
with --saving).
"""
import argparse
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras_layer_parity as K  # noqa: E402  (imports Keras 3 and tenseur)
from fuzz_report import summarize  # noqa: E402

ACTIVATIONS = [None, "relu", "sigmoid", "tanh", "softmax", "elu", "selu", "softplus", "swish",
               "linear", "relu6", "leaky_relu", "hard_sigmoid", "gelu"]


def draw_stack(r):
    """A small model of 2-5 layers: image layers then a head, or sequence layers then one."""
    pick, integer = r.choice, r.randint
    specs = []          # (no Dropout: the SGD step would draw other masks in each framework)
    if r.random() < 0.6:
        shape = (integer(5, 9), integer(5, 9), integer(1, 3))
        for _ in range(integer(1, 3)):
            specs.append(pick([
                ("Conv2D", dict(filters=integer(1, 4), kernel_size=integer(1, 3),
                                padding="same", activation=pick(ACTIVATIONS))),
                ("DepthwiseConv2D", dict(kernel_size=3, padding="same")),
                ("MaxPooling2D", dict(pool_size=2, padding="same")),
                ("AveragePooling2D", dict(pool_size=2, strides=1, padding="same")),
                ("BatchNormalization", dict(momentum=0.5)),
                ("Activation", dict(activation=pick(["relu", "tanh", "softplus"])))]))
        specs.append(pick([("Flatten", {}), ("GlobalAveragePooling2D", {}),
                           ("GlobalMaxPooling2D", {})]))
    else:
        shape = (integer(2, 6), integer(1, 3))
        for _ in range(integer(1, 2)):
            specs.append(pick([
                ("Conv1D", dict(filters=integer(1, 3), kernel_size=integer(1, 3),
                                padding=pick(["same", "causal"]))),
                ("LSTM", dict(units=integer(1, 3), return_sequences=True)),
                ("GRU", dict(units=integer(1, 3), return_sequences=True)),
                ("SimpleRNN", dict(units=integer(1, 3), return_sequences=True)),
                ("LayerNormalization", {}), ("Dense", dict(units=integer(1, 3)))]))
        specs.append(pick([("GlobalAveragePooling1D", {}), ("Flatten", {}),
                           ("LSTM", dict(units=2)), ("GRU", dict(units=2))]))
    specs.append(("Dense", dict(units=integer(1, 3), activation=pick(ACTIVATIONS))))
    return f"stack {specs} on {shape}", \
        lambda lib, sp=specs: [getattr(lib.layers, name)(**args) for name, args in sp], \
        [shape], None, dict(rtol=1e-3, atol=1e-4)


def draw(seed, index):
    """(name, make(lib), input shapes, input kinds, options) of case `index`."""
    r = random.Random(seed * 1_000_003 + index)
    pick, integer = r.choice, r.randint
    if r.random() < 0.2:
        return draw_stack(r)
    kind = pick(["conv2d", "conv2d", "conv1d", "conv2d_transpose", "depthwise", "separable",
                 "pool2d", "pool1d", "global_pool", "dense", "dense", "norm", "reshaping",
                 "merge", "rnn", "rnn", "embedding"])
    activation = pick(ACTIVATIONS)
    if kind in ("conv2d", "conv2d_transpose", "depthwise", "separable", "pool2d"):
        height, width, channels = integer(3, 8), integer(3, 8), pick([1, 2, 3, 4, 6])
        shape = (height, width, channels)
        kernel = (integer(1, 3), integer(1, 3))
        padding = pick(["valid", "same"])
        strides = (integer(1, 2), integer(1, 2))
        dilation = pick([1, 1, 2]) if strides == (1, 1) else 1
        if padding == "valid" and (dilation * (kernel[0] - 1) >= height
                                   or dilation * (kernel[1] - 1) >= width):
            padding = "same"
        if kind == "conv2d":
            filters = pick([1, 2, 3, 4, 6])
            groups = pick([g for g in (1, 2, 3) if channels % g == 0 and filters % g == 0])
            use_bias = r.random() < 0.8
            args = dict(filters=filters, kernel_size=kernel, strides=strides, padding=padding,
                        dilation_rate=dilation, groups=groups, activation=activation,
                        use_bias=use_bias)
            return f"Conv2D({args}) on {shape}", \
                lambda lib, a=args: lib.layers.Conv2D(**a), [shape], None, {}
        if kind == "conv2d_transpose":
            args = dict(filters=integer(1, 4), kernel_size=kernel, strides=strides,
                        padding=padding, activation=activation)
            return f"Conv2DTranspose({args}) on {shape}", \
                lambda lib, a=args: lib.layers.Conv2DTranspose(**a), [shape], None, {}
        if kind in ("depthwise", "separable"):
            strides = (strides[0], strides[0])     # TF's depthwise kernels: equal strides only
        if kind == "depthwise":
            args = dict(kernel_size=kernel, strides=strides if dilation == 1 else (1, 1),
                        padding=padding, depth_multiplier=integer(1, 2),
                        dilation_rate=dilation, activation=activation)
            return f"DepthwiseConv2D({args}) on {shape}", \
                lambda lib, a=args: lib.layers.DepthwiseConv2D(**a), [shape], None, {}
        if kind == "separable":
            args = dict(filters=integer(1, 4), kernel_size=kernel, strides=strides,
                        padding=padding, depth_multiplier=integer(1, 2), activation=activation)
            return f"SeparableConv2D({args}) on {shape}", \
                lambda lib, a=args: lib.layers.SeparableConv2D(**a), [shape], None, {}
        cls = pick(["MaxPooling2D", "AveragePooling2D"])
        pool = (integer(1, 3), integer(1, 3))
        if padding == "valid" and (pool[0] > height or pool[1] > width):
            padding = "same"
        args = dict(pool_size=pool, strides=pick([None, strides]), padding=padding)
        return f"{cls}({args}) on {shape}", \
            lambda lib, c=cls, a=args: getattr(lib.layers, c)(**a), [shape], None, {}
    if kind in ("conv1d", "pool1d"):
        steps, channels = integer(3, 9), integer(1, 4)
        shape = (steps, channels)
        size, stride = integer(1, 3), integer(1, 2)
        padding = pick(["valid", "same", "causal"] if kind == "conv1d" else ["valid", "same"])
        dilation = pick([1, 2]) if stride == 1 else 1
        if padding == "valid" and dilation * (size - 1) >= steps:
            padding = "same"
        if kind == "conv1d":
            args = dict(filters=integer(1, 4), kernel_size=size, strides=stride,
                        padding=padding, dilation_rate=dilation, activation=activation)
            return f"Conv1D({args}) on {shape}", \
                lambda lib, a=args: lib.layers.Conv1D(**a), [shape], None, {}
        cls = pick(["MaxPooling1D", "AveragePooling1D"])
        args = dict(pool_size=min(size, steps), strides=stride, padding=padding)
        return f"{cls}({args}) on {shape}", \
            lambda lib, c=cls, a=args: getattr(lib.layers, c)(**a), [shape], None, {}
    if kind == "global_pool":
        cls = pick(["GlobalAveragePooling2D", "GlobalMaxPooling2D", "GlobalAveragePooling1D",
                    "GlobalMaxPooling1D"])
        shape = (integer(1, 5), integer(1, 5), integer(1, 4)) if cls.endswith("2D") \
            else (integer(1, 6), integer(1, 4))
        args = dict(keepdims=r.random() < 0.5)
        return f"{cls}({args}) on {shape}", \
            lambda lib, c=cls, a=args: getattr(lib.layers, c)(**a), [shape], None, {}
    if kind == "dense":
        shape = tuple(integer(1, 5) for _ in range(integer(1, 3)))
        args = dict(units=integer(1, 6), activation=activation, use_bias=r.random() < 0.8)
        return f"Dense({args}) on {shape}", lambda lib, a=args: lib.layers.Dense(**a), \
            [shape], None, {}
    if kind == "norm":
        # Sizes from 2: over one value, Keras' x * inv - mean * inv (inv = 1/sqrt(eps)) leaves
        # a rounding error of ~1e-4 where tenseur gives exactly the offset.
        shape = tuple(integer(2, 4) for _ in range(integer(1, 3)))
        rank = len(shape) + 1
        if r.random() < 0.5:
            axis = pick([-1] + list(range(1, rank)))
            args = dict(axis=axis, momentum=pick([0.9, 0.5]), epsilon=pick([1e-3, 1e-5]),
                        center=r.random() < 0.8, scale=r.random() < 0.8)
            return f"BatchNormalization({args}) on {shape}", \
                lambda lib, a=args: lib.layers.BatchNormalization(**a), [shape], None, {}
        axes = sorted(r.sample(range(1, rank), integer(1, rank - 1)))
        args = dict(axis=axes if len(axes) > 1 or r.random() < 0.5 else axes[0],
                    epsilon=pick([1e-3, 1e-6]), center=r.random() < 0.8,
                    scale=r.random() < 0.8)
        return f"LayerNormalization({args}) on {shape}", \
            lambda lib, a=args: lib.layers.LayerNormalization(**a), [shape], None, {}
    if kind == "reshaping":
        which = pick(["Flatten", "Permute", "Reshape", "RepeatVector", "ZeroPadding2D",
                      "Cropping2D", "UpSampling2D", "ZeroPadding1D", "Cropping1D",
                      "UpSampling1D"])
        if which in ("ZeroPadding2D", "Cropping2D", "UpSampling2D"):
            shape = (integer(3, 6), integer(3, 6), integer(1, 3))
            if which == "ZeroPadding2D":
                args = dict(padding=((integer(0, 2), integer(0, 2)),
                                     (integer(0, 2), integer(0, 2))))
            elif which == "Cropping2D":
                args = dict(cropping=((integer(0, 1), integer(0, 1)),
                                      (integer(0, 1), integer(0, 1))))
            else:
                args = dict(size=(integer(1, 3), integer(1, 3)),
                            interpolation=pick(["nearest", "bilinear"]))
        elif which in ("ZeroPadding1D", "Cropping1D", "UpSampling1D", "RepeatVector"):
            shape = (integer(3, 6),) if which == "RepeatVector" else (integer(3, 6),
                                                                      integer(1, 3))
            args = {"ZeroPadding1D": dict(padding=(integer(0, 2), integer(0, 2))),
                    "Cropping1D": dict(cropping=(integer(0, 1), integer(0, 1))),
                    "UpSampling1D": dict(size=integer(1, 3)),
                    "RepeatVector": dict(n=integer(1, 3))}[which]
        else:
            shape = tuple(integer(1, 4) for _ in range(integer(1, 3)))
            if which == "Permute":
                dims = list(range(1, len(shape) + 1))
                r.shuffle(dims)
                args = dict(dims=tuple(dims))
            elif which == "Reshape":
                target = [int(__import__("math").prod(shape))]
                if target[0] % 2 == 0 and r.random() < 0.5:
                    target = [2, target[0] // 2]
                if r.random() < 0.4:
                    target[0] = -1
                args = dict(target_shape=tuple(target))
            else:
                args = {}
        return f"{which}({args}) on {shape}", \
            lambda lib, c=which, a=args: getattr(lib.layers, c)(**a), [shape], None, {}
    if kind == "merge":
        which = pick(["Concatenate", "Add", "Subtract", "Multiply", "Average", "Maximum",
                      "Minimum", "Dot"])
        shape = tuple(integer(1, 4) for _ in range(integer(1, 3)))
        shapes = [shape, shape]
        args = {}
        if which == "Concatenate":
            axis = integer(1, len(shape))
            other = list(shape)
            other[axis - 1] = integer(1, 4)
            shapes = [shape, tuple(other)]
            args = dict(axis=pick([axis, axis - len(shape) - 1]))
        elif which == "Dot":
            shape = (integer(1, 4),)
            shapes = [shape, shape]
            args = dict(axes=1, normalize=r.random() < 0.5)
        return f"{which}({args}) on {shapes}", \
            lambda lib, c=which, a=args: getattr(lib.layers, c)(**a), shapes, None, {}
    if kind == "rnn":
        which = pick(["SimpleRNN", "LSTM", "GRU"])
        shape = (integer(1, 5), integer(1, 3))
        args = dict(units=integer(1, 4), return_sequences=r.random() < 0.5,
                    go_backwards=r.random() < 0.3, activation=pick(["tanh", "relu", "sigmoid"]))
        if which == "GRU":
            args["reset_after"] = r.random() < 0.7
        if which != "SimpleRNN" and r.random() < 0.5:
            args["recurrent_activation"] = pick(["sigmoid", "hard_sigmoid", "tanh"])
        return f"{which}({args}) on {shape}", \
            lambda lib, c=which, a=args: getattr(lib.layers, c)(**a), [shape], None, \
            dict(rtol=1e-3, atol=1e-4)
    length = integer(1, 5)
    args = dict(input_dim=integer(10, 12), output_dim=integer(1, 4))   # inputs are 0 .. 9
    return f"Embedding({args}) on ({length},)", \
        lambda lib, a=args: lib.layers.Embedding(**a), [(length,)], ["int"], dict(train=False)


def saving_case(make, shapes, kinds, seed):
    """The model Input(shapes) -> make(lib) saved by one framework and loaded by the other, in
    each format both write (.keras archive, legacy .h5 model, .weights.h5 into the same
    architecture), both ways; the loaded model's predictions must equal the saver's."""
    import tempfile

    import keras
    import numpy as np

    kinds = kinds or ["float"] * len(shapes)
    dtypes = ["int32" if k.startswith("int") else "float32" for k in kinds]

    def fn(name):
        rng = np.random.RandomState(seed)
        keras.utils.set_random_seed(seed)
        km = K.build(keras, make, shapes, dtypes)
        K.randomize_keras_weights(km, rng)
        tm = K.build(K.tk, make, shapes, dtypes)
        tm.set_weights(km.get_weights())
        xs = [K.random_input(s, k, rng) for s, k in zip(shapes, kinds)]
        feed = xs if len(xs) > 1 else xs[0]
        want = km.predict(feed, verbose=0, batch_size=K.BATCH)
        problems = []
        with tempfile.TemporaryDirectory() as folder:
            for suffix in (".keras", ".h5", ".weights.h5"):
                for saver, loader, label in ((tm, keras, "tenseur -> Keras"),
                                             (km, K.tk, "Keras -> tenseur")):
                    path = os.path.join(folder, f"model{suffix}")
                    try:
                        if suffix == ".weights.h5":
                            saver.save_weights(path)
                            loaded = K.build(loader, make, shapes, dtypes)
                            loaded.load_weights(path)
                        else:
                            saver.save(path)
                            loaded = loader.models.load_model(path, compile=False)
                        got = loaded.predict(feed, verbose=0, batch_size=K.BATCH)
                    except Exception as exc:   # noqa: BLE001 - reported as a mismatch
                        problems.append(f"{label} {suffix}: {type(exc).__name__}: "
                                        f"{str(exc).splitlines()[0][:120] if str(exc) else ''}")
                        continue
                    if not np.allclose(got, want, rtol=K.RTOL, atol=K.ATOL):
                        problems.append(f"{label} {suffix}: predictions differ (max abs diff "
                                        f"{np.max(np.abs(np.asarray(got) - want)):.3g})")
        K.record("MISMATCH" if problems else "ok", name, "; ".join(problems))
    return fn


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--only", type=int, action="append", help="run only case I")
    parser.add_argument("--saving", action="store_true",
                        help="save each model in one framework and load it in the other "
                             "(.keras, .h5, .weights.h5), instead of the layer checks")
    parser.add_argument("-v", "--verbose", action="store_true", help="print tracebacks")
    args = parser.parse_args(argv)
    K.ARGS = argparse.Namespace(k=None, verbose=args.verbose)
    for index in args.only or range(args.cases):
        name, make, shapes, kinds, options = draw(args.seed, index)
        if args.saving:
            K.run_case(f"#{index} {name} [saved and loaded]",
                       saving_case(make, shapes, kinds, seed=index))
        else:
            K.run_case(f"#{index} {name}",
                       K.layer_case(make, shapes, kinds, seed=index, **options))
    return summarize(K.RESULTS, args.seed)


if __name__ == "__main__":
    sys.exit(main())
