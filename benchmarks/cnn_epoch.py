"""Seconds per epoch of the slides' CNN (examples/cnn_tf.py: batch 430, SGD lr 0.05, 55,000
MNIST-sized images) in tenseur graph mode and, in the same run, in PyTorch on the CPU (the
same architecture and batch, default NCHW and channels_last), plus tenseur's time per
convolution layer: forward, backward to the input, backward to the filter.

An epoch is extrapolated from the median training step: 55,000 / 430 steps. The frameworks
are measured in interleaved rounds (tenseur, torch, torch channels_last, again...) so a burst
of load from other processes hits all of them; the median of all steps is reported, with the
machine's load average before and after. Inputs are random (the time of a step does not depend
on the pixel values). On a loaded machine the fastest steps are the better estimate of an idle
one, so their ratio is printed too. Per-op times come from timing each kernel of the cached
plan (the `instrumented` trick of benchmarks/mlp_step.py) in separate steps.

Run: python benchmarks/cnn_epoch.py [--steps N] [--rounds R] [--threads T] [--no-torch]
(torch is optional: without it, or with --no-torch, only tenseur is measured, with a note). --threads sets both
frameworks' thread counts (OpenBLAS' through OPENBLAS_NUM_THREADS, read when NumPy loads, and
torch.set_num_threads): on a machine loaded by other processes, spinning BLAS workers make the
default thread count much slower than one thread.
"""
import argparse
import os
import platform
import statistics
import sys
import time


def _threads_argument():
    """--threads T from the command line, read before NumPy loads OpenBLAS."""
    for i, arg in enumerate(sys.argv):
        if arg == "--threads" and i + 1 < len(sys.argv):
            return sys.argv[i + 1]
        if arg.startswith("--threads="):
            return arg.split("=", 1)[1]
    return None


if __name__ == "__main__" and _threads_argument():
    os.environ["OPENBLAS_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = _threads_argument()

import numpy as np  # noqa: E402

_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(_ROOT, "examples"))
sys.path.insert(1, _ROOT)   # tenseur from this checkout unless it is installed

import tenseur as tf  # noqa: E402
from cnn_tf import build_model  # noqa: E402

BATCH = 430
EPOCH_IMAGES = 55000
LEARNING_RATE = 0.05
CONV_LAYERS = ("conv2d", "conv2d_1", "conv2d_2")


def random_batches(seed=0, count=4):
    rng = np.random.default_rng(seed)
    return [(rng.uniform(0, 1, (BATCH, 28, 28, 1)).astype(np.float32),
             np.eye(10, dtype=np.float32)[rng.integers(0, 10, BATCH)]) for _ in range(count)]


class TenseurRunner:
    """The CNN in a session; `step()` runs one SGD step on the next batch."""

    name = "tenseur (graph mode)"

    def __init__(self, batches, seed=0):
        tf.reset_default_graph()
        tf.set_random_seed(seed)
        self.x, self.y, _, _, loss = build_model()
        self.train_op = tf.train.GradientDescentOptimizer(LEARNING_RATE).minimize(loss)
        self.sess = tf.Session()
        self.sess.run(tf.global_variables_initializer())
        self.batches, self.i = batches, 0
        self.step()   # builds and caches the plan
        self.plan = max(self.sess._plans.values(), key=lambda p: len(p.ops))

    def step(self):
        bx, by = self.batches[self.i % len(self.batches)]
        self.i += 1
        self.sess.run(self.train_op, {self.x: bx, self.y: by})

    def op_times(self, steps):
        """Median seconds per step of each op of the plan, over `steps` instrumented steps."""
        original = self.plan.steps
        samples = {op.name: [] for op in self.plan.ops}
        current = {}
        wrapped = []
        for (fn, ins, kind, out), op in zip(original, self.plan.ops):
            def timed(*args, _fn=fn, _name=op.name):
                start = time.perf_counter()
                try:
                    return _fn(*args)
                finally:
                    current[_name] = current.get(_name, 0.0) + time.perf_counter() - start
            wrapped.append((timed, ins, kind, out))
        self.plan.steps = wrapped
        try:
            for _ in range(steps):
                current.clear()
                self.step()
                for name, seconds in current.items():
                    samples[name].append(seconds)
        finally:
            self.plan.steps = original
        return {name: statistics.median(s) for name, s in samples.items() if s}, \
            {op.name: op.type for op in self.plan.ops}


class TorchRunner:
    """The same network in PyTorch (CPU, float32), optionally in channels_last memory format."""

    def __init__(self, batches, channels_last=False, seed=0, threads=None):
        import torch
        from torch import nn
        torch.manual_seed(seed)
        if threads:
            torch.set_num_threads(threads)
        self.torch = torch
        self.name = "PyTorch " + ("channels_last" if channels_last else "NCHW (default)")
        self.model = nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 32, 3), nn.ReLU(), nn.MaxPool2d(2, 2),
            nn.Conv2d(32, 16, 3), nn.ReLU(), nn.MaxPool2d(2, 2), nn.Flatten(),
            nn.Linear(400, 32), nn.ReLU(), nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 10))
        fmt = torch.channels_last if channels_last else torch.contiguous_format
        self.model = self.model.to(memory_format=fmt)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=LEARNING_RATE)
        self.loss_fn = nn.CrossEntropyLoss()
        self.batches = [(torch.from_numpy(bx.transpose(0, 3, 1, 2).copy())
                         .contiguous(memory_format=fmt),
                         torch.from_numpy(by.argmax(axis=1))) for bx, by in batches]
        self.i = 0
        self.step()

    def step(self):
        bx, by = self.batches[self.i % len(self.batches)]
        self.i += 1
        self.optimizer.zero_grad()
        loss = self.loss_fn(self.model(bx), by)
        loss.backward()
        self.optimizer.step()


def timed_steps(runner, steps):
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        runner.step()
        times.append(time.perf_counter() - start)
    return times


def load():
    try:
        return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        return "unknown"


def blas_name():
    try:
        config = np.show_config(mode="dicts")
        return config["Build Dependencies"]["blas"]["name"]
    except Exception:   # older NumPy: no dict mode
        return "unknown"


def main(steps=5, rounds=3, op_steps=5, seed=0, threads=None, with_torch=True):
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"numpy {np.__version__} ({blas_name()}, OPENBLAS_NUM_THREADS="
          f"{os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}), load average {load()}")
    batches = random_batches(seed)
    runners = [TenseurRunner(batches, seed)]
    try:
        if not with_torch:
            raise ImportError("--no-torch")
        import torch
        runners += [TorchRunner(batches, False, seed, threads),
                    TorchRunner(batches, True, seed, threads)]
        torch_note = f"torch {torch.__version__}, {torch.get_num_threads()} threads"
    except ImportError as exc:
        torch_note = f"PyTorch not measured: {exc}"
    print(torch_note)
    samples = {r.name: [] for r in runners}
    for _ in range(rounds):
        for runner in runners:
            timed_steps(runner, 1)                      # re-warm after the other framework
            samples[runner.name] += timed_steps(runner, steps)
    steps_per_epoch = EPOCH_IMAGES / BATCH
    epoch = {name: statistics.median(s) * steps_per_epoch for name, s in samples.items()}
    print(f"\nslides' CNN, batch {BATCH}, SGD lr {LEARNING_RATE}: seconds per epoch of "
          f"{EPOCH_IMAGES:,} images (median of {rounds * steps} steps x {steps_per_epoch:.1f})")
    for name, seconds in epoch.items():
        spread = [s * 1e3 for s in samples[name]]
        print(f"  {name:28s} {seconds:7.1f} s/epoch   step median "
              f"{statistics.median(spread):6.0f} ms (min {min(spread):.0f}, max {max(spread):.0f})")
    best = {name: min(s) * steps_per_epoch for name, s in samples.items()}
    ours = runners[0].name
    for runner in runners[1:]:
        print(f"  ratio tenseur / {runner.name}: {epoch[ours] / epoch[runner.name]:.2f} "
              f"(medians), {best[ours] / best[runner.name]:.2f} (fastest steps)")

    per_op, types = runners[0].op_times(op_steps)
    print(f"\ntenseur per convolution layer, ms per step (median of {op_steps} steps):")
    print(f"  {'layer':10s} {'forward':>8s} {'bwd input':>10s} {'bwd filter':>11s}")
    conv_total = 0.0
    for layer in CONV_LAYERS:
        forward = per_op.get(f"{layer}/Conv2D", 0.0)
        grad = f"gradients/{layer}/Conv2D_grad/"
        bwd_input = per_op.get(grad + "Conv2DBackpropInput", 0.0)
        bwd_filter = per_op.get(grad + "Conv2DBackpropFilter", 0.0)
        conv_total += forward + bwd_input + bwd_filter
        shown_input = f"{bwd_input * 1e3:10.1f}" if bwd_input else f"{'(none)':>10s}"
        print(f"  {layer:10s} {forward * 1e3:8.1f} {shown_input} {bwd_filter * 1e3:11.1f}")
    by_type = {}
    for name, seconds in per_op.items():
        by_type[types[name]] = by_type.get(types[name], 0.0) + seconds
    kernels = sum(per_op.values())
    print(f"  all convolutions: {conv_total * 1e3:.0f} ms of {kernels * 1e3:.0f} ms in kernels")
    print("  by op type: " + ", ".join(f"{t} {s * 1e3:.0f}" for t, s in
                                       sorted(by_type.items(), key=lambda kv: -kv[1])[:8]))
    print(f"\nload average after: {load()}")
    return epoch


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=5, help="timed steps per round and framework")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--op-steps", type=int, default=5, help="instrumented tenseur steps")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads of both frameworks (default: their own defaults)")
    parser.add_argument("--no-torch", action="store_true", help="measure tenseur only")
    args = parser.parse_args()
    main(args.steps, args.rounds, args.op_steps, threads=args.threads,
         with_torch=not args.no_torch)
