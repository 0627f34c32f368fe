import pytest

from tenseur import keras


@pytest.fixture(autouse=True)
def _clear_keras():
    keras.backend.clear_session()
    yield
    keras.backend.clear_session()
