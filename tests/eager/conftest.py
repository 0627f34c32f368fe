"""Eager tests run inside `eager_mode()` (the `eager` fixture) and never leave eager mode on:
every test checks on the way out that graph mode is back."""
import pytest

import tenseur.eager as eager


@pytest.fixture(autouse=True)
def _no_eager_leak():
    assert not eager.executing_eagerly(), "a previous test left eager mode on"
    yield
    assert not eager.executing_eagerly(), "this test left eager mode on"


@pytest.fixture
def eager_ctx():
    with eager.eager_mode():
        yield
