"""benchmarks/pass_ab.py times a step with a pass on and off: both variants run, and a pass
name it does not know is refused with the list of passes."""
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import SWITCHES

_SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "pass_ab.py"


def _run(*args):
    # every pass and kernel at its default, as the tests of what the switches turn off run
    # (a suite run with TENSEUR_OPTIMIZE=0 would otherwise give both variants one plan)
    env = {k: v for k, v in os.environ.items() if k not in SWITCHES}
    env["PYTHONPATH"] = str(_SCRIPT.parents[1])
    return subprocess.run([sys.executable, str(_SCRIPT), *args], capture_output=True,
                          text=True, env=env, timeout=120)


def _fusion_ab(*options, header):
    """pass_ab.py on the fusion pass: its header, both plans' step counts (the "pass off" plan
    is built without the pass: more steps, the ops unfused), a line per variant."""
    done = _run("fusion", "--workload", "mlp", *options)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(header)
    on, off = (int(n) for n in re.fullmatch(r"  plan steps: pass on (\d+), pass off (\d+)",
                                            lines[1]).groups())
    assert off > on
    assert [line.split()[:2] for line in lines[2:]] == [["pass", "on"], ["pass", "off"]]


def test_times_both_variants_of_a_step():
    _fusion_ab("--steps", "2", header="mlp step, 1 thread(s), 2 steps per variant, passes "
                                      "switched off: fusion")


def test_winograd_switch_times_one_plan_both_ways():
    done = _run("winograd", "--workload", "cnn", "--steps", "1")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "passes switched off: winograd" in lines[0] and len(lines) == 3


def test_unknown_pass_is_refused():
    done = _run("no_such_pass", "--workload", "mlp")
    assert done.returncode == 2 and "unknown passes ['no_such_pass']" in done.stderr
    assert "pool_gradients" in done.stderr


def test_each_variant_in_a_process_of_its_own():
    _fusion_ab("--steps", "2", "--rounds", "2", "--processes",
               header="mlp step, 1 thread(s), 4 steps per variant (a process each), passes "
                      "switched off: fusion")
