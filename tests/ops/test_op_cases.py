"""Generic op tests driven by the case tables in `tests/ops/cases_*.py`.

A new op needs cases in a table, not new tests; `test_every_registered_op_has_a_case` fails
when a registered op type is built by no case.
"""
import importlib
import pkgutil
from pathlib import Path

import pytest

from tenseur.ops.registry import registered_op_types
from tenseur.testing import case_op_types, run_forward_case, run_gradient_case

_HERE = Path(__file__).parent
ALL_CASES = []
for info in pkgutil.iter_modules([str(_HERE)]):
    if info.name.startswith("cases_"):
        module = importlib.import_module(f"tests.ops.{info.name}")
        ALL_CASES.extend(module.CASES)

# Ops that are exercised by dedicated tests instead of the case table (with the reason).
COVERED_ELSEWHERE = {
    "Const", "Placeholder", "NoOp",           # every case builds them
    "VariableV2", "Assign", "AssignAdd", "AssignSub", "IsVariableInitialized",
    "ReportUninitialized",                    # tests/framework/test_variables.py
    "RandomStandardNormal", "TruncatedNormal", "RandomUniform", "RandomShuffle",
    "ScalarSummary", "HistogramSummary", "ImageSummary", "TensorSummaryV2",
    "MergeSummary",                           # tests/summary/
    "If", "While", "WhileGrad",               # tests/eager/cases_control.py
    "Print", "PrintV2",                       # tests/framework/test_tf1_namespaces.py
    "PyFunc", "PyFuncStateless",              # tests/ops/test_script_ops.py
}


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.name)
def test_forward(case):
    run_forward_case(case)


@pytest.mark.parametrize("case", [c for c in ALL_CASES if c.grad], ids=lambda c: c.name)
def test_gradient(case):
    run_gradient_case(case)


def test_every_registered_op_has_a_case():
    import tenseur.train  # noqa: F401  (registers the optimizers' Apply* ops)
    covered = COVERED_ELSEWHERE | {t for t in registered_op_types() if t.startswith("Apply")}
    built = set()
    for case in ALL_CASES:
        built |= case_op_types(case) | set(case.ops)
    missing = set(registered_op_types()) - built - covered
    assert not missing, f"ops without test cases: {sorted(missing)}"
