"""Random `compile` / `fit` / `evaluate` settings against real Keras 3: tenseur.keras and Keras
train the same small model (Keras' drawn weights copied in) with settings drawn at random —
regression or classification head, loss spelling, metrics, optimizer (SGD with momentum or
Nesterov, Adam, RMSprop, Adagrad) and its learning rate, batch size (dividing the data or
not), epochs and initial_epoch, validation_split or validation_data, sample_weight,
class_weight, callbacks (EarlyStopping, ReduceLROnPlateau, LearningRateScheduler) — with
shuffle=False, and must give the same history (every key and value), the
same final weights and the same `evaluate` results, through keras_training_parity's checker.

    PYTHONPATH=. KERAS_BACKEND=tensorflow .venv-bench/bin/python \\
        benchmarks/keras_fit_fuzz_parity.py [--seed S] [--cases N] [--only I ...] [-v]

Case I of seed S is drawn from its own generator (`--only I` reruns it). Exit status 1 when
any case is not ok. `make parity` runs seed 0, in graph and in eager mode.
"""
import argparse
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import keras_training_parity as T  # noqa: E402  (imports Keras 3 and tenseur.keras)
from fuzz_report import summarize  # noqa: E402
import tenseur  # noqa: E402


EAGER = False          # --eager: tenseur's model built and trained in eager mode


def draw(seed, index):
    """(label, run(lib)) of case `index`."""
    r = random.Random(seed * 1_000_003 + index)
    rng = np.random.RandomState(seed * 7919 + index)
    n = r.choice([12, 16, 20, 23])
    x = rng.randn(n, 4).astype(np.float32)
    head = r.choice(["regression", "classes", "binary"])
    if head == "regression":
        y = (x @ rng.randn(4, 1) + 0.1 * rng.randn(n, 1)).astype(np.float32)
        loss = r.choice(["mse", "mae", "huber", "mean_squared_logarithmic_error", "log_cosh"])
        if loss == "mean_squared_logarithmic_error":
            y = np.abs(y)
        metrics = r.sample(["mae", "mse", "RootMeanSquaredError"], r.randint(0, 2))
        out, act = 1, r.choice([None, None, "relu"])
    elif head == "classes":
        labels = rng.randint(0, 3, size=n).astype(np.int32)
        sparse = r.random() < 0.5
        y = labels if sparse else np.eye(3, dtype=np.float32)[labels]
        logits = r.random() < 0.3
        loss = ("sparse_categorical_crossentropy" if sparse else "categorical_crossentropy")
        metrics = r.sample(["accuracy", "top_k_categorical_accuracy" if not sparse
                            else "sparse_top_k_categorical_accuracy"], r.randint(0, 2))
        out, act = 3, (None if logits else "softmax")
        if logits:
            loss = {"class_name": "SparseCategoricalCrossentropy" if sparse
                    else "CategoricalCrossentropy", "config": {"from_logits": True}}
    else:
        y = (rng.rand(n, 1) > 0.5).astype(np.float32)
        loss = "binary_crossentropy"
        metrics = r.sample(["accuracy", "AUC", "Precision", "Recall"], r.randint(0, 2))
        out, act = 1, "sigmoid"
    optimizer = r.choice([("SGD", {"learning_rate": r.choice([0.01, 0.1])}),
                          ("SGD", {"learning_rate": 0.05, "momentum": 0.9,
                                   "nesterov": r.random() < 0.5}),
                          ("Adam", {"learning_rate": r.choice([0.001, 0.01])}),
                          ("RMSprop", {"learning_rate": 0.01}),
                          ("Adagrad", {"learning_rate": 0.1})])
    epochs = r.randint(1, 3)
    fit = dict(batch_size=r.choice([1, 4, 5, 8, 32]), epochs=epochs, shuffle=False,
               initial_epoch=r.choice([0, 0, epochs - 1]))
    split = r.random()
    if split < 0.25:
        fit["validation_split"] = r.choice([0.2, 0.25, 0.3])
    elif split < 0.4:
        fit["validation_data"] = (x[:5], y[:5])
    if r.random() < 0.3:
        fit["sample_weight"] = (rng.rand(n) + 0.5).round(2).astype(np.float32)
    elif head == "classes" and r.random() < 0.3:
        fit["class_weight"] = {0: 1.0, 1: 2.0, 2: 0.5}
    callbacks = []
    if r.random() < 0.35:
        fit["epochs"] = epochs = r.randint(2, 4)
        fit["initial_epoch"] = 0
        monitor = "val_loss" if ("validation_split" in fit or "validation_data" in fit) \
            and r.random() < 0.6 else "loss"
        callbacks = r.sample([("EarlyStopping", {"monitor": monitor, "patience": r.randint(0, 1),
                                                 "min_delta": r.choice([0.0, 0.01]),
                                                 "restore_best_weights": r.random() < 0.5}),
                              ("ReduceLROnPlateau", {"monitor": monitor, "factor": 0.5,
                                                     "patience": 0, "min_delta": 0.001}),
                              ("LearningRateScheduler", {})], r.randint(1, 2))
    label = (f"#{index} {head} loss={loss if isinstance(loss, str) else loss['class_name']} "
             f"metrics={metrics} {optimizer[0]}{optimizer[1]} "
             f"{ {k: v for k, v in fit.items() if k not in ('sample_weight', 'validation_data')} }"
             f"{' sample_weight' if 'sample_weight' in fit else ''}"
             f"{' validation_data' if 'validation_data' in fit else ''}"
             f"{' callbacks=' + str(callbacks) if callbacks else ''}")

    def run(lib):
        if lib is T.tk and EAGER:
            with tenseur.eager_mode():
                return train(lib)
        return train(lib)

    def train(lib):
        model = T.sync(T.mlp, lib, out, act)
        lib_loss = loss if isinstance(loss, str) else lib.losses.get(loss)
        model.compile(optimizer=getattr(lib.optimizers, optimizer[0])(**optimizer[1]),
                      loss=lib_loss, metrics=list(metrics) or None)
        made = [getattr(lib.callbacks, name)(**options) if name != "LearningRateScheduler"
                else lib.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.7)
                for name, options in callbacks]
        history = model.fit(x, y, verbose=0, callbacks=made, **fit)
        result = model.evaluate(x, y, verbose=0, batch_size=fit["batch_size"])
        return {"history": T.hist(history), "epoch": list(history.epoch),
                "weights": T.weights(model), "evaluate": T.to_py(result)}
    return label, run


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--only", type=int, action="append", help="run only case I")
    parser.add_argument("--eager", action="store_true",
                        help="tenseur's models built and trained in eager mode (run_eagerly)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    global EAGER
    EAGER = args.eager
    T.ARGS = argparse.Namespace(k=None, verbose=args.verbose)
    for index in args.only or range(args.cases):
        label, run = draw(args.seed, index)

        def check(run=run):
            got, want = T.both(run)
            # Float32 rounding accumulates over up to ~70 steps (batch 1, momentum): 1e-4.
            T.check(got, want, rtol=1e-4, atol=1e-5)
        T.run_case(label, check)
    return summarize(T.RESULTS, args.seed)


if __name__ == "__main__":
    sys.exit(main())
