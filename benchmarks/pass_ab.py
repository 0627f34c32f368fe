"""What one compiler pass saves: a training step of compare.py's MLP or CNN with the pass on
and with it off (`TENSEUR_DISABLE_PASSES`), the two plans stepped in alternation in one process
so that a noisy moment on a shared machine hits both alike. `winograd` in place of a pass: the
same plan with the Winograd convolutions (tenseur/ops/winograd.py) on and off
(`TENSEUR_WINOGRAD`, read at every convolution); `winograd4`: its F(4x4, 3x3) variant on
and off (`TENSEUR_WINOGRAD4`: off, every Winograd convolution is F(2x2, 3x3)); `numba`: with
every numba kernel (Winograd and the 2x2 max pooling) on and off (`TENSEUR_NUMBA`).

Prints, per variant, the wall-clock and the CPU time (all threads of the process) of a step:
fastest and median. CPU time is the steadier figure on a shared machine; a pass that removes
work shows there even when the wall clock is too noisy to.

    python benchmarks/pass_ab.py PASS [--workload cnn] [--threads 1] [--steps 30]

PASS is one of tenseur.compiler.PASSES (e.g. pool_gradients, fusion), winograd, winograd4 or
numba.
"""
import argparse
import os
import statistics
import sys
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("passes", help="the pass (or comma-separated passes) to switch off")
    parser.add_argument("--workload", default="cnn", choices=("mlp", "cnn"))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=30, help="steps per variant")
    args = parser.parse_args()
    # Before NumPy loads: OpenBLAS reads its thread count once.
    os.environ["OPENBLAS_NUM_THREADS"] = os.environ["TENSEUR_NUM_THREADS"] = str(args.threads)
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:0] = [here, os.path.join(here, "..")]
    import compare
    from tenseur import compiler

    switch_var = {"winograd": "TENSEUR_WINOGRAD", "winograd4": "TENSEUR_WINOGRAD4",
                  "numba": "TENSEUR_NUMBA"}.get(args.passes)
    unknown = set() if switch_var else set(args.passes.split(",")) - set(compiler.PASSES)
    if unknown:
        parser.error(f"unknown passes {sorted(unknown)}; the passes are {compiler.PASSES} "
                     f"(or winograd, winograd4, numba)")
    images, labels, *_ = compare.load_data(args.workload)
    batch = compare.BATCH[args.workload]
    batches = [(images[i:i + batch], labels[i:i + batch])
               for i in range(0, len(images) - batch + 1, batch)]

    def build():
        return compare.tenseur_graph(args.workload, compare.initial_weights(args.workload),
                                     None)[0]

    # name -> (step function, value of the run-time switch before each of its steps)
    plan_steps = {}                 # name -> steps in its plan (when the variants differ)
    if switch_var:                  # one plan, the switch flipped before each step
        train = build()
        variants = {"pass on": (train, "1"), "pass off": (train, "0")}
    else:                           # two plans: the passes are chosen when a plan is built
        variants = {}
        for name, off in (("pass on", ""), ("pass off", args.passes)):
            os.environ["TENSEUR_DISABLE_PASSES"] = off
            train = build()
            train(*batches[0])      # the plan is built (and the switch read) at the first step
            variants[name] = (train, None)
            session = next(c.cell_contents for c in train.__closure__
                           if type(c.cell_contents).__name__ == "Session")
            plan_steps[name] = max(len(p.steps) for p in session._plans.values())
        os.environ.pop("TENSEUR_DISABLE_PASSES")

    def select(switch):
        if switch_var:
            os.environ[switch_var] = switch

    for train, switch in variants.values():
        select(switch)
        for images_, labels_ in batches[:2]:
            train(images_, labels_)
    wall = {name: [] for name in variants}
    cpu = {name: [] for name in variants}
    for k in range(args.steps):
        for name, (train, switch) in variants.items():
            select(switch)
            step = batches[k % len(batches)]
            w0, c0 = time.perf_counter(), time.process_time()
            train(*step)
            cpu[name].append(time.process_time() - c0)
            wall[name].append(time.perf_counter() - w0)
    unit, scale = ("ms", 1e3) if args.workload == "cnn" else ("us", 1e6)
    print(f"{args.workload} step, {args.threads} thread(s), {args.steps} steps per variant, "
          f"passes switched off: {args.passes}; load average {os.getloadavg()[0]:.2f}")
    if plan_steps:
        print("  plan steps: " + ", ".join(f"{n} {k}" for n, k in plan_steps.items()))
    for name in variants:
        print(f"  {name:9s} wall {min(wall[name]) * scale:8.1f} fastest "
              f"{statistics.median(wall[name]) * scale:8.1f} median {unit}   "
              f"cpu {min(cpu[name]) * scale:8.1f} fastest "
              f"{statistics.median(cpu[name]) * scale:8.1f} median {unit}")


if __name__ == "__main__":
    main()
