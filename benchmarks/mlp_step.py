"""Graph-mode training steps of the slides' MLP (784-64-32-16-10, sigmoid, SGD, batch 128).

Prints microseconds per step (median and fastest of 20 blocks of steps: the machine is shared,
the fastest block is the least disturbed) and the share of the step spent outside kernels
(executor overhead: Python dispatch, feeds, fetches). Run: python benchmarks/mlp_step.py
[--steps N] [--fetch-loss] (the loss fetched with the update, as examples/mlp_tf.py does)
[--keras] (the same MLP as a tenseur.keras model, stepped with `train_on_batch`; the time
outside Session.run is Keras' own per-call work).
"""
import argparse
import os
import platform
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples"))

import tenseur as tf  # noqa: E402
from mlp_tf import build_model  # noqa: E402


def instrumented(plan):
    """Wraps each kernel of a plan with a timer; returns the list collecting kernel seconds."""
    spent = [0.0]
    wrapped = []
    for fn, ins, kind, out in plan.steps:
        def timed(*args, _fn=fn):
            start = time.perf_counter()
            try:
                return _fn(*args)
            finally:
                spent[0] += time.perf_counter() - start
        wrapped.append((timed, ins, kind, out))
    plan.steps = wrapped
    return spent


def graph_step(batch_size, fetch_loss):
    """(step(bx, by), session) of the slides' TF 1.x MLP (examples/mlp_tf.py)."""
    x, y, out, loss = build_model()
    train_op = tf.train.GradientDescentOptimizer(5e-2).minimize(loss)
    fetches = [loss, train_op] if fetch_loss else train_op
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    return (lambda bx, by: sess.run(fetches, {x: bx, y: by})), sess


def keras_step(batch_size, fetch_loss):
    """(step(bx, by), session) of the same MLP as a Keras model (examples/keras_mlp.py without
    its dropout), stepped with train_on_batch (which always returns the loss)."""
    from tenseur import keras
    inputs = keras.Input((784,))
    h = inputs
    for units in (64, 32, 16):
        h = keras.layers.Dense(units, activation="sigmoid")(h)
    model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(h))
    model.compile(optimizer=keras.optimizers.SGD(5e-2), loss="categorical_crossentropy")
    return model.train_on_batch, keras.backend.get_session()


def main(steps=2000, batch_size=128, seed=0, fetch_loss=False, blocks=20, api="graph"):
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    step, sess = (keras_step if api == "keras" else graph_step)(batch_size, fetch_loss)
    rng = np.random.default_rng(seed)
    images = rng.uniform(0, 1, (batch_size * 16, 784)).astype(np.float32)
    labels = np.eye(10, dtype=np.float32)[rng.integers(0, 10, batch_size * 16)]
    batches = [(images[i:i + batch_size], labels[i:i + batch_size])
               for i in range(0, len(images), batch_size)]
    with sess:
        for bx, by in batches:      # warm-up: plan built, caches filled
            step(bx, by)
        block = max(steps // blocks, 1)
        times, cpu_times = [], []
        for b in range(blocks):
            start, cpu_start = time.perf_counter(), time.process_time()
            for i in range(block):
                bx, by = batches[i % len(batches)]
                step(bx, by)
            times.append((time.perf_counter() - start) / block)
            cpu_times.append((time.process_time() - cpu_start) / block)
        per_step, fastest = float(np.median(times)), min(times)
        cpu = float(np.median(cpu_times))
        plan = max(sess._plans.values(), key=lambda p: len(p.ops))
        spent = instrumented(plan)
        in_run = [0.0]
        run = sess.run

        def timed_run(*args, **kwargs):
            start = time.perf_counter()
            try:
                return run(*args, **kwargs)
            finally:
                in_run[0] += time.perf_counter() - start
        sess.run = timed_run
        start = time.perf_counter()
        for i in range(steps):
            bx, by = batches[i % len(batches)]
            step(bx, by)
        instrumented_total = time.perf_counter() - start
        del sess.run
        kernels = spent[0] / steps
        n_ops = len(plan.ops)
    per_call = instrumented_total / steps
    overhead = max(per_call - kernels, 0.0) / per_call
    outside_run = max(per_call - in_run[0] / steps, 0.0)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"numpy {np.__version__}")
    what = "Keras train_on_batch" if api == "keras" else "Session.run"
    print(f"MLP 784-64-32-16-10 SGD batch {batch_size} ({what}): {per_step * 1e6:.0f} us/step "
          f"median, {fastest * 1e6:.0f} fastest ({n_ops} ops in the plan), "
          f"{55000 / batch_size * per_step:.2f} s/epoch of 55,000; load average "
          f"{os.getloadavg()[0]:.2f}")
    print(f"CPU time (less disturbed by other processes on a shared machine): {cpu * 1e6:.0f} "
          f"us/step median, {min(cpu_times) * 1e6:.0f} fastest")
    print(f"kernels: {kernels * 1e6:.0f} us/step; outside kernels: {overhead:.0%} of the step "
          f"({outside_run * 1e6:.0f} us outside Session.run)")
    return per_step, overhead


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--fetch-loss", action="store_true")
    parser.add_argument("--keras", action="store_true",
                        help="the same MLP as a Keras model, stepped with train_on_batch")
    args = parser.parse_args()
    main(args.steps, fetch_loss=args.fetch_loss, api="keras" if args.keras else "graph")
