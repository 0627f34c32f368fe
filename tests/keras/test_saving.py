"""keras saving: .keras archives, Keras 3 and legacy HDF5 weights, JSON configs, safety,
atomic writes; save → load → identical predictions for every layer class of keras.layers."""
import io
import json
import os
import re
import sys
import warnings
import zipfile

import numpy as np
import pytest

import tenseur as tf
from tenseur import keras
from tenseur.keras import backend, layers
from tenseur.keras.layers import Dense, Dropout

h5py = pytest.importorskip("h5py")

RNG = np.random.default_rng(0)


def double(x):
    return x * 2.0


# -- one case per layer class ---------------------------------------------------------------

class Case:
    """How to build a small model around one layer class: constructor arguments, the input
    shapes (without batch; several for merge layers), the input dtype, load arguments."""

    def __init__(self, kwargs=None, shapes=((4,),), dtype="float32", load_kwargs=None):
        self.kwargs, self.shapes, self.dtype = kwargs or {}, list(shapes), dtype
        self.load_kwargs = load_kwargs or {}


IMAGE, SEQUENCE, TWO_VECTORS = ((6, 6, 3),), ((8, 3),), ((4,), (4,))
CASES = {
    "Dense": Case({"units": 3, "activation": "relu"}),
    "Activation": Case({"activation": "tanh"}),
    "Dropout": Case({"rate": 0.5}),
    "Flatten": Case({}, ((3, 2),)),
    "Reshape": Case({"target_shape": (2, 3)}, ((6,),)),
    "Permute": Case({"dims": (2, 1)}, ((3, 2),)),
    "RepeatVector": Case({"n": 3}),
    "Lambda": Case({"function": double}, load_kwargs={"safe_mode": False,
                                                      "custom_objects": {"double": double}}),
    "Embedding": Case({"input_dim": 10, "output_dim": 3}, ((5,),), dtype="int32"),
    "Conv1D": Case({"filters": 2, "kernel_size": 3}, SEQUENCE),
    "Conv2D": Case({"filters": 2, "kernel_size": 3, "padding": "same"}, IMAGE),
    "Conv2DTranspose": Case({"filters": 2, "kernel_size": 3, "strides": 2}, ((4, 4, 3),)),
    "DepthwiseConv2D": Case({"kernel_size": 3, "depth_multiplier": 2}, IMAGE),
    "SeparableConv2D": Case({"filters": 2, "kernel_size": 3}, IMAGE),
    "Conv1DTranspose": Case({"filters": 2, "kernel_size": 3, "strides": 2}, SEQUENCE),
    "DepthwiseConv1D": Case({"kernel_size": 3, "depth_multiplier": 2}, SEQUENCE),
    "SeparableConv1D": Case({"filters": 2, "kernel_size": 3}, SEQUENCE),
    "MaxPooling1D": Case({"pool_size": 2}, SEQUENCE),
    "AveragePooling1D": Case({"pool_size": 2}, SEQUENCE),
    "MaxPooling2D": Case({"pool_size": 2}, IMAGE),
    "AveragePooling2D": Case({"pool_size": 2}, IMAGE),
    "ZeroPadding1D": Case({"padding": 1}, SEQUENCE),
    "ZeroPadding2D": Case({"padding": 1}, IMAGE),
    "Cropping1D": Case({"cropping": 1}, SEQUENCE),
    "Cropping2D": Case({"cropping": 1}, IMAGE),
    "UpSampling1D": Case({"size": 2}, SEQUENCE),
    "UpSampling2D": Case({"size": 2}, IMAGE),
    "BatchNormalization": Case({}, IMAGE),
    "LayerNormalization": Case({}),
    "GroupNormalization": Case({"groups": 3}, IMAGE),
    "Add": Case({}, TWO_VECTORS), "Subtract": Case({}, TWO_VECTORS),
    "Multiply": Case({}, TWO_VECTORS), "Average": Case({}, TWO_VECTORS),
    "Maximum": Case({}, TWO_VECTORS), "Minimum": Case({}, TWO_VECTORS),
    "Concatenate": Case({"axis": -1}, ((4,), (3,))),
    "Dot": Case({"axes": 1}, TWO_VECTORS),
    "GaussianNoise": Case({"stddev": 0.1}), "GaussianDropout": Case({"rate": 0.2}),
    "AlphaDropout": Case({"rate": 0.2}),
    "SpatialDropout1D": Case({"rate": 0.2}, SEQUENCE),
    "SpatialDropout2D": Case({"rate": 0.2}, IMAGE),
    "SimpleRNN": Case({"units": 3, "return_sequences": True}, SEQUENCE),
    "LSTM": Case({"units": 3, "dropout": 0.2, "go_backwards": True}, SEQUENCE),
    "GRU": Case({"units": 3, "reset_after": False}, SEQUENCE),
    "RNN": Case({"cell": {"class_name": "LSTMCell", "config": {"units": 2}}}, SEQUENCE),
    "Bidirectional": Case({"layer": {"class_name": "GRU", "config": {"units": 2}},
                           "merge_mode": "ave"}, SEQUENCE),
    "TimeDistributed": Case({"layer": {"class_name": "Dense", "config": {"units": 2}}},
                            SEQUENCE),
}
# Classes left out of the per-layer round trip, with the reason.
SKIPPED = {"Layer": "the abstract base class (custom layers are tested below)",
           "InputLayer": "the input of every model saved in this file",
           "SimpleRNNCell": "a cell runs inside an RNN layer (the RNN case saves one)",
           "LSTMCell": "a cell runs inside an RNN layer (the RNN case saves one)",
           "GRUCell": "a cell runs inside an RNN layer (the RNN case saves one)"}
# A class without a case is tried with no arguments on each of these input shapes.
FALLBACK_SHAPES = [(4,), (8, 3), (6, 6, 3)]


def layer_classes() -> list:
    """Every Layer subclass exported by keras.layers, each class once (aliases dropped)."""
    classes = {}
    for name in sorted(dir(layers)):
        obj = getattr(layers, name)
        if isinstance(obj, type) and issubclass(obj, keras.layers.Layer):
            classes.setdefault(obj, obj.__name__)
    return sorted(set(classes.values()))


def sample(shape, dtype, n=3):
    if dtype.startswith("int"):
        return RNG.integers(0, 10, size=(n,) + tuple(shape)).astype(dtype)
    return RNG.normal(size=(n,) + tuple(shape)).astype(dtype)


def randomize(model):
    """Weights in [0.5, 1.5): far from the initial values, and valid BN variances."""
    model.set_weights([RNG.uniform(0.5, 1.5, size=w.shape).astype(w.dtype)
                       for w in model.get_weights()])


def model_around(cls, case):
    inputs = [keras.Input(shape=s, dtype=case.dtype) for s in case.shapes]
    output = cls(**case.kwargs)(inputs if len(inputs) > 1 else inputs[0])
    return keras.Model(inputs if len(inputs) > 1 else inputs[0], output)


def build_case(class_name):
    cls = getattr(layers, class_name)
    if class_name in CASES:
        return model_around(cls, CASES[class_name]), CASES[class_name]
    errors = []
    for shape in FALLBACK_SHAPES:
        case = Case({}, (shape,))
        try:
            return model_around(cls, case), case
        except (TypeError, ValueError) as exc:
            errors.append(f"{shape}: {exc}")
    pytest.fail(f"{class_name} cannot be built without arguments ({errors}): add a Case for it "
                f"to CASES in tests/keras/test_saving.py (or to SKIPPED, with the reason).")


def assert_same_predictions(original, loaded, data):
    expected = original.predict(data)
    got = loaded.predict(data)
    for e, g in zip(expected if isinstance(expected, list) else [expected],
                    got if isinstance(got, list) else [got]):
        np.testing.assert_array_equal(g, e)


@pytest.mark.parametrize("fmt", ["keras", "h5"])
@pytest.mark.parametrize("class_name", [c for c in layer_classes() if c not in SKIPPED])
def test_every_layer_class_round_trips(tmp_path, class_name, fmt):
    model, case = build_case(class_name)
    randomize(model)
    data = [sample(s, case.dtype) for s in case.shapes]
    data = data if len(data) > 1 else data[0]
    path = tmp_path / f"m.{fmt}"
    model.save(path)
    loaded = keras.models.load_model(path, **case.load_kwargs)
    assert loaded is not model
    assert_same_predictions(model, loaded, data)
    layer = model.layers[-1]
    assert type(loaded.layers[-1]) is type(layer)
    assert loaded.layers[-1].get_config() == layer.get_config()
    for w_loaded, w in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(w_loaded, w)


def test_layer_cases_name_existing_classes():
    assert set(CASES) - set(dir(layers)) == set()       # a typo would silently test nothing


# -- models ---------------------------------------------------------------------------------

def mlp():
    inputs = keras.Input(shape=(6,), name="pixels")
    x = Dense(5, activation="sigmoid", name="hidden")(inputs)
    x = Dense(4, activation="relu")(x)
    return keras.Model(inputs, Dense(3, activation="softmax", name="out")(x), name="mlp")


def test_functional_mlp_round_trip_keras_format(tmp_path):
    model = mlp()
    data = sample((6,), "float32", 5)
    model.save(tmp_path / "mlp.keras")
    loaded = keras.models.load_model(tmp_path / "mlp.keras")
    assert [layer.name for layer in loaded.layers] == ["pixels", "hidden", "dense", "out"]
    assert loaded.name == "mlp"
    assert_same_predictions(model, loaded, data)
    assert json.loads(loaded.to_json())["config"] == json.loads(model.to_json())["config"]


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_sequential_round_trip(tmp_path, suffix):
    model = keras.Sequential([Dense(4, input_shape=(3,), activation="relu"), Dropout(0.5),
                              Dense(2)])
    data = sample((3,), "float32", 4)
    model.save(tmp_path / f"seq{suffix}")
    loaded = keras.models.load_model(tmp_path / f"seq{suffix}")
    assert isinstance(loaded, keras.Sequential)
    assert [type(layer).__name__ for layer in loaded.layers] == ["Dense", "Dropout", "Dense"]
    assert_same_predictions(model, loaded, data)


def test_dropout_model_predicts_the_same_after_loading(tmp_path):
    inputs = keras.Input(shape=(8,))
    x = Dropout(0.5)(Dense(16, activation="relu")(inputs))
    model = keras.Model(inputs, Dense(2)(Dropout(0.25)(x)))
    model.save(tmp_path / "drop.keras")
    loaded = keras.models.load_model(tmp_path / "drop.keras")
    data = sample((8,), "float32", 6)
    assert_same_predictions(model, loaded, data)
    assert [layer.get_config()["rate"] for layer in loaded.layers if isinstance(layer, Dropout)] \
        == [0.5, 0.25]


def shared_two_inputs():
    a = keras.Input(shape=(3,), name="a")
    b = keras.Input(shape=(3,), name="b")
    shared = Dense(4, activation="tanh", name="shared")
    merged = keras.layers.Concatenate()([shared(a), shared(b)])
    return keras.Model([a, b], [Dense(1, name="score")(merged), Dense(2, name="aux")(merged)])


def test_multi_input_model_with_shared_layer(tmp_path):
    model = shared_two_inputs()
    data = [sample((3,), "float32", 4), sample((3,), "float32", 4)]
    model.save(tmp_path / "shared.keras")
    loaded = keras.models.load_model(tmp_path / "shared.keras")
    assert [layer.name for layer in loaded.layers].count("shared") == 1
    assert len(loaded.get_layer("shared")._inbound_nodes) == 2
    assert len(loaded.weights) == len(model.weights) == 6
    assert_same_predictions(model, loaded, data)


def nested():
    inner_in = keras.Input(shape=(3,))
    inner = keras.Model(inner_in, Dense(2, name="inner_dense")(Dense(4)(inner_in)), name="inner")
    x = keras.Input(shape=(5,))
    return keras.Model(x, Dense(1)(inner(Dense(3)(x))), name="outer")


def test_nested_model_round_trip_and_slots(tmp_path):
    model = nested()
    model.save(tmp_path / "nested.keras")
    loaded = keras.models.load_model(tmp_path / "nested.keras")
    assert isinstance(loaded.get_layer("inner"), keras.Model)
    assert_same_predictions(model, loaded, sample((5,), "float32", 3))
    with zipfile.ZipFile(tmp_path / "nested.keras") as archive:
        with h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r") as f:
            assert sorted(f["layers"]) == ["dense", "dense_1", "functional", "input_layer"]
            inner = f["layers/functional/layers"]
            assert sorted(inner) == ["dense", "dense_1", "input_layer"]
            assert inner["dense_1/vars/0"].shape == (4, 2)
            assert inner["dense_1/vars"].attrs["name"] == "inner_dense"
            assert len(f["layers/functional/vars"]) == 0


def test_subclassed_model_weights_round_trip_by_attribute(tmp_path):
    class Net(keras.Model):
        def __init__(self):
            super().__init__(name="net")
            self.hidden = Dense(4, activation="relu")
            self.head = Dense(2)

        def call(self, inputs, training=None):
            return self.head(self.hidden(inputs))

    model, other = Net(), Net()
    model(keras.Input(shape=(3,)))
    other(keras.Input(shape=(3,)))
    randomize(model)
    model.save_weights(tmp_path / "net.weights.h5")
    other.load_weights(tmp_path / "net.weights.h5")
    with h5py.File(tmp_path / "net.weights.h5", "r") as f:
        assert f["head/vars/0"].shape == (4, 2) and f["hidden/vars/0"].shape == (3, 4)
    assert_same_predictions(model, other, sample((3,), "float32", 2))
    with pytest.raises(NotImplementedError, match="subclassed"):
        model.save(tmp_path / "net.keras")


# -- file layouts ---------------------------------------------------------------------------

def test_keras_archive_layout(tmp_path):
    model = mlp()
    model.save(tmp_path / "mlp.keras")
    with zipfile.ZipFile(tmp_path / "mlp.keras") as archive:
        infos = archive.infolist()
        assert [i.filename for i in infos] == ["metadata.json", "config.json", "model.weights.h5"]
        assert all(i.compress_type == zipfile.ZIP_STORED for i in infos)
        metadata = json.loads(archive.read("metadata.json"))
        config = json.loads(archive.read("config.json"))
    assert re.fullmatch(r"3\.\d+\.\d+", metadata["keras_version"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d", metadata["date_saved"])
    assert set(config) == {"module", "class_name", "config", "registered_name", "build_config",
                           "compile_config"}
    assert config["class_name"] == "Functional" and config["compile_config"] is None
    assert config["build_config"] == {"input_shape": [None, 6]}
    hidden = config["config"]["layers"][1]
    assert hidden["inbound_nodes"][0]["args"][0]["config"]["keras_history"] == ["pixels", 0, 0]


def test_weights_h5_layout_uses_class_slots_not_layer_names(tmp_path):
    model = mlp()
    path = tmp_path / "mlp.weights.h5"
    model.save_weights(path)
    with h5py.File(path, "r") as f:
        assert dict(f.attrs) == {}
        assert sorted(f["layers"]) == ["dense", "dense_1", "dense_2", "input_layer"]
        slots = ("dense", "dense_1", "dense_2")
        assert [f[f"layers/{slot}/vars"].attrs["name"] for slot in slots] == ["hidden", "dense",
                                                                                "out"]
        np.testing.assert_array_equal(f["layers/dense/vars/0"][()],
                                      model.get_layer("hidden").get_weights()[0])
        np.testing.assert_array_equal(f["layers/dense_2/vars/1"][()],
                                      model.get_layer("out").get_weights()[1])
        assert len(f["layers/input_layer/vars"]) == 0 and len(f["vars"]) == 0


def test_batch_normalization_vars_order(tmp_path):
    model = keras.Sequential([layers.BatchNormalization(input_shape=(3,))])
    randomize(model)
    model.save_weights(tmp_path / "bn.weights.h5")
    bn = model.layers[0]
    with h5py.File(tmp_path / "bn.weights.h5", "r") as f:
        group = f["layers/batch_normalization/vars"]
        stored = [group[str(i)][()] for i in range(4)]
    for array, variable in zip(stored, [bn.gamma, bn.beta, bn.moving_mean, bn.moving_variance]):
        np.testing.assert_array_equal(array, backend.get_value(variable))


def test_save_weights_then_load_into_a_second_build(tmp_path):
    model, other = mlp(), mlp()      # the second build gets other auto names (dense_1...)
    model.save_weights(tmp_path / "w.weights.h5")
    report = other.load_weights(tmp_path / "w.weights.h5")
    assert report.loaded == ["hidden", "dense_1", "out"]
    assert_same_predictions(model, other, sample((6,), "float32", 3))
    third = mlp()
    third.load_weights(tmp_path / "w.weights.h5", by_name=True)     # the `name` attributes
    np.testing.assert_array_equal(third.get_layer("out").get_weights()[0],
                                  model.get_layer("out").get_weights()[0])


def test_load_weights_from_keras_archive(tmp_path):
    model, other = mlp(), mlp()
    model.save(tmp_path / "mlp.keras")
    other.load_weights(tmp_path / "mlp.keras")
    assert_same_predictions(model, other, sample((6,), "float32", 3))


def test_keras3_layout_mismatch_raises_unless_skipped(tmp_path):
    model = mlp()
    model.save_weights(tmp_path / "w.weights.h5")
    inputs = keras.Input(shape=(6,))
    x = Dense(5, activation="sigmoid")(inputs)
    x = Dense(7)(x)                                                 # 4 units in the file
    wider = keras.Model(inputs, Dense(3)(x))
    before = wider.get_weights()
    with pytest.raises(ValueError, match=r"(?s)Dense 'dense_\d+'.*\(5, 7\).*\(5, 4\).*"
                                         r"No weight was changed"):
        wider.load_weights(tmp_path / "w.weights.h5")
    for a, b in zip(wider.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    with pytest.warns(UserWarning, match="Skipping loading weights"):
        report = wider.load_weights(tmp_path / "w.weights.h5", skip_mismatch=True)
    assert len(report.skipped) == 2 and len(report.loaded) == 1
    np.testing.assert_array_equal(wider.layers[1].get_weights()[0],
                                  model.get_layer("hidden").get_weights()[0])


DATA = os.path.join(os.path.dirname(__file__), "data")


def test_loads_a_file_saved_by_keras_3():
    expected = np.load(os.path.join(DATA, "keras3_functional_expected.npz"))
    with pytest.warns(UserWarning, match="Skipping variable loading for optimizer 'adam'"):
        model = keras.models.load_model(os.path.join(DATA, "keras3_functional.keras"))
    assert model.name == "k3" and isinstance(model.optimizer, keras.optimizers.Adam)
    assert [type(layer).__name__ for layer in model.layers] == [
        "InputLayer", "Conv2D", "BatchNormalization", "MaxPooling2D", "Flatten", "Dense", "Dense",
        "Add", "Dropout", "Dense"]
    np.testing.assert_allclose(model.predict(expected["x"]), expected["y"], rtol=1e-5, atol=1e-6)
    other = keras.models.load_model(os.path.join(DATA, "keras3_functional.keras"), compile=False)
    other.set_weights([np.zeros_like(w) for w in other.get_weights()])
    other.load_weights(os.path.join(DATA, "keras3_functional.keras"))
    np.testing.assert_allclose(other.predict(expected["x"]), expected["y"], rtol=1e-5, atol=1e-6)


# -- legacy Keras 2 HDF5 --------------------------------------------------------------------

def write_keras2_weights(path, layer_weights):
    """A weights file as Keras 2 writes it: fixed-length byte-string attributes, one group per
    layer (weightless ones too), datasets at '<layer>/<weight name>' = /fc1/fc1/kernel:0."""
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([name.encode() for name in layer_weights])
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.2.4"
        for layer, weights in layer_weights.items():
            group = f.create_group(layer)
            names = [f"{layer}/{weight}:0" for weight in weights]
            group.attrs["weight_names"] = np.array([n.encode() for n in names]) if names \
                else np.array([])
            for name, value in zip(names, weights.values()):
                group.create_dataset(name, data=value)


def transfer_model():
    inputs = keras.Input(shape=(4,), name="input_1")
    x = Dense(3, activation="relu", name="fc1")(inputs)
    x = Dropout(0.1, name="drop")(x)
    return keras.Model(inputs, Dense(2, name="predictions")(x))


def test_legacy_applications_style_file_loads_by_name(tmp_path):
    fc1 = {"kernel": RNG.normal(size=(4, 3)), "bias": RNG.normal(size=3)}
    predictions = {"kernel": RNG.normal(size=(3, 2)), "bias": RNG.normal(size=2)}
    path = tmp_path / "resnet50_weights_tf_dim_ordering_tf_kernels.h5"
    # The file's order differs from the model's, and it has a layer the model lacks.
    write_keras2_weights(path, {"input_1": {}, "predictions": predictions,
                                "extra_conv": {"kernel": np.ones((2, 2))}, "fc1": fc1,
                                "drop": {}})
    with h5py.File(path, "r") as f:
        assert f["fc1"].attrs["weight_names"][0] == b"fc1/kernel:0" and "fc1/fc1/kernel:0" in f
    model = transfer_model()
    report = model.load_weights(str(path), by_name=True)
    np.testing.assert_allclose(model.get_layer("fc1").get_weights()[0], fc1["kernel"], rtol=1e-6)
    np.testing.assert_allclose(model.get_layer("predictions").get_weights()[1],
                               predictions["bias"], rtol=1e-6)
    assert sorted(report.loaded) == ["fc1", "predictions"]
    assert report.unused_in_file == ["extra_conv"] and report.missing_in_file == []
    data = sample((4,), "float32", 3)
    expected = np.maximum(data @ fc1["kernel"] + fc1["bias"], 0) @ predictions["kernel"] \
        + predictions["bias"]
    np.testing.assert_allclose(model.predict(data), expected, rtol=1e-5, atol=1e-5)


def test_legacy_weight_names_are_taken_in_order_not_by_suffix(tmp_path):
    path = tmp_path / "keras1.h5"
    kernel, bias = RNG.normal(size=(4, 3)), RNG.normal(size=3)
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([b"fc1"])
        group = f.create_group("fc1")
        group.attrs["weight_names"] = np.array([b"fc1_W:0", b"fc1_b:0"])   # Keras 1 names
        group["fc1_W:0"], group["fc1_b:0"] = kernel, bias
    model = keras.Sequential([Dense(3, input_shape=(4,), name="fc1")])
    model.load_weights(path)
    np.testing.assert_allclose(model.layers[0].get_weights()[0], kernel, rtol=1e-6)


def test_legacy_positional_count_mismatch_names_both_sides(tmp_path):
    write_keras2_weights(tmp_path / "w.h5", {"fc1": {"kernel": np.ones((4, 3)),
                                                     "bias": np.ones(3)}})
    with pytest.raises(ValueError, match=r"(?s)1 layers with weights \['fc1'\].*2 \['fc1', "
                                         r"'predictions'\].*by_name=True"):
        transfer_model().load_weights(tmp_path / "w.h5")


def test_legacy_by_name_skip_mismatch(tmp_path):
    good = {"kernel": RNG.normal(size=(4, 3)), "bias": RNG.normal(size=3)}
    wrong = {"kernel": np.ones((3, 10)), "bias": np.ones(10)}           # a 10-class head
    write_keras2_weights(tmp_path / "w.h5", {"fc1": good, "predictions": wrong})
    model = transfer_model()
    head = model.get_layer("predictions").get_weights()
    fc1_before = model.get_layer("fc1").get_weights()
    with pytest.raises(ValueError, match=r"(?s)Dense 'predictions'.*\(3, 2\).*\(3, 10\)"):
        model.load_weights(tmp_path / "w.h5", by_name=True)
    for a, b in zip(model.get_layer("fc1").get_weights(), fc1_before):     # all or nothing
        np.testing.assert_array_equal(a, b)
    with pytest.warns(UserWarning, match=r"Skipping .* layer\(s\) \['predictions'\]"):
        report = model.load_weights(tmp_path / "w.h5", by_name=True, skip_mismatch=True)
    assert report.loaded == ["fc1"] and report.skipped[0][0] == "predictions"
    np.testing.assert_allclose(model.get_layer("fc1").get_weights()[0], good["kernel"], rtol=1e-6)
    for a, b in zip(model.get_layer("predictions").get_weights(), head):
        np.testing.assert_array_equal(a, b)


def test_legacy_chunked_layer_names_attribute(tmp_path):
    path = tmp_path / "chunked.h5"
    kernel = RNG.normal(size=(4, 3))
    with h5py.File(path, "w") as f:
        f.attrs["layer_names0"] = np.array([b"input_1"])
        f.attrs["layer_names1"] = np.array([b"fc1"])
        f.create_group("input_1").attrs["weight_names"] = np.array([])
        group = f.create_group("fc1")
        group.attrs["weight_names0"] = np.array([b"fc1/kernel:0"])
        group.attrs["weight_names1"] = np.array([b"fc1/bias:0"])
        group["fc1/kernel:0"], group["fc1/bias:0"] = kernel, np.zeros(3)
    model = keras.Sequential([Dense(3, input_shape=(4,), name="fc1")])
    model.load_weights(path, by_name=True)
    np.testing.assert_allclose(model.layers[0].get_weights()[0], kernel, rtol=1e-6)


def test_long_string_list_attributes_are_chunked(tmp_path):
    from tenseur.keras.saving import hdf5
    names = [f"conv{i}_block_with_a_long_name" for i in range(4000)]       # > 64 KiB
    with h5py.File(tmp_path / "names.h5", "w") as f:
        hdf5.write_string_list(f, "layer_names", names)
        assert "layer_names" not in f.attrs and "layer_names1" in f.attrs
        assert hdf5.read_string_list(f, "layer_names") == names


def test_legacy_save_weights_layout_and_round_trip(tmp_path):
    model = transfer_model()
    model.save_weights(tmp_path / "w.h5")
    with h5py.File(tmp_path / "w.h5", "r") as f:
        assert [n.decode() for n in f.attrs["layer_names"]] == ["input_1", "fc1", "drop",
                                                                "predictions"]
        assert [n.decode() for n in f["fc1"].attrs["weight_names"]] == ["fc1/kernel:0",
                                                                        "fc1/bias:0"]
        assert f["fc1/fc1/kernel:0"].shape == (4, 3) and len(f["drop"].attrs["weight_names"]) == 0
        assert f.attrs["backend"] == b"tensorflow"
    other = transfer_model()
    other.load_weights(tmp_path / "w.h5")
    assert_same_predictions(model, other, sample((4,), "float32", 2))


def test_legacy_full_model_file_layout(tmp_path):
    model = transfer_model()
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as f:
        config = json.loads(f.attrs["model_config"])
        assert config["class_name"] == "Functional" and "layers" in config["config"]
        assert {"keras_version", "backend"} <= set(f.attrs)
        assert "model_weights/predictions/predictions/bias:0" in f
    loaded = keras.models.load_model(tmp_path / "m.h5")
    assert_same_predictions(model, loaded, sample((4,), "float32", 2))


# -- configs, JSON, clone ---------------------------------------------------------------------

def test_to_json_and_model_from_json_give_fresh_weights():
    model = mlp()
    text = model.to_json()
    rebuilt = keras.models.model_from_json(text)
    assert json.loads(rebuilt.to_json())["config"]["layers"] == json.loads(text)["config"]["layers"]
    assert [w.shape for w in rebuilt.get_weights()] == [w.shape for w in model.get_weights()]
    assert not np.array_equal(rebuilt.get_weights()[0], model.get_weights()[0])


def test_keras2_json_config_loads():
    text = json.dumps({"class_name": "Model", "keras_version": "2.2.4", "backend": "tensorflow",
                       "config": {"name": "model_1", "layers": [
                           {"class_name": "InputLayer", "name": "input_1", "inbound_nodes": [],
                            "config": {"batch_input_shape": [None, 4], "dtype": "float32",
                                       "sparse": False, "name": "input_1"}},
                           {"class_name": "Dense", "name": "dense_1",
                            "inbound_nodes": [[["input_1", 0, 0, {}]]],
                            "config": {"name": "dense_1", "trainable": True, "units": 2,
                                       "activation": "softmax", "use_bias": True,
                                       "kernel_initializer": {"class_name": "VarianceScaling",
                                                              "config": {"scale": 1.0,
                                                                         "mode": "fan_avg",
                                                                         "distribution": "uniform",
                                                                         "seed": None}},
                                       "bias_initializer": {"class_name": "Zeros", "config": {}},
                                       "kernel_regularizer": None, "bias_regularizer": None,
                                       "activity_regularizer": None, "kernel_constraint": None,
                                       "bias_constraint": None}}],
                           "input_layers": [["input_1", 0, 0]],
                           "output_layers": [["dense_1", 0, 0]]}})
    model = keras.models.model_from_json(text)
    assert [layer.name for layer in model.layers] == ["input_1", "dense_1"]
    out = model.predict(np.ones((2, 4), np.float32))
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-6)


def test_clone_model_has_fresh_weights_and_same_architecture():
    model = shared_two_inputs()
    clone = keras.models.clone_model(model)
    assert clone is not model and all(a is not b for a, b in zip(clone.layers, model.layers))
    assert [layer.get_config() for layer in clone.layers] == \
        [layer.get_config() for layer in model.layers]
    assert not np.array_equal(clone.get_layer("shared").get_weights()[0],
                              model.get_layer("shared").get_weights()[0])
    clone.set_weights(model.get_weights())
    data = [sample((3,), "float32", 2), sample((3,), "float32", 2)]
    assert_same_predictions(model, clone, data)


def test_clone_sequential_and_clone_function():
    model = keras.Sequential([Dense(4, input_shape=(3,)), Dense(2, name="head")])
    seen = []

    def clone_function(layer):
        seen.append(layer.name)
        return type(layer).from_config(layer.get_config())
    clone = keras.models.clone_model(model, clone_function=clone_function)
    assert isinstance(clone, keras.Sequential) and seen == ["dense", "head"]
    assert clone.output_shape == (None, 2)


def test_subclassed_model_with_get_config_round_trips(tmp_path):
    class Head(keras.Model):
        def __init__(self, units=2, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.dense = Dense(units)

        def call(self, inputs, training=None):
            return self.dense(inputs)

        def get_config(self):
            return {"units": self.units, "name": self.name}

    model = Head(units=3, name="head")
    model(keras.Input(shape=(4,)))
    model.save(tmp_path / "head.keras")
    with zipfile.ZipFile(tmp_path / "head.keras") as archive:
        config = json.loads(archive.read("config.json"))
    assert config["class_name"] == "Head" and config["build_config"] == {"input_shape": [None, 4]}
    loaded = keras.models.load_model(tmp_path / "head.keras", custom_objects={"Head": Head})
    assert isinstance(loaded, Head) and loaded.units == 3
    assert_same_predictions(model, loaded, sample((4,), "float32", 2))


def test_custom_layer_needs_custom_objects(tmp_path):
    class Scale(keras.layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def build(self, input_shape):
            self.w = self.add_weight("w", (input_shape[-1],), initializer="ones")
            self.built = True

        def call(self, inputs):
            return inputs * self.w * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, Scale(3.0)(inputs))
    randomize(model)
    model.save(tmp_path / "custom.keras")
    with pytest.raises(ValueError, match=r"Unknown layer: 'Scale'.*custom_objects"):
        keras.models.load_model(tmp_path / "custom.keras")
    loaded = keras.models.load_model(tmp_path / "custom.keras", custom_objects={"Scale": Scale})
    assert_same_predictions(model, loaded, sample((3,), "float32", 2))
    with keras.saving.custom_object_scope({"Scale": Scale}):
        assert keras.models.load_model(tmp_path / "custom.keras").layers[1].factor == 3.0


# -- safety ---------------------------------------------------------------------------------

def rewrite_archive(source, target, edit_config=None, extra_entries=()):
    with zipfile.ZipFile(source) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    if edit_config is not None:
        config = json.loads(entries["config.json"])
        edit_config(config)
        entries["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in list(entries.items()) + list(extra_entries):
            archive.writestr(zipfile.ZipInfo(name), data)


def lambda_model():
    inputs = keras.Input(shape=(3,))
    return keras.Model(inputs, layers.Lambda(double, name="twice")(Dense(2)(inputs)))


def test_lambda_refused_unless_safe_mode_off(tmp_path):
    model = lambda_model()
    model.save(tmp_path / "lambda.keras")
    with pytest.raises(ValueError, match=r"Refusing to deserialize Lambda layer 'twice'.*"
                                         r"safe_mode=False"):
        keras.models.load_model(tmp_path / "lambda.keras")
    with pytest.raises(ValueError, match="Lambda"):
        keras.models.load_model(tmp_path / "lambda.keras", custom_objects={"double": double})
    with pytest.raises(ValueError, match="Refusing"):
        keras.models.model_from_json(model.to_json())
    with pytest.raises(ValueError, match="custom_objects"):
        keras.models.load_model(tmp_path / "lambda.keras", safe_mode=False)
    loaded = keras.models.load_model(tmp_path / "lambda.keras", safe_mode=False,
                                     custom_objects={"double": double})
    assert_same_predictions(model, loaded, sample((3,), "float32", 2))


def test_lambda_bytecode_is_never_loaded(tmp_path):
    lambda_model().save(tmp_path / "lambda.keras")

    def as_bytecode(config):
        layer = config["config"]["layers"][-1]
        layer["config"]["function"] = {"class_name": "__lambda__",
                                       "config": {"code": "4wEAAAAAAAAA", "defaults": None,
                                                  "closure": None}}
    rewrite_archive(tmp_path / "lambda.keras", tmp_path / "code.keras", as_bytecode)
    with pytest.raises(ValueError, match="bytecode"):
        keras.models.load_model(tmp_path / "code.keras", safe_mode=False,
                                custom_objects={"double": double})


@pytest.mark.parametrize("entry", ["../evil.json", "/etc/evil.json", "assets/../../evil"])
def test_archive_with_unsafe_entry_is_refused(tmp_path, entry):
    mlp().save(tmp_path / "ok.keras")
    rewrite_archive(tmp_path / "ok.keras", tmp_path / "bad.keras", extra_entries=[(entry, b"x")])
    with pytest.raises(ValueError, match=r"bad\.keras.*unsafe path"):
        keras.models.load_model(tmp_path / "bad.keras")


def test_truncated_and_corrupt_files_name_the_file(tmp_path):
    model = mlp()
    model.save(tmp_path / "m.keras")
    model.save_weights(tmp_path / "w.weights.h5")
    model.save(tmp_path / "m.h5")
    for name in ("m.keras", "w.weights.h5", "m.h5"):
        data = (tmp_path / name).read_bytes()
        (tmp_path / f"cut_{name}").write_bytes(data[:len(data) // 2])
    with pytest.raises(ValueError, match=r"cut_m\.keras.*truncated"):
        keras.models.load_model(tmp_path / "cut_m.keras")
    with pytest.raises(ValueError, match=r"cut_w\.weights\.h5.*HDF5"):
        model.load_weights(tmp_path / "cut_w.weights.h5")
    with pytest.raises(ValueError, match=r"cut_m\.h5.*HDF5"):
        keras.models.load_model(tmp_path / "cut_m.h5")
    (tmp_path / "garbage.keras").write_bytes(b"not a zip at all")
    with pytest.raises(ValueError, match=r"garbage\.keras.*not a zip"):
        keras.models.load_model(tmp_path / "garbage.keras")
    with zipfile.ZipFile(tmp_path / "noweights.keras", "w") as archive:
        archive.writestr("config.json", (zipfile.ZipFile(tmp_path / "m.keras")
                                         .read("config.json")))
    with pytest.raises(ValueError, match=r"noweights\.keras.*model\.weights\.h5"):
        keras.models.load_model(tmp_path / "noweights.keras")
    with pytest.raises(FileNotFoundError):
        keras.models.load_model(tmp_path / "missing.keras")


def test_npz_weights_are_refused_as_pickles(tmp_path):
    mlp().save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        config = archive.read("config.json")
    with zipfile.ZipFile(tmp_path / "npz.keras", "w") as archive:
        archive.writestr("config.json", config)
        archive.writestr("model.weights.npz", b"PK")
    with pytest.raises(ValueError, match="pickled"):
        keras.models.load_model(tmp_path / "npz.keras")


def test_bad_suffixes(tmp_path):
    model = mlp()
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`"):
        model.save_weights(tmp_path / "w.ckpt")
    with pytest.raises(ValueError, match=r"\.keras.*\.h5"):
        model.save(tmp_path / "m.pb")
    (tmp_path / "m.txt").write_text("hello")
    with pytest.raises(ValueError, match="File format not supported"):
        keras.models.load_model(tmp_path / "m.txt")
    with pytest.raises(ValueError, match="expected a `.keras`"):
        model.load_weights(tmp_path / "m.txt")


def test_overwrite_false_refuses(tmp_path):
    model = mlp()
    model.save(tmp_path / "m.keras")
    with pytest.raises(FileExistsError, match="overwrite"):
        model.save(tmp_path / "m.keras", overwrite=False)


def test_missing_h5py_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(ImportError, match=r"tenseur\[keras\]"):
        mlp().save_weights(tmp_path / "w.weights.h5")


# -- atomic writes --------------------------------------------------------------------------

def test_crash_while_saving_keeps_the_previous_file(tmp_path, monkeypatch):
    model = mlp()
    targets = {"m.keras": model.save, "m.h5": model.save, "w.weights.h5": model.save_weights,
               "w.h5": model.save_weights}
    originals = {}
    for name, save in targets.items():
        save(tmp_path / name)
        originals[name] = (tmp_path / name).read_bytes()
    randomize(model)

    real_writestr = zipfile.ZipFile.writestr

    def crash_on_weights(self, name, data, *args, **kwargs):
        if getattr(name, "filename", name) == "model.weights.h5":
            raise OSError("disk full")
        return real_writestr(self, name, data, *args, **kwargs)
    monkeypatch.setattr(zipfile.ZipFile, "writestr", crash_on_weights)
    with pytest.raises(OSError, match="disk full"):
        model.save(tmp_path / "m.keras")
    monkeypatch.undo()

    real_create = h5py.Group.create_dataset
    calls = []

    def crash_midway(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("killed")
        return real_create(self, *args, **kwargs)
    monkeypatch.setattr(h5py.Group, "create_dataset", crash_midway)
    for name in ("m.h5", "w.weights.h5", "w.h5"):
        calls.clear()
        with pytest.raises(RuntimeError, match="killed"):
            targets[name](tmp_path / name)
    monkeypatch.undo()
    for name, data in originals.items():
        assert (tmp_path / name).read_bytes() == data, name
    assert sorted(os.listdir(tmp_path)) == sorted(targets)          # no temporary left behind
    keras.models.load_model(tmp_path / "m.keras")


def test_atomic_write_renames_only_on_success(tmp_path):
    from tenseur.keras.saving.atomic import atomic_write
    target = tmp_path / "f.bin"
    target.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(target) as f:
            f.write(b"new and partial")
            raise KeyboardInterrupt
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["f.bin"]
    with atomic_write(target) as f:
        f.write(b"new")
    assert target.read_bytes() == b"new"


# -- compile config and optimizer state ------------------------------------------------------

class FakeOptimizer:
    """Stands for a keras optimizer: a config and variables (tests the saving side alone)."""

    def __init__(self, learning_rate=0.01, name="fake"):
        self.learning_rate, self.name = learning_rate, name
        self.variables = []

    def get_config(self):
        return {"learning_rate": self.learning_rate, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def build(self, variables):
        for v in variables:
            slot = tf.Variable(np.zeros(v.shape.as_list(), np.float32), name="fake_slot")
            backend.track_variable(slot)
            self.variables.append(slot)


def fake_compile(self, optimizer=None, loss=None, metrics=None, loss_weights=None, **kwargs):
    self.optimizer = optimizer
    self.loss = loss
    self._compile_config = {"optimizer": optimizer, "loss": loss, "metrics": metrics,
                            "loss_weights": loss_weights}
    self._is_compiled = True


def test_compile_config_and_optimizer_state_round_trip(tmp_path):
    model = mlp()
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    x, y = sample((6,), "float32", 16), RNG.integers(0, 3, 16)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)                  # 2 steps: slots exist
    model.save(tmp_path / "c.keras")
    with zipfile.ZipFile(tmp_path / "c.keras") as archive:
        compile_config = json.loads(archive.read("config.json"))["compile_config"]
        with h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r") as f:
            assert f["optimizer/vars"].attrs["name"] == "adam"
            assert f["optimizer/vars/0"][()] == 2
            assert len(f["optimizer/vars"]) == len(model.optimizer.variables) > 2 + 6
    assert compile_config["loss"] == "sparse_categorical_crossentropy"
    assert compile_config["metrics"] == ["accuracy"]
    assert compile_config["optimizer"]["class_name"] == "Adam"
    loaded = keras.models.load_model(tmp_path / "c.keras")
    assert isinstance(loaded.optimizer, keras.optimizers.Adam)
    for a, b in zip(backend.batch_get_value(loaded.optimizer.variables),
                    backend.batch_get_value(model.optimizer.variables)):
        np.testing.assert_array_equal(a, b)
    loaded.fit(x, y, epochs=1, batch_size=16, verbose=0)               # training continues
    assert backend.get_value(loaded.optimizer.variables[0]) == 3
    assert keras.models.load_model(tmp_path / "c.keras", compile=False).optimizer is None
    model.save(tmp_path / "c.h5")                                       # Keras 2 training_config
    legacy = keras.models.load_model(tmp_path / "c.h5")
    assert isinstance(legacy.optimizer, keras.optimizers.Adam)
    assert legacy.loss == "sparse_categorical_crossentropy"


def test_fake_optimizer_state_restored_through_custom_objects(tmp_path, monkeypatch):
    monkeypatch.setattr(keras.Model, "compile", fake_compile)
    optimizer = FakeOptimizer(learning_rate=0.05)
    model = mlp()
    model.compile(optimizer=optimizer, loss="mse")
    optimizer.build(model.trainable_weights)
    backend.batch_set_value([(v, np.full(v.shape.as_list(), 7.0)) for v in optimizer.variables])
    model.save(tmp_path / "c.keras")
    loaded = keras.models.load_model(tmp_path / "c.keras",
                                     custom_objects={"FakeOptimizer": FakeOptimizer})
    assert isinstance(loaded.optimizer, FakeOptimizer) and loaded.optimizer.learning_rate == 0.05
    restored = backend.batch_get_value(loaded.optimizer.variables)
    assert len(restored) == 6 and all(np.all(v == 7.0) for v in restored)


def test_unrestorable_compile_config_warns_and_loads_uncompiled(tmp_path, monkeypatch):
    monkeypatch.setattr(keras.Model, "compile", fake_compile)
    model = mlp()
    model.compile(optimizer=FakeOptimizer(), loss="mse")
    model.save(tmp_path / "c.keras")
    with pytest.warns(UserWarning, match=r"could not be re-compiled.*FakeOptimizer"):
        loaded = keras.models.load_model(tmp_path / "c.keras")
    assert loaded.optimizer is None
    assert_same_predictions(model, loaded, sample((6,), "float32", 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        keras.models.load_model(tmp_path / "c.keras", compile=False)
