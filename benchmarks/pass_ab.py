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
        [--processes [--rounds 10]]

`--processes`: each variant in a process of its own, `--rounds` rounds of `--steps` steps each
in turn, as compare.py runs its contenders. At several threads, two plans in one process
share OpenBLAS' threads, which spin after each product into the other plan's next step (on
the 2-core EPYC VM the MLP's zero-column copy at 2 threads measured 592 against 404 us in one
process, 337 against 309 in two); with one thread both ways agree.

PASS is one of tenseur.compiler.PASSES (e.g. pool_gradients, fusion), winograd, winograd4 or
numba.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("passes", help="the pass (or comma-separated passes) to switch off")
    parser.add_argument("--workload", default="cnn", choices=("mlp", "cnn"))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=30,
                        help="steps per variant (with --processes: per variant and round)")
    parser.add_argument("--processes", action="store_true",
                        help="each variant in a process of its own, stepped in alternate "
                             "rounds as compare.py runs its contenders: the two plans' BLAS "
                             "threads never meet")
    parser.add_argument("--rounds", type=int, default=10, help="rounds, with --processes")
    parser.add_argument("--worker", choices=VARIANTS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    # Before NumPy loads: OpenBLAS reads its thread count once.
    os.environ["OPENBLAS_NUM_THREADS"] = os.environ["TENSEUR_NUM_THREADS"] = str(args.threads)
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:0] = [here, os.path.join(here, "..")]
    from tenseur import compiler

    switch_var = SWITCHES.get(args.passes)
    unknown = set() if switch_var else set(args.passes.split(",")) - set(compiler.PASSES)
    if unknown:
        parser.error(f"unknown passes {sorted(unknown)}; the passes are {compiler.PASSES} "
                     f"(or winograd, winograd4, numba)")
    if args.worker:
        return worker(args, switch_var)
    if args.processes:
        times, plan_steps = in_processes(args)
    else:
        times, plan_steps = in_one_process(args, switch_var)
    unit, scale = ("ms", 1e3) if args.workload == "cnn" else ("us", 1e6)
    steps = args.steps * (args.rounds if args.processes else 1)
    print(f"{args.workload} step, {args.threads} thread(s), {steps} steps per variant"
          f"{' (a process each)' if args.processes else ''}, passes switched off: "
          f"{args.passes}; load average {os.getloadavg()[0]:.2f}")
    if plan_steps:
        print("  plan steps: " + ", ".join(f"{n} {k}" for n, k in plan_steps.items()))
    for name, (wall, cpu) in times.items():
        print(f"  {name:9s} wall {min(wall) * scale:8.1f} fastest "
              f"{statistics.median(wall) * scale:8.1f} median {unit}   "
              f"cpu {min(cpu) * scale:8.1f} fastest "
              f"{statistics.median(cpu) * scale:8.1f} median {unit}")


VARIANTS = ("pass on", "pass off")
SWITCHES = {"winograd": "TENSEUR_WINOGRAD", "winograd4": "TENSEUR_WINOGRAD4",
            "numba": "TENSEUR_NUMBA"}


def _batches(workload):
    import compare
    images, labels, *_ = compare.load_data(workload)
    batch = compare.BATCH[workload]
    return [(images[i:i + batch], labels[i:i + batch])
            for i in range(0, len(images) - batch + 1, batch)]


def _variant(args, switch_var, name, batches):
    """(step function, the run-time switch's value before each of its steps or None, steps in
    its plan or None). A pass is chosen when a plan is built: at the first step."""
    import compare
    off = name == "pass off"
    if not switch_var:
        os.environ["TENSEUR_DISABLE_PASSES"] = args.passes if off else ""
    train = compare.tenseur_graph(args.workload, compare.initial_weights(args.workload),
                                  None)[0]
    switch = ("0" if off else "1") if switch_var else None
    if switch_var:
        os.environ[switch_var] = switch
    train(*batches[0])
    session = next(c.cell_contents for c in train.__closure__
                   if type(c.cell_contents).__name__ == "Session")
    steps = None if switch_var else max(len(p.steps) for p in session._plans.values())
    if not switch_var:
        os.environ.pop("TENSEUR_DISABLE_PASSES")
    return train, switch, steps


def _step(train, batch):
    w0, c0 = time.perf_counter(), time.process_time()
    train(*batch)
    return time.perf_counter() - w0, time.process_time() - c0


def in_one_process(args, switch_var):
    """Both variants in this process, a step of each in turn (with a run-time switch: one plan,
    the switch flipped before each step)."""
    batches = _batches(args.workload)
    variants, plan_steps = {}, {}
    for name in VARIANTS:
        if switch_var and variants:
            variants[name] = (next(iter(variants.values()))[0], "0")
            continue
        train, switch, steps = _variant(args, switch_var, name, batches)
        variants[name] = (train, switch)
        if steps is not None:
            plan_steps[name] = steps
    for train, switch in variants.values():
        if switch_var:
            os.environ[switch_var] = switch
        for batch in batches[:2]:
            train(*batch)
    times = {name: ([], []) for name in variants}
    for k in range(args.steps):
        for name, (train, switch) in variants.items():
            if switch_var:
                os.environ[switch_var] = switch
            wall, cpu = _step(train, batches[k % len(batches)])
            times[name][0].append(wall)
            times[name][1].append(cpu)
    return times, plan_steps


def worker(args, switch_var):
    """One variant, stepped `N` times for each line "N" read (JSON replies)."""
    batches = _batches(args.workload)
    train, _, steps = _variant(args, switch_var, args.worker, batches)
    for batch in batches[:2]:
        train(*batch)
    print(json.dumps({"plan_steps": steps}), flush=True)
    done = 0
    for line in sys.stdin:
        results = [_step(train, batches[(done + k) % len(batches)])
                   for k in range(int(line))]
        done += len(results)
        print(json.dumps(results), flush=True)


def in_processes(args):
    """Each variant in a worker process of its own, rounds of steps in turn, a pause between
    turns (so that the other process's BLAS threads have gone to sleep)."""
    command = [sys.executable, os.path.abspath(__file__), args.passes, "--workload",
               args.workload, "--threads", str(args.threads)]
    workers = {name: subprocess.Popen(command + ["--worker", name], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, text=True)
               for name in VARIANTS}
    plan_steps, times = {}, {name: ([], []) for name in VARIANTS}
    try:
        for name, proc in workers.items():
            steps = json.loads(proc.stdout.readline())["plan_steps"]
            if steps is not None:
                plan_steps[name] = steps
        for _ in range(args.rounds):
            for name, proc in workers.items():
                time.sleep(0.3)
                proc.stdin.write(f"{args.steps}\n")
                proc.stdin.flush()
                for wall, cpu in json.loads(proc.stdout.readline()):
                    times[name][0].append(wall)
                    times[name][1].append(cpu)
    finally:
        for proc in workers.values():
            proc.stdin.close()
            proc.wait()
    return times, plan_steps


if __name__ == "__main__":
    main()
