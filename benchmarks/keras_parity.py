"""Deterministic parity of tenseur.keras with real Keras 3 on the dropout MLP of examples/keras_mlp.py.

Both models are built in one process (784-64-32-16-10, sigmoid, softmax, SGD 5e-2, categorical
cross-entropy) and get the SAME initial weights (Keras' glorot_uniform draw, copied into
tenseur) and the SAME batches (no shuffling). Checks:

1. data: the MNIST split and pixel scaling the benchmark feeds both frameworks;
2. initialisers: tenseur's glorot_uniform/zeros draw from the same law as Keras' (bounds,
   moments), biases zero;
3. no dropout: loss and every weight after 1 step (the gradient = (w0 - w1) / lr) and after
   200 steps of `fit(shuffle=False)`, and the loss on probabilities with clipping (a softmax
   output whose true-class probability is below 1e-7), where Keras backs through the logits;
4. dropout math with a fixed mask: the layer's output and gradient when both frameworks'
   Dropout draw the same uniform numbers (`x / keep * floor(keep + u)` against Keras'
   `tf.nn.dropout`), reproduced with a mask fed in from NumPy;
5. dropout statistics: kept fraction, scale 1/(1 - rate), zeros elsewhere, a fresh mask per
   step and per element, identity in evaluate/predict and with training=False;
6. shuffling: once keras.utils.set_random_seed is called, real Keras 3 on TensorFlow feeds
   the batches in the same order every epoch (reported); tenseur reshuffles every epoch, as
   Keras documents `shuffle=True` ("shuffle the training data before each epoch").

Run: PYTHONPATH=. TENSEUR_DATA_DIR=/work/shared/data .venv-bench/bin/python benchmarks/keras_parity.py
(.venv-bench holds TensorFlow 2.21 / Keras 3; tenseur needs only NumPy.) Exit status 1 if a
check fails.
"""
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402

import keras  # noqa: E402  (real Keras 3)
import tensorflow as tensorflow  # noqa: E402
import tenseur as tf  # noqa: E402
from tenseur import keras as tk  # noqa: E402
from keras_mlp_seeds import build, load_mnist  # noqa: E402

LR = 5e-2
FAILURES = []


def check(name, ok, detail=""):
    print(f"  [{'ok' if ok else 'FAIL'}] {name}" + (f": {detail}" if detail else ""))
    if not ok:
        FAILURES.append(name)


def rel(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-30))


def models(dropout=0.0, seed=0):
    keras.utils.set_random_seed(seed)
    km = build(keras, dropout)
    km.compile(optimizer=keras.optimizers.SGD(learning_rate=LR),
               loss="categorical_crossentropy", metrics=["accuracy"])
    tk.backend.clear_session()
    tf.set_random_seed(seed)
    tm = build(tk, dropout)
    tm.compile(optimizer=tk.optimizers.SGD(learning_rate=LR),
               loss="categorical_crossentropy", metrics=["accuracy"])
    tm.set_weights(km.get_weights())
    return km, tm


def weights_rel(km, tm):
    return [rel(t, k) for k, t in zip(km.get_weights(), tm.get_weights())]


def check_data(data):
    print("data")
    (x, y), (x_val, y_val), (x_test, y_test) = data
    check("split 55000 / 5000 / 10000", (len(x), len(x_val), len(x_test)) == (55000, 5000, 10000))
    check("float32 pixels in [0, 1] (x / 255)", x.dtype == np.float32 and x.max() == 1.0
          and x.min() == 0.0)
    raw = (x_val[0] * 255).round()
    check("validation = first 5000 training images",
          np.array_equal(np.float32(raw) * np.float32(1 / 255), x_val[0]))


def check_initializers():
    print("initialisers")
    shape = (784, 64)
    limit = np.sqrt(6 / sum(shape))
    k = keras.initializers.GlorotUniform(seed=1)(shape).numpy()
    tk.backend.clear_session()
    layer = tk.layers.Dense(64)
    layer.build((None, 784))
    t = layer.get_weights()[0]
    for name, w in (("keras", k), ("tenseur", t)):
        check(f"{name} glorot_uniform within ±sqrt(6/(fan_in+fan_out))",
              np.abs(w).max() <= limit and np.abs(w).max() > 0.99 * limit,
              f"max |w| {np.abs(w).max():.5f}, limit {limit:.5f}, std {w.std():.5f} "
              f"(uniform: {limit / np.sqrt(3):.5f}), mean {w.mean():+.5f}")
    layer = tk.layers.Dense(64)
    layer.build((None, 784))
    check("tenseur Dense bias starts at zero", not np.any(layer.get_weights()[1]))


def check_no_dropout(data):
    print("no dropout: one step (train_on_batch), identical weights and batch")
    (x, y), _, _ = data
    km, tm = models(0.0)
    w0 = km.get_weights()
    xb, yb = x[:128], y[:128]
    lk = float(km.train_on_batch(xb, yb)[0])
    lt = float(np.ravel(tm.train_on_batch(xb, yb))[0])
    check("loss after step 1", rel(lt, lk) < 1e-5, f"keras {lk:.7f}, tenseur {lt:.7f}")
    names = [f"{w.path}" for w in km.weights]
    # (w0 - w1) / lr keeps only the digits of lr * g below w0's: for the first kernel
    # (|w| ~ 0.08, |lr g| ~ 1e-5) float32 leaves ~4 digits, hence the 2e-4 tolerance.
    for name, w, k, t in zip(names, w0, km.get_weights(), tm.get_weights()):
        gk, gt = (w - k) / LR, (w - t) / LR
        check(f"gradient of {name}", rel(gt, gk) < 2e-4,
              f"rel diff {rel(gt, gk):.2e}, |g|max {np.abs(gk).max():.3e}")

    print("no dropout: 200 steps of fit(shuffle=False, batch 128)")
    km, tm = models(0.0)
    n = 200 * 128
    hk = km.fit(x[:n], y[:n], batch_size=128, epochs=1, shuffle=False, verbose=0)
    ht = tm.fit(x[:n], y[:n], batch_size=128, epochs=1, shuffle=False, verbose=0)
    lk, lt = hk.history["loss"][0], ht.history["loss"][0]
    check("mean training loss over the epoch", rel(lt, lk) < 1e-4,
          f"keras {lk:.6f}, tenseur {lt:.6f}")
    for name, r in zip(names, weights_rel(km, tm)):
        check(f"{name} after 200 steps", r < 1e-4, f"rel diff {r:.2e}")
    ek = km.evaluate(x[:2000], y[:2000], verbose=0)
    et = tm.evaluate(x[:2000], y[:2000], verbose=0)
    check("evaluate (loss, accuracy)", rel(et, ek) < 1e-4, f"keras {ek}, tenseur {et}")

    print("no dropout: 20 epochs of 200 steps (4000 steps) on the same batches")
    km, tm = models(0.0)
    sub = slice(0, 128 * 200)
    hk = km.fit(x[sub], y[sub], batch_size=128, epochs=20, shuffle=False, verbose=0)
    ht = tm.fit(x[sub], y[sub], batch_size=128, epochs=20, shuffle=False, verbose=0)
    rs = weights_rel(km, tm)
    check("weights after 4000 steps", max(rs) < 1e-3,
          f"max rel diff {max(rs):.2e}; loss keras {hk.history['loss'][-1]:.6f}, "
          f"tenseur {ht.history['loss'][-1]:.6f}")


def check_clipped_probabilities():
    print("cross-entropy on a softmax output whose true class is below 1e-7")
    logits = np.array([[30.0, 0.0, -5.0], [0.0, 1.0, 2.0]], np.float32)
    labels = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]], np.float32)
    for name, lib in (("keras", keras), ("tenseur", tk)):
        inp = lib.Input(shape=(3,))
        out = lib.layers.Activation("softmax")(inp)
        m = lib.Model(inp, out)
        m.compile(optimizer=lib.optimizers.SGD(learning_rate=LR),
                  loss="categorical_crossentropy")
        loss = m.evaluate(logits, labels, verbose=0)
        loss = float(np.ravel(loss)[0])
        exact = np.mean([35.0 + np.log1p(np.exp(-30) + np.exp(-35)),
                         -1.0 + np.log(np.exp(0) + np.exp(1) + np.exp(2))])
        clipped = np.mean([-np.log(1e-7), -1.0 + np.log(np.exp(0) + np.exp(1) + np.exp(2))])
        check(f"{name}: loss through the logits ({exact:.4f}), not clipped ({clipped:.4f})",
              abs(loss - exact) < 1e-3, f"{loss:.4f}")


def check_dropout_math():
    print("dropout with a fixed uniform draw: tenseur's op against tf.nn.dropout")
    rng = np.random.RandomState(0)
    xs = rng.randn(64, 16).astype(np.float32)
    rate = 0.5
    # TF: tf.nn.dropout keeps x where u >= rate, scaled by 1/(1 - rate).
    u = rng.rand(64, 16).astype(np.float32)
    keep = u >= rate
    ref = np.where(keep, xs / np.float32(1 - rate), 0).astype(np.float32)
    # tenseur: x / keep_prob * floor(keep_prob + u') keeps where u' >= rate when u' = u.
    keep_prob = np.float32(1 - rate)
    ours = xs / keep_prob * np.floor(keep_prob + u)
    check("same kept elements for the same uniform numbers",
          np.array_equal(np.floor(keep_prob + u) == 1, keep))
    check("same values", np.allclose(ours, ref, rtol=1e-6, atol=0))
    # gradient: mask / keep_prob in both (d out / d x)
    with tensorflow.GradientTape() as tape:
        xt = tensorflow.constant(xs)
        tape.watch(xt)
        out = tensorflow.reduce_sum(tensorflow.where(tensorflow.constant(keep), xt / (1 - rate), 0.0))
    g = tape.gradient(out, xt).numpy()
    with tf.Graph().as_default():
        xg = tf.constant(xs)
        o2 = tf.reduce_sum(xg / keep_prob * tf.floor(keep_prob + tf.constant(u)))
        with tf.Session() as sess:
            g2 = sess.run(tf.gradients(o2, xg)[0])
    check("same gradient", np.allclose(g, g2), f"max diff {np.abs(g - g2).max():.2e}")


def masked_models(rate, seed=0):
    """The dropout MLP with each Dropout replaced by a product with a mask fed as an input."""
    built = []
    for lib in (keras, tk):
        if lib is tk:
            tk.backend.clear_session()
        inputs = [lib.Input(shape=(784,))] + [lib.Input(shape=(n,)) for n in (64, 32, 16)]
        h = inputs[0]
        for size, mask in zip((64, 32, 16), inputs[1:]):
            h = lib.layers.Dense(size, activation="sigmoid")(h)
            h = lib.layers.Multiply()([h, mask])
        m = lib.Model(inputs, lib.layers.Dense(10, activation="softmax")(h))
        m.compile(optimizer=lib.optimizers.SGD(learning_rate=LR),
                  loss="categorical_crossentropy")
        built.append(m)
    km, tm = built
    keras.utils.set_random_seed(seed)
    w = build(keras, 0.0).get_weights()
    km.set_weights(w)
    tm.set_weights(w)
    return km, tm


def check_fixed_masks(data, rate=0.5, steps=430):
    print(f"dropout {rate} with the same masks in both (masks fed as inputs), {steps} steps")
    (x, y), _, _ = data
    n = min(steps * 128, len(x))
    rng = np.random.RandomState(0)
    masks = [(rng.rand(n, k) >= rate).astype(np.float32) / np.float32(1 - rate)
             for k in (64, 32, 16)]
    km, tm = masked_models(rate)
    hk = km.fit([x[:n]] + masks, y[:n], batch_size=128, epochs=1, shuffle=False, verbose=0)
    ht = tm.fit([x[:n]] + masks, y[:n], batch_size=128, epochs=1, shuffle=False, verbose=0)
    lk, lt = hk.history["loss"][0], ht.history["loss"][0]
    rs = weights_rel(km, tm)
    check("loss and weights agree", rel(lt, lk) < 1e-4 and max(rs) < 1e-4,
          f"loss keras {lk:.6f}, tenseur {lt:.6f}; max rel weight diff {max(rs):.2e}")


def check_dropout_statistics(data):
    print("dropout statistics (rate 0.5), layer and model")
    rate = 0.5
    ones = np.ones((1000, 1000), np.float32)
    tk.backend.clear_session()
    layer = keras.layers.Dropout(rate)
    draws = {"keras": [np.asarray(layer(ones, training=t)) for t in (True, True, False)]}
    with tf.Graph().as_default():   # tenseur's graph mode: each run draws a new mask
        layer = tk.layers.Dropout(rate)
        train, infer = layer(tf.constant(ones), training=True), layer(tf.constant(ones),
                                                                      training=False)
        with tf.Session() as sess:
            draws["tenseur"] = [sess.run(train), sess.run(train), sess.run(infer)]
    for name, (a, b, c) in draws.items():
        kept = float(np.mean(a != 0))
        check(f"{name}: kept fraction {kept:.4f} (1 - rate)", abs(kept - (1 - rate)) < 0.005)
        check(f"{name}: kept values = 1/(1 - rate)", np.all(np.isin(a, [0.0, 1 / (1 - rate)])))
        check(f"{name}: per-element mask (rows and columns differ)",
              len({r.tobytes() for r in (a[:20] != 0)}) == 20
              and len({r.tobytes() for r in (a.T[:20] != 0)}) == 20)
        check(f"{name}: a new mask on each call", np.mean((a != 0) == (b != 0)) < 0.6)
        check(f"{name}: identity with training=False", np.array_equal(c, ones))

    (x, y), _, _ = data
    xb, yb = x[:128], y[:128]
    k0, t0 = models(0.0)
    plain = k0.predict(xb, verbose=0), t0.predict(xb, verbose=0)
    w0 = k0.get_weights()
    km, tm = models(rate)
    km.set_weights(w0)
    tm.set_weights(w0)
    for name, m in (("keras", km), ("tenseur", tm)):
        p1, p2 = m.predict(xb, verbose=0), m.predict(xb, verbose=0)
        e1, e2 = m.evaluate(xb, yb, verbose=0), m.evaluate(xb, yb, verbose=0)
        check(f"{name}: predict and evaluate are deterministic (no dropout)",
              np.array_equal(p1, p2) and np.allclose(e1, e2))
    check("predict with Dropout = predict without (same weights)",
          np.allclose(km.predict(xb, verbose=0), plain[0], atol=1e-6)
          and np.allclose(tm.predict(xb, verbose=0), plain[1], atol=1e-6))
    # A fresh mask per step: with lr 0 the training loss on one batch changes step to step.
    for name, lib, m in (("keras", keras, km), ("tenseur", tk, tm)):
        m.compile(optimizer=lib.optimizers.SGD(learning_rate=0.0),
                  loss="categorical_crossentropy")
        losses = [float(np.ravel(m.train_on_batch(xb, yb))[0]) for _ in range(200)]
        exp = float(np.ravel(m.evaluate(xb, yb, verbose=0))[0])
        check(f"{name}: a fresh mask each step (200 losses, {len(set(losses))} distinct)",
              len(set(losses)) > 190,
              f"mean training loss {np.mean(losses):.4f} ± {np.std(losses):.4f}, "
              f"loss without dropout {exp:.4f}")
    # the same statistic with the same weights: the training-mode loss distribution
    lk = [float(np.ravel(km.train_on_batch(xb, yb))[0]) for _ in range(400)]
    lt = [float(np.ravel(tm.train_on_batch(xb, yb))[0]) for _ in range(400)]
    se = np.hypot(np.std(lk), np.std(lt)) / np.sqrt(400)
    check("same training-mode loss distribution, same weights (400 masks each)",
          abs(np.mean(lk) - np.mean(lt)) < 4 * se,
          f"keras {np.mean(lk):.5f} ± {np.std(lk):.5f}, tenseur {np.mean(lt):.5f} ± "
          f"{np.std(lt):.5f}")


def batch_orders_repeat(lib, seed=0, epochs=3):
    """Whether fit(shuffle=True) feeds the batches in the same order every epoch: with lr 0
    the batch losses of an epoch are a fingerprint of its order."""
    if lib is keras:
        keras.utils.set_random_seed(seed)
    else:
        tk.backend.clear_session()
        tf.set_random_seed(seed)
        np.random.seed(seed)
    rng = np.random.RandomState(1)
    x = rng.rand(8 * 16, 5).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.randint(0, 3, len(x))]
    inputs = lib.Input(shape=(5,))
    model = lib.Model(inputs, lib.layers.Dense(3, activation="softmax")(inputs))
    model.compile(optimizer=lib.optimizers.SGD(learning_rate=0.0),
                  loss="categorical_crossentropy")
    losses = []
    record = lib.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: losses.append(round(float(logs["loss"]), 6)))
    model.fit(x, y, batch_size=16, epochs=epochs, shuffle=True, verbose=0, callbacks=[record])
    per_epoch = np.array(losses).reshape(epochs, -1)
    return all(np.array_equal(per_epoch[0], e) for e in per_epoch[1:])


def check_shuffling():
    print("fit(shuffle=True) after seeding (Keras: keras.utils.set_random_seed)")
    repeat = batch_orders_repeat(keras)
    print(f"  [info] keras: the same batch order every epoch: {repeat} (TensorFlow's tf.data "
          f"redraws the permutation with the same seed each epoch; unseeded, it changes)")
    check("tenseur: a new batch order every epoch (Keras' documented shuffle)",
          not batch_orders_repeat(tk))


def main():
    data = load_mnist()     # read_data_sets looks in $TENSEUR_DATA_DIR itself
    check_data(data)
    check_initializers()
    check_no_dropout(data)
    check_clipped_probabilities()
    check_dropout_math()
    check_fixed_masks(data)
    check_dropout_statistics(data)
    check_shuffling()
    print(f"{len(FAILURES)} failed" + (": " + ", ".join(FAILURES) if FAILURES else ""))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
