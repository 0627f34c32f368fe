"""benchmarks/compare.py's tenseur contenders (and its MLP step written by hand in NumPy)
train the same model the same way.

The benchmark's ratios mean something only if every contender runs the same arithmetic from
the same weights: after the same SGD steps on the same batches, tenseur graph mode, eager,
@function, tenseur.keras and the NumPy step must predict the same classes with the same
probabilities.
"""
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "compare.py"


@pytest.fixture(scope="module")
def compare():
    spec = importlib.util.spec_from_file_location("bench_compare", _PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_compare"] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("bench_compare", None)


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("workload", ["mlp", "cnn"])
def test_tenseur_contenders_train_the_same_model(compare, workload):
    rng = np.random.default_rng(1)
    shape = (784,) if workload == "mlp" else (28, 28, 1)
    batch = 32
    images = rng.uniform(0, 1, (3 * batch,) + shape).astype(np.float32)
    labels = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 3 * batch)]
    test = rng.uniform(0, 1, (50,) + shape).astype(np.float32)
    weights = compare.initial_weights(workload)
    probabilities = {}
    contenders = ["tenseur-graph", "tenseur-function", "tenseur-eager", "tenseur-keras"]
    contenders += [c for c in ("numpy",) if workload in compare.SUPPORTS[c]]
    for contender in contenders:
        train, predict = compare.build(contender, workload, [w.copy() for w in weights], None)
        for k in range(0, len(images), batch):
            train(images[k:k + batch], labels[k:k + batch])
        out = np.asarray(predict(test), np.float64)
        # The Keras MLP ends in a softmax layer (as TensorFlow's in the benchmark); the others
        # return logits.
        keras_probabilities = contender == "tenseur-keras" and workload == "mlp"
        probabilities[contender] = out if keras_probabilities else _softmax(out)
    reference = probabilities.pop("tenseur-graph")
    untrained = _softmax(np.asarray(
        compare.build("tenseur-graph", workload, weights, None)[1](test), np.float64))
    assert np.abs(reference - untrained).max() > 1e-3      # the steps did change the model
    for contender, p in probabilities.items():
        np.testing.assert_allclose(p, reference, atol=2e-5, err_msg=contender)
