"""benchmarks/device_check.sh, the prepared run for a session lent the AVX-512 machine: it must
parse, and every script and option it calls must exist (it cannot be tried here for real)."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest

_ROOT = Path(__file__).resolve().parents[2]
_SCRIPT = _ROOT / "benchmarks" / "device_check.sh"


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_the_script_parses():
    assert subprocess.run(["bash", "-n", str(_SCRIPT)]).returncode == 0


def test_the_scripts_and_switches_it_calls_exist():
    text = _SCRIPT.read_text()
    called = set(re.findall(r"benchmarks/(\w+\.py)", text))
    assert called >= {"sgemm_shapes.py", "mlp_step.py", "compare.py", "pass_ab.py",
                      "conv_kernels.py"}
    for name in called:
        assert (_ROOT / "benchmarks" / name).is_file(), name
    compare = (_ROOT / "benchmarks" / "compare.py").read_text()
    for contender in re.search(r"--contenders ([\w,-]+)", text).group(1).split(","):
        assert f'"{contender}"' in compare, contender
    pass_ab = (_ROOT / "benchmarks" / "pass_ab.py").read_text()
    for switch in ("winograd", "winograd4", "numba"):
        assert f'"{switch}"' in pass_ab


def test_the_options_it_gives_each_script_exist():
    text = _SCRIPT.read_text().replace("\\\n", " ")
    calls = re.findall(r"benchmarks/(\w+\.py) ([^>\n]*)", text)
    assert len(calls) >= 9
    for name, options in calls:
        source = (_ROOT / "benchmarks" / name).read_text()
        for option in re.findall(r"--[\w-]+", options):
            assert f'"{option}"' in source, (name, option)


def test_at_most_eight_files_come_back():
    # The device tool returns at most 8 files from $OUT.
    text = _SCRIPT.read_text()
    assert len(set(re.findall(r'"\$OUT/([\w.]+)"', text))) <= 8
