"""Benchmark of tenseur's NumPy convolution and pooling kernels on the slides' CNN.

The network (NHWC, batch 430 by default): 28x28x1 -> conv 3x3 1->32 VALID -> conv 3x3
32->32 VALID -> maxpool 2x2/2 -> conv 3x3 32->16 VALID -> maxpool 2x2/2. For each conv layer
it times the forward pass, the input gradient and the filter gradient; for each pool the
forward pass and the gradient; it prints milliseconds and GFLOP/s. When `torch` is
importable, the same computations run on PyTorch's CPU kernels (aten calls, no autograd
bookkeeping) in the same process, default NCHW and channels_last, with the ratio
torch time / tenseur time (above 1: tenseur is faster).

The machine may be shared, so each computation is timed for all implementations one after
the other, after a pause that lets the previous library's idle worker threads stop spinning
(OpenBLAS spins for about 0.1 s after a call); the sweep over all computations is repeated
--rounds times, and the best of all runs is reported with the median beside it. Under load
from other processes the blocked GEMMs suffer most: each of the ~70 BLAS calls of a layer
can wait a scheduler time slice for its second thread.

--threads 1,2 measures every library at each of these thread counts in the same process,
interleaved (tenseur: `set_intra_op_threads(t)`, BLAS held to one thread at t=1; PyTorch:
`torch.set_num_threads(t)`), one table per count, then tenseur's speed-up; --blas-threads adds
tenseur run serially with t BLAS threads per product, the alternative to splitting the blocks
over Python threads.

    python benchmarks/conv_kernels.py [--batch 430] [--repeat 7] [--rounds 2] [--no-torch]
                                      [--threads 1,2] [--blas-threads]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from tenseur.backend import threads  # noqa: E402
from tenseur.ops import conv_kernels as ck  # noqa: E402
from tenseur.ops import pool_kernels as pk  # noqa: E402

CONV_LAYERS = [  # name, input (h, w, c), out channels
    ("conv1 3x3 1->32", (28, 28, 1), 32),
    ("conv2 3x3 32->32", (26, 26, 32), 32),
    ("conv3 3x3 32->16", (12, 12, 32), 16),
]
POOL_LAYERS = [("pool1 2x2/2", (24, 24, 32)), ("pool2 2x2/2", (10, 10, 16))]
PAUSE_S = 0.2


def time_ms(fn, repeat: int) -> list:
    """Wall times in ms of `repeat` runs after one warm-up run."""
    fn()  # warm-up: scratch buffers, thread pools
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(1e3 * (time.perf_counter() - start))
    return times


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def blas_name() -> str:
    try:
        return np.__config__.CONFIG["Build Dependencies"]["blas"]["name"]
    except (AttributeError, KeyError, TypeError):
        return "unknown BLAS"


def tenseur_cases(batch: int) -> dict:
    """{(layer, pass): (flops, callable)} for tenseur's kernels, float32."""
    rng = np.random.default_rng(0)
    cases = {}
    for name, (h, w, cin), cout in CONV_LAYERS:
        x = rng.standard_normal((batch, h, w, cin), dtype=np.float32)
        f = rng.standard_normal((3, 3, cin, cout), dtype=np.float32)
        y = ck.conv2d(x, f, (1, 1), "VALID")
        dy = rng.standard_normal(y.shape, dtype=np.float32)
        flops = 2 * y.size * 9 * cin
        cases[name, "forward"] = flops, lambda x=x, f=f: ck.conv2d(x, f, (1, 1), "VALID")
        cases[name, "grad input"] = flops, lambda dy=dy, f=f, s=x.shape: \
            ck.conv2d_backprop_input(dy, f, s, (1, 1), "VALID")
        cases[name, "grad filter"] = flops, lambda x=x, dy=dy, s=f.shape: \
            ck.conv2d_backprop_filter(x, dy, s, (1, 1), "VALID")
    for name, (h, w, c) in POOL_LAYERS:
        x = np.maximum(rng.standard_normal((batch, h, w, c), dtype=np.float32), 0)  # post-ReLU
        y = pk.max_pool(x, (2, 2), (2, 2), "VALID")
        dy = rng.standard_normal(y.shape, dtype=np.float32)
        cases[name, "forward"] = x.size, lambda x=x: pk.max_pool(x, (2, 2), (2, 2), "VALID")
        cases[name, "grad"] = x.size, lambda x=x, y=y, dy=dy: \
            pk.max_pool_grad(x, y, dy, (2, 2), (2, 2), "VALID")
    return cases


def torch_cases(torch, batch: int, channels_last: bool) -> dict:
    """The same computations with PyTorch's CPU kernels."""
    fn = torch.nn.functional
    aten = torch.ops.aten
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    gen = torch.Generator().manual_seed(0)
    cases = {}
    for name, (h, w, cin), cout in CONV_LAYERS:
        x = torch.randn(batch, cin, h, w, generator=gen).contiguous(memory_format=fmt)
        f = torch.randn(cout, cin, 3, 3, generator=gen).contiguous(memory_format=fmt)
        y = fn.conv2d(x, f)
        dy = torch.randn(y.shape, generator=gen).contiguous(memory_format=fmt)
        flops = 2 * y.numel() * 9 * cin

        def backward(mask, x=x, f=f, dy=dy):
            return aten.convolution_backward(dy, x, f, None, [1, 1], [0, 0], [1, 1], False,
                                             [0, 0], 1, mask)

        cases[name, "forward"] = flops, lambda x=x, f=f: fn.conv2d(x, f)
        cases[name, "grad input"] = flops, lambda b=backward: b([True, False, False])
        cases[name, "grad filter"] = flops, lambda b=backward: b([False, True, False])
    for name, (h, w, c) in POOL_LAYERS:
        x = torch.relu(torch.randn(batch, c, h, w, generator=gen)).contiguous(memory_format=fmt)
        y, idx = aten.max_pool2d_with_indices(x, [2, 2], [2, 2])
        dy = torch.randn(y.shape, generator=gen).contiguous(memory_format=fmt)
        cases[name, "forward"] = x.numel(), lambda x=x: fn.max_pool2d(x, 2, 2)
        cases[name, "grad"] = x.numel(), lambda x=x, dy=dy, idx=idx: \
            aten.max_pool2d_with_indices_backward(dy, x, [2, 2], [2, 2], [0, 0], [1, 1],
                                                  False, idx)
    return cases


@contextlib.contextmanager
def tenseur_threads(count, blas=None):
    """tenseur on `count` threads (None: its defaults); BLAS held to `blas` threads, or to
    one when count is 1, so that one thread means one core."""
    if count is None:
        yield
        return
    threads.set_intra_op_threads(count)
    try:
        with threads.blas_threads(blas or 1) if count == 1 else contextlib.nullcontext():
            yield
    finally:
        threads.set_intra_op_threads(0)


@contextlib.contextmanager
def torch_threads(torch, count):
    if count is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def print_table(cases, samples, labels, title):
    """One table: the first label is tenseur's, the others its rivals (ratio = theirs/ours)."""
    ours, rivals = labels[0], labels[1:]
    print(f"\n# {title}")
    header = f"{'layer':<17} {'pass':<12} {ours + ' ms':>16} {'GFLOP/s':>7}"
    for label in rivals:
        header += f" {label + ' ms':>16} {'ratio':>5}"
    print(header)
    totals = dict.fromkeys(labels, 0.0)
    for key, (flops, _) in cases.items():
        timings = {label: (min(samples[key][label]), float(np.median(samples[key][label])))
                   for label in labels}
        layer, kind = key
        best, median = timings[ours]
        rate = f"{flops / best / 1e6:7.1f}" if layer.startswith("conv") else f"{'':>7}"
        line = f"{layer:<17} {kind:<12} {best:7.2f} ({median:6.2f}) {rate}"
        in_step = key != ("conv1 3x3 1->32", "grad input")  # the data needs no gradient
        for label in rivals:
            their, their_median = timings[label]
            line += f" {their:7.2f} ({their_median:6.2f}) {their / best:5.2f}"
        for label in labels:
            totals[label] += timings[label][0] if in_step else 0.0
        print(line)
    line = f"{'training step':<17} {'':<12} {totals[ours]:7.2f} {'':>8} {'':>7}"
    for label in rivals:
        line += f" {totals[label]:7.2f} {'':>8} {totals[label] / totals[ours]:5.2f}"
    print(line)


def load() -> str:
    try:
        return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        return "unknown"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=430)
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per round")
    parser.add_argument("--rounds", type=int, default=2,
                        help="sweeps over all cases; more rounds spread the runs over time")
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch rival")
    parser.add_argument("--threads", default=None,
                        help="comma-separated thread counts, e.g. 1,2 (default: each "
                             "library's own default, one table)")
    parser.add_argument("--blas-threads", action="store_true",
                        help="also tenseur serially with t BLAS threads, for each t > 1")
    args = parser.parse_args(argv)
    counts = [int(t) for t in args.threads.split(",")] if args.threads else [None]

    print(f"# {cpu_model()}, {os.cpu_count()} CPUs, numpy {np.__version__} ({blas_name()}), "
          f"batch {args.batch}, float32; best of {args.rounds}x{args.repeat} runs (median)")
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS",
                "OMP_NUM_THREADS"):
        print(f"# {var}={os.environ.get(var, '(unset)')}")
    print(f"# load average before: {load()}")
    torch = None
    if not args.no_torch:
        try:
            import torch
        except ImportError:
            print("# torch is not importable: no PyTorch comparison")
    if torch is not None:
        print(f"# torch {torch.__version__}, {torch.get_num_threads()} threads by default, "
              f"mkldnn={torch.backends.mkldnn.is_available()}")

    ours = tenseur_cases(args.batch)
    theirs = {}
    if torch is not None:
        theirs = {fmt: torch_cases(torch, args.batch, channels_last=fmt == "NHWC")
                  for fmt in ("NCHW", "NHWC")}
    impls, tables = {}, []   # impls: label -> (cases, context manager factory)
    for count in counts:
        suffix = "" if count is None else f" t{count}"
        labels = ["tenseur" + suffix]
        impls[labels[0]] = ours, lambda c=count: tenseur_threads(c)
        if args.blas_threads and count is not None and count > 1:
            labels.append(f"tenseur blas{count}")
            impls[labels[-1]] = ours, lambda c=count: tenseur_threads(1, blas=c)
        for fmt, cases in theirs.items():
            labels.append(f"torch {fmt}{suffix}")
            impls[labels[-1]] = cases, lambda c=count: torch_threads(torch, c)
        tables.append((count, labels))

    samples = {key: {label: [] for label in impls} for key in ours}
    for _ in range(args.rounds):
        for key, per_impl in samples.items():
            for label, (cases, context) in impls.items():
                time.sleep(PAUSE_S)
                with context():
                    per_impl[label] += time_ms(cases[key][1], args.repeat)

    for count, labels in tables:
        title = "each library's default threads" if count is None else f"{count} thread(s)"
        print_table(ours, samples, labels, title)
    if len(tables) > 1:
        base = tables[0][1][0]
        for _, labels in tables[1:]:
            print_table(ours, samples, [labels[0], base],
                        f"tenseur's speed-up: ratio = {base} time / {labels[0]} time")
    print("# training step: the sum of the rows one step of the CNN needs (all but conv1's "
          "input gradient)")
    print(f"# load average after: {load()}")


if __name__ == "__main__":
    main()
