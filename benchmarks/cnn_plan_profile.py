"""Time of each step of the slides' CNN training plan (compare.py's model, batch 430, VALID).

Runs 3 warm-up steps and 6 plain ones (median and fastest printed), then 6 more with a timer
around every kernel of the cached plan (the `instrumented` trick of mlp_step.py), and prints
the 15 slowest plan steps, median ms each.

    python benchmarks/cnn_plan_profile.py [THREADS]

THREADS (default 1) is tenseur's thread count; OpenBLAS gets as many as at startup, unless
$BLAS sets its count (BLAS=1 is the old way of keeping OpenBLAS' workers out of the
convolution threads' way; the plans now hold BLAS to one thread themselves).
"""
import os
import statistics
import sys
import time

T = int(sys.argv[1]) if len(sys.argv) > 1 else 1
os.environ["OPENBLAS_NUM_THREADS"] = os.environ.get("BLAS", str(T))   # before NumPy loads
os.environ["TENSEUR_NUM_THREADS"] = str(T)
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))

import compare  # noqa: E402


def main():
    images, labels, *_ = compare.load_data("cnn")
    train, _ = compare.tenseur_graph("cnn", compare.initial_weights("cnn"), None)
    batches = [(images[i:i + 430], labels[i:i + 430]) for i in range(0, len(images), 430)]
    for batch in batches[:3]:
        train(*batch)
    session = train.__closure__ and next(c.cell_contents for c in train.__closure__
                                         if type(c.cell_contents).__name__ == "Session")
    plan = max(session._plans.values(), key=lambda p: len(p.ops))
    plain = []
    for k in range(6):
        start = time.perf_counter()
        train(*batches[k % len(batches)])
        plain.append(time.perf_counter() - start)
    spent = {}
    wrapped = []
    for i, (fn, ins, kind, out) in enumerate(plan.steps):
        name = f"{plan.ops[i].type:36s} {plan.ops[i].name}"

        def timed(*args, _fn=fn, _name=name):
            start = time.perf_counter()
            try:
                return _fn(*args)
            finally:
                spent.setdefault(_name, []).append(time.perf_counter() - start)
        wrapped.append((timed, ins, kind, out))
    plan.steps = tuple(wrapped)
    start = time.perf_counter()
    for k in range(6):
        train(*batches[k % len(batches)])
    step = (time.perf_counter() - start) / 6
    kernels = sum(sum(v) for v in spent.values()) / 6
    print(f"threads {T} (OpenBLAS {os.environ['OPENBLAS_NUM_THREADS']}): plain step median "
          f"{statistics.median(plain) * 1e3:.1f} ms (fastest {min(plain) * 1e3:.1f}); "
          f"instrumented {step * 1e3:.1f} ms, kernels {kernels * 1e3:.1f} ms")
    for name, times in sorted(spent.items(), key=lambda kv: -sum(kv[1]))[:15]:
        print(f"{statistics.median(times) * 1e3:8.2f} ms  {name}")


if __name__ == "__main__":
    main()
