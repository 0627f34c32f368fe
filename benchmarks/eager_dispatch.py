"""Eager dispatch: microseconds per small eager op and per training step of the slides' MLP,
eager vs `tenseur.function` vs graph mode vs PyTorch eager, in one run on one machine.

- small op: `a + b` on two 10-element float32 tensors (the cost of dispatching an op: the
  kernel itself is ~0.5 us of NumPy);
- MLP step: 784-64-32-16-10, sigmoid, softmax, the slides' cross-entropy, SGD, batch 128, on
  random data (the arithmetic is the same for every contender, so the gap is overhead);
- optimizer step: `apply_gradients` (SGD, Adam; `tenseur.train` and Keras) on the MLP's 8
  variables, traced (the default from the second step) and op by op, against PyTorch's
  `optimizer.step()`.

The machine may be shared: each number is the median of several repeats, and contenders are
measured in alternation so that a noisy moment hurts all of them alike. PyTorch is measured
when importable (run this file with an interpreter that has torch, e.g.
`PYTHONPATH=. /tmp/eagervenv/bin/python benchmarks/eager_dispatch.py`); otherwise it is skipped
with a note.

Run: python benchmarks/eager_dispatch.py [--repeats 9] [--quick]
"""
import argparse
import os
import platform
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import tenseur as tf
from tenseur import eager
from tenseur.eager import function

try:
    import torch
except ImportError:            # the rival is optional
    torch = None

SIZES = [784, 64, 32, 16, 10]
BATCH = 128
LEARNING_RATE = 5e-2


def per_call(fn, number):
    """Seconds per call of `fn` over `number` calls (one repeat)."""
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def alternate(contenders, number, repeats):
    """{name: median microseconds per call}, the contenders measured turn by turn."""
    for fn in contenders.values():          # warm-up: traces, plans, caches
        per_call(fn, max(number // 10, 3))
    samples = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, fn in contenders.items():
            samples[name].append(per_call(fn, number))
    return {name: statistics.median(s) * 1e6 for name, s in samples.items()}


# -- the small op ---------------------------------------------------------------------------

def small_op_contenders():
    values, reversed_values = np.arange(10, dtype=np.float32), np.arange(10, 0, -1, np.float32)
    contenders = {}
    with eager.eager_mode():
        a, b = tf.constant(values), tf.constant(reversed_values)

    def numpy_add():
        for _ in range(100):
            values + reversed_values
    contenders["NumPy a + b (the kernel alone)"] = numpy_add

    def tenseur_add():
        with eager.eager_mode():
            for _ in range(100):
                a + b
    contenders["tenseur eager a + b"] = tenseur_add
    if torch is not None:
        ta, tb = torch.tensor(values), torch.tensor(reversed_values)

        def torch_add():
            for _ in range(100):
                ta + tb
        contenders["PyTorch eager a + b"] = torch_add
    return contenders


# -- the MLP step ---------------------------------------------------------------------------

def initial_weights(seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((m, n)).astype(np.float32) * 0.5, np.zeros(n, np.float32))
            for m, n in zip(SIZES[:-1], SIZES[1:])]


def batches(seed=0, count=8):
    rng = np.random.default_rng(seed)
    images = rng.uniform(0, 1, (BATCH * count, 784)).astype(np.float32)
    labels = np.eye(10, dtype=np.float32)[rng.integers(0, 10, BATCH * count)]
    return [(images[i:i + BATCH], labels[i:i + BATCH]) for i in range(0, len(images), BATCH)]


def slides_loss(params, x, y):
    h = x
    for w, b in params[:-1]:
        h = tf.nn.sigmoid(tf.nn.bias_add(tf.matmul(h, w), b))
    out = tf.nn.softmax(tf.nn.bias_add(tf.matmul(h, params[-1][0]), params[-1][1]))
    return tf.reduce_mean(-tf.reduce_sum(y * tf.log(out), axis=-1))


def cycling(step, data, eagerly=False):
    """A no-argument call running `step` on the next batch (inside eager_mode if asked)."""
    state = {"i": 0}

    def run():
        bx, by = data[state["i"] % len(data)]
        state["i"] += 1
        if eagerly:
            with eager.eager_mode():
                step(bx, by)
        else:
            step(bx, by)
    return run


def tape_step(params):
    """The eager training step: the slides' loss under a GradientTape, then SGD."""
    variables = [v for pair in params for v in pair]
    optimizer = tf.train.GradientDescentOptimizer(LEARNING_RATE)

    def step(bx, by):
        with eager.GradientTape() as tape:
            loss = slides_loss(params, bx, by)
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss
    return step


def mlp_contenders():
    data = batches()
    init = initial_weights()
    contenders = {}
    with eager.eager_mode():
        eager_params = [(tf.Variable(w), tf.Variable(b)) for w, b in init]
        traced_params = [(tf.Variable(w), tf.Variable(b)) for w, b in init]
    contenders["tenseur eager (GradientTape)"] = cycling(tape_step(eager_params), data, True)
    contenders["tenseur @function (traced step)"] = cycling(
        function(tape_step(traced_params)), data, True)

    graph = tf.Graph()
    with graph.as_default():
        params = [(tf.Variable(w), tf.Variable(b)) for w, b in init]
        x = tf.placeholder(tf.float32, [None, 784])
        y = tf.placeholder(tf.float32, [None, 10])
        train = tf.train.GradientDescentOptimizer(LEARNING_RATE).minimize(slides_loss(params, x, y))
        sess = tf.Session(graph=graph)
        sess.run(tf.global_variables_initializer())
    contenders["tenseur graph (Session.run)"] = cycling(
        lambda bx, by: sess.run(train, {x: bx, y: by}), data)

    if torch is not None:
        tparams = [(torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True))
                   for w, b in init]
        optimizer = torch.optim.SGD([t for pair in tparams for t in pair], lr=LEARNING_RATE)
        tdata = [(torch.from_numpy(bx), torch.from_numpy(by)) for bx, by in data]

        def torch_step(bx, by):
            h = bx
            for w, b in tparams[:-1]:
                h = torch.sigmoid(h @ w + b)
            out = torch.softmax(h @ tparams[-1][0] + tparams[-1][1], dim=-1)
            loss = (-(by * torch.log(out)).sum(dim=-1)).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        contenders["PyTorch eager (autograd)"] = cycling(torch_step, tdata)
    return contenders


# -- the optimizer step ---------------------------------------------------------------------

def optimizer_contenders():
    """apply_gradients on the MLP's 8 variables with fixed gradients: as it runs by default
    (one traced function from the second step, eager/traced_steps.py) and op by op (what
    `run_functions_eagerly(True)` keeps it to), against PyTorch's optimizer.step()."""
    from tenseur import keras
    init = [a for pair in initial_weights() for a in pair]
    rng = np.random.default_rng(1)
    grads_np = [rng.standard_normal(a.shape).astype(np.float32) * 1e-3 for a in init]
    with eager.eager_mode():
        grads = [tf.constant(g) for g in grads_np]
    makers = {"tf.train SGD": lambda: tf.train.GradientDescentOptimizer(LEARNING_RATE),
              "tf.train Adam": lambda: tf.train.AdamOptimizer(1e-3),
              "keras SGD": lambda: keras.optimizers.SGD(LEARNING_RATE),
              "keras Adam": lambda: keras.optimizers.Adam(1e-3)}
    contenders = {}
    for name, make in makers.items():
        for traced in (True, False):
            with eager.eager_mode():
                variables = [tf.Variable(a) for a in init]
            optimizer = make()

            def apply(optimizer=optimizer, variables=variables, traced=traced):
                eager.run_functions_eagerly(not traced)
                try:
                    with eager.eager_mode():
                        optimizer.apply_gradients(zip(grads, variables))
                finally:
                    eager.run_functions_eagerly(False)
            contenders[f"tenseur {name}{'' if traced else ' op by op'}"] = apply
    if torch is not None:
        for name, cls in (("SGD", torch.optim.SGD), ("Adam", torch.optim.Adam)):
            tensors = [torch.tensor(a, requires_grad=True) for a in init]
            for t, g in zip(tensors, grads_np):
                t.grad = torch.from_numpy(g)
            optimizer = cls(tensors, lr=LEARNING_RATE if name == "SGD" else 1e-3)
            contenders[f"PyTorch {name} step()"] = optimizer.step
    return contenders


def main(repeats=9, quick=False):
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, NumPy {np.__version__}"
          + (f", PyTorch {torch.__version__} ({torch.get_num_threads()} threads)"
             if torch is not None else ""))
    if torch is None:
        print("note: PyTorch is not importable here, so its column is skipped; run with an "
              "interpreter that has torch (see the module docstring).")
    ops = alternate(small_op_contenders(), number=50 if quick else 300, repeats=repeats)
    print("\nsmall op: two 10-element float32 tensors (median of "
          f"{repeats} repeats, us per op)")
    for name, us in ops.items():
        print(f"  {name:<34} {us / 100:8.2f} us")
    steps = alternate(mlp_contenders(), number=10 if quick else 60, repeats=repeats)
    print(f"\nMLP 784-64-32-16-10 sigmoid/softmax, SGD, batch {BATCH} (median of {repeats} "
          f"repeats, us per training step)")
    for name, us in steps.items():
        print(f"  {name:<34} {us:8.0f} us")
    updates = alternate(optimizer_contenders(), number=20 if quick else 200, repeats=repeats)
    print(f"\noptimizer step: apply_gradients on the MLP's 8 variables (median of {repeats} "
          f"repeats, us per step)")
    for name, us in updates.items():
        print(f"  {name:<34} {us:8.0f} us")
    return ops, steps, updates


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--quick", action="store_true", help="fewer calls per repeat")
    arguments = parser.parse_args()
    main(arguments.repeats, arguments.quick)
