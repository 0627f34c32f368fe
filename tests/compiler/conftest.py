"""Helpers for the compiler tests: build a plan with the passes on or off and count its ops."""
import pytest

import tenseur as tf


def plan_of(sess, fetches, feed_dict=None):
    """The plan `sess.run(fetches, feed_dict)` runs (after running it once)."""
    sess.run(fetches, feed_dict)
    leaves = fetches if isinstance(fetches, (list, tuple)) else [fetches]
    leaves = [getattr(f, "_as_fetch", lambda f=f: f)() for f in leaves]
    matching = [plan for (key, _), plan in sess._plans.items()
                if list(key[0]) == leaves]
    assert matching, "no plan was built for these fetches"
    return matching[-1]


def op_types(plan):
    """The op type of every step of a plan (fused steps list their members' types)."""
    types = []
    for op in plan.ops:
        members = getattr(op, "members", ())
        types += [m.type for m in members] if members else [op.type]
    return types


def step_types(plan):
    return [op.type for op in plan.ops]


@pytest.fixture
def unoptimized(monkeypatch):
    """Sessions made inside the test run without the passes (TENSEUR_OPTIMIZE=0)."""
    monkeypatch.setenv("TENSEUR_OPTIMIZE", "0")


def session(optimize=True, graph=None):
    return tf.Session(graph=graph, config={"optimize": optimize})


@pytest.fixture(autouse=True)
def _passes_and_kernels_at_their_defaults(default_switches):
    """The compiler's tests check what its passes and kernels do: none switched off by the
    environment (tests/conftest.py's default_switches)."""
