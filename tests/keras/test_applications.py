"""keras.applications: ResNet50, VGG16, MobileNet with Keras' layer names and parameter counts,
their forward pass against a NumPy computation with the same weights, input checks, weight
files (cache, download, paths, legacy HDF5), preprocess_input and decode_predictions.

No test touches the network: the downloader is replaced and $HOME points at a temporary
directory wherever a cache is involved.
"""
import hashlib
import io
import json
import os
import types
import urllib.error

import numpy as np
import pytest

import tenseur as tf
from tenseur import keras
from tenseur.keras.applications import (PretrainedFileError, PretrainedFileNotFoundError,
                                        imagenet_utils, pretrained, resnet)

apps = keras.applications
h5py = pytest.importorskip("h5py")

KERAS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/"
# ResNet50's stages: (stage, blocks).
RESNET50_STAGES = ((2, 3), (3, 4), (4, 6), (5, 3))


def resnet50_names(include_top):
    """Keras' layer names, written out from keras/src/applications/resnet.py's scheme."""
    names = ["conv1_pad", "conv1_conv", "conv1_bn", "conv1_relu", "pool1_pad", "pool1_pool"]
    for stage, blocks in RESNET50_STAGES:
        for block in range(1, blocks + 1):
            prefix = f"conv{stage}_block{block}_"
            if block == 1:
                names += [prefix + "0_conv", prefix + "0_bn"]
            names += [prefix + s for s in ("1_conv", "1_bn", "1_relu", "2_conv", "2_bn",
                                           "2_relu", "3_conv", "3_bn", "add", "out")]
    return names + (["avg_pool", "predictions"] if include_top else [])


def layer_names(model):
    return [layer.name for layer in model.layers[1:]]        # without the input layer


def weighted(model):
    return [layer for layer in model.layers if layer.weights]


# -- architectures ------------------------------------------------------------------------------

def test_resnet50_without_top_has_keras_names_and_23587712_parameters():
    model = apps.ResNet50(include_top=False, weights=None, input_shape=(64, 64, 3))
    assert model.name == "resnet50"
    assert sorted(layer_names(model)) == sorted(resnet50_names(include_top=False))
    assert len(model.layers) == 175 and len(weighted(model)) == 106
    assert model.count_params() == 23_587_712
    assert layer_names(model)[:6] == resnet50_names(False)[:6]
    assert layer_names(model)[-1] == "conv5_block3_out"
    assert model.output_shape == (None, 2, 2, 2048)
    conv = model.get_layer("conv1_conv")
    assert [tuple(w.shape.as_list()) for w in conv.weights] == [(7, 7, 3, 64), (64,)]
    assert model.get_layer("conv1_bn").epsilon == pytest.approx(1.001e-5)
    # The stride of a stage sits on its first 1x1 convolution (and the projection).
    assert model.get_layer("conv3_block1_1_conv").strides == (2, 2)
    assert model.get_layer("conv3_block1_0_conv").strides == (2, 2)
    assert model.get_layer("conv3_block1_2_conv").strides == (1, 1)
    assert model.get_layer("conv3_block1_2_conv").padding == "same"


def test_resnet50_with_top_has_25636712_parameters_and_a_softmax_classifier():
    model = apps.ResNet50(weights=None)
    assert len(model.layers) == 177 and len(weighted(model)) == 107
    assert model.count_params() == 25_636_712
    assert layer_names(model)[-2:] == ["avg_pool", "predictions"]
    assert model.input_shape == (None, 224, 224, 3)
    assert model.output_shape == (None, 1000)
    assert model.get_layer("predictions").activation is keras.activations.get("softmax")


@pytest.mark.parametrize("pooling, name", [("avg", "avg_pool"), ("max", "max_pool")])
def test_resnet50_pooling_gives_a_vector_per_image(pooling, name):
    model = apps.ResNet50(include_top=False, weights=None, pooling=pooling)
    assert model.input_shape == (None, None, None, 3)
    assert model.output_shape == (None, 2048)
    assert model.layers[-1].name == name
    assert model.count_params() == 23_587_712


def test_resnet50_classes_and_logits_without_pretrained_weights():
    model = apps.ResNet50(weights=None, classes=10, classifier_activation=None)
    assert model.output_shape == (None, 10)
    assert model.count_params() == 23_587_712 + 2048 * 10 + 10
    assert model.get_layer("predictions").activation is keras.activations.get("linear")


@pytest.mark.parametrize("constructor, params, layers", [
    (apps.ResNet101, 44_707_176, 347), (apps.ResNet152, 60_419_944, 517)])
def test_deeper_resnets_have_keras_parameter_counts(constructor, params, layers):
    model = constructor(weights=None)
    assert model.count_params() == params and len(model.layers) == layers
    assert model.layers[-3].name == "conv5_block3_out"


def test_vgg16_names_and_parameter_counts():
    model = apps.VGG16(weights=None)
    blocks = [(1, 2), (2, 2), (3, 3), (4, 3), (5, 3)]
    convs = [n for b, k in blocks for n in [f"block{b}_conv{i}" for i in range(1, k + 1)]
             + [f"block{b}_pool"]]
    assert layer_names(model) == convs + ["flatten", "fc1", "fc2", "predictions"]
    assert model.count_params() == 138_357_544
    keras.backend.clear_session()
    model = apps.VGG16(weights=None, include_top=False, input_shape=(64, 64, 3))
    assert layer_names(model) == convs
    assert model.count_params() == 14_714_688
    assert model.output_shape == (None, 2, 2, 512)
    keras.backend.clear_session()
    model = apps.VGG16(weights=None, include_top=False, pooling="max")
    assert model.layers[-1].name == "global_max_pooling2d"
    assert model.output_shape == (None, 512)


def test_mobilenet_names_and_parameter_counts():
    model = apps.MobileNet(weights=None)
    assert model.name == "mobilenet_1.00_224"
    assert model.count_params() == 4_253_864
    names = layer_names(model)
    assert names[:3] == ["conv1", "conv1_bn", "conv1_relu"]
    assert names[3:9] == ["conv_dw_1", "conv_dw_1_bn", "conv_dw_1_relu", "conv_pw_1",
                          "conv_pw_1_bn", "conv_pw_1_relu"]
    assert names[9] == "conv_pad_2"            # strided blocks pad bottom/right by one
    assert names[-5:] == ["global_average_pooling2d", "dropout", "conv_preds", "reshape_2",
                          "predictions"]
    assert model.get_layer("conv_pad_2").padding == ((0, 1), (0, 1))
    assert model.output_shape == (None, 1000)
    keras.backend.clear_session()
    model = apps.MobileNet(weights=None, include_top=False, input_shape=(128, 128, 3))
    assert model.name == "mobilenet_1.00_128"
    assert model.count_params() == 3_228_864
    assert model.output_shape == (None, 4, 4, 1024)
    keras.backend.clear_session()
    model = apps.MobileNet(weights=None, alpha=0.5, include_top=False, pooling="avg",
                           input_shape=(32, 32, 3))
    assert model.output_shape == (None, 512)


# -- forward pass against NumPy -----------------------------------------------------------------

def np_conv(x, kernel, stride=1, pad=((0, 0), (0, 0)), bias=None):
    """x (n, h, w, c), kernel (kh, kw, c, out): a sum over kernel taps of strided slices."""
    x = np.pad(x, ((0, 0), pad[0], pad[1], (0, 0)))
    kh, kw = kernel.shape[:2]
    oh, ow = (x.shape[1] - kh) // stride + 1, (x.shape[2] - kw) // stride + 1
    out = 0
    for i in range(kh):
        for j in range(kw):
            window = x[:, i:i + stride * oh:stride, j:j + stride * ow:stride]
            # 2-D products go to BLAS (a strided 4-D matmul would not).
            out = out + np.ascontiguousarray(window).reshape(-1, x.shape[3]) @ kernel[i, j]
    out = out.reshape(x.shape[0], oh, ow, kernel.shape[3])
    return out if bias is None else out + bias


def np_depthwise(x, kernel, stride=1, pad=((0, 0), (0, 0))):
    """kernel (kh, kw, c, 1): each channel convolved with its own filter."""
    x = np.pad(x, ((0, 0), pad[0], pad[1], (0, 0)))
    kh, kw = kernel.shape[:2]
    oh, ow = (x.shape[1] - kh) // stride + 1, (x.shape[2] - kw) // stride + 1
    out = 0
    for i in range(kh):
        for j in range(kw):
            window = x[:, i:i + stride * oh:stride, j:j + stride * ow:stride]
            out = out + window * kernel[i, j, :, 0]
    return out


def np_max_pool(x, size, stride):
    oh, ow = (x.shape[1] - size) // stride + 1, (x.shape[2] - size) // stride + 1
    windows = [x[:, i:i + stride * oh:stride, j:j + stride * ow:stride]
               for i in range(size) for j in range(size)]
    return np.max(windows, axis=0)


def np_bn(x, gamma, beta, mean, variance, epsilon):
    return (x - mean) / np.sqrt(variance + epsilon) * gamma + beta


def randomize(model, seed=0):
    """Random weights of a sane scale (He-like kernels, BN statistics away from 0/1)."""
    rng = np.random.default_rng(seed)
    values = []
    for variable in model.weights:
        name, shape = variable.name, variable.shape.as_list()
        if "moving_variance" in name or "gamma" in name:
            values.append(rng.uniform(0.5, 1.5, shape).astype(np.float32))
        elif "kernel" in name:
            fan_in = np.prod(shape[:-1]) if "depthwise" not in name else 9
            values.append(rng.standard_normal(shape, np.float32) * np.float32(np.sqrt(2 / fan_in)))
        else:
            values.append(rng.standard_normal(shape, np.float32) * np.float32(0.1))
    model.set_weights(values)
    return {layer.name: [w.astype(np.float64) for w in layer.get_weights()]
            for layer in model.layers}


def np_resnet50(x, w):
    def bn(x, name):
        return np_bn(x, *w[name], 1.001e-5)

    def conv(h, name, stride=1, pad=((0, 0), (0, 0))):
        kernel, bias = w[name]
        return np_conv(h, kernel, stride, pad, bias)

    x = conv(x, "conv1_conv", stride=2, pad=((3, 3), (3, 3)))
    x = np.maximum(bn(x, "conv1_bn"), 0)
    x = np_max_pool(np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0))), 3, 2)
    for stage, blocks in RESNET50_STAGES:
        for block in range(1, blocks + 1):
            p = f"conv{stage}_block{block}_"
            stride = 2 if block == 1 and stage > 2 else 1
            shortcut = bn(conv(x, p + "0_conv", stride), p + "0_bn") if block == 1 else x
            h = np.maximum(bn(conv(x, p + "1_conv", stride), p + "1_bn"), 0)
            h = np.maximum(bn(conv(h, p + "2_conv", pad=((1, 1), (1, 1))), p + "2_bn"), 0)
            h = bn(conv(h, p + "3_conv"), p + "3_bn")
            x = np.maximum(shortcut + h, 0)
    return x.mean(axis=(1, 2))


def test_resnet50_forward_matches_numpy_with_the_same_weights():
    model = apps.ResNet50(include_top=False, weights=None, input_shape=(32, 32, 3), pooling="avg")
    weights = randomize(model)
    x = np.random.default_rng(1).uniform(-1, 1, (2, 32, 32, 3))
    got = model.predict(x.astype(np.float32))
    expected = np_resnet50(x, weights)
    np.testing.assert_allclose(got, expected, rtol=2e-3, atol=2e-3 * np.abs(expected).max())


def test_mobilenet_forward_with_top_matches_numpy():
    model = apps.MobileNet(alpha=0.25, weights=None, input_shape=(32, 32, 3), classes=7)
    w = randomize(model)
    x = np.random.default_rng(2).uniform(-1, 1, (2, 32, 32, 3))

    def bn_relu6(h, name):
        return np.clip(np_bn(h, *w[name], 1e-3), 0, 6)      # Keras' default epsilon here

    h = bn_relu6(np_conv(x, w["conv1"][0], 2, ((0, 1), (0, 1))), "conv1_bn")
    for block in range(1, 14):
        if f"conv_pad_{block}" in w:
            h = np_depthwise(h, w[f"conv_dw_{block}"][0], 2, ((0, 1), (0, 1)))
        else:
            h = np_depthwise(h, w[f"conv_dw_{block}"][0], 1, ((1, 1), (1, 1)))
        h = bn_relu6(h, f"conv_dw_{block}_bn")
        h = bn_relu6(np_conv(h, w[f"conv_pw_{block}"][0]), f"conv_pw_{block}_bn")
    logits = h.mean(axis=(1, 2)) @ w["conv_preds"][0][0, 0] + w["conv_preds"][1]
    expected = np.exp(logits - logits.max(1, keepdims=True))
    expected /= expected.sum(1, keepdims=True)
    np.testing.assert_allclose(model.predict(x.astype(np.float32)), expected, rtol=1e-3,
                               atol=1e-4)


def test_vgg16_forward_without_top_matches_numpy():
    model = apps.VGG16(include_top=False, weights=None, input_shape=(32, 32, 3))
    w = randomize(model)
    x = np.random.default_rng(3).uniform(-1, 1, (1, 32, 32, 3))
    h = x
    for layer in model.layers[1:]:
        if layer.name.endswith("pool"):
            h = np_max_pool(h, 2, 2)
        else:
            h = np.maximum(np_conv(h, w[layer.name][0], 1, ((1, 1), (1, 1)), w[layer.name][1]), 0)
    got = model.predict(x.astype(np.float32))
    np.testing.assert_allclose(got, h, rtol=2e-3, atol=2e-3 * np.abs(h).max())


@pytest.mark.slow
def test_resnet50_full_size_forward_pass():
    model = apps.ResNet50(weights=None)
    x = apps.resnet50.preprocess_input(
        np.random.default_rng(0).uniform(0, 255, (1, 224, 224, 3)).astype(np.float32))
    probabilities = model.predict(x)
    assert probabilities.shape == (1, 1000)
    assert np.all(np.isfinite(probabilities))
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-4)


# -- input checks -------------------------------------------------------------------------------

CONSTRUCTORS = [apps.ResNet50, apps.VGG16, apps.MobileNet]


@pytest.mark.parametrize("constructor", CONSTRUCTORS)
def test_input_checks_like_keras(constructor):
    with pytest.raises(ValueError, match=r"at least 32x32.*\(31, 64, 3\)"):
        constructor(include_top=False, weights=None, input_shape=(31, 64, 3))
    with pytest.raises(ValueError, match="must have 3 channels"):
        constructor(include_top=False, weights="imagenet", input_shape=(64, 64, 1))
    with pytest.raises(ValueError, match=r"`input_shape` should be \(224, 224, 3\)"):
        constructor(include_top=True, weights="imagenet", input_shape=(64, 64, 3))
    with pytest.raises(ValueError, match="`classes` should be 1000"):
        constructor(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="weights.*no_such_file.h5"):
        constructor(weights="no_such_file.h5")
    with pytest.raises(ValueError, match="pooling"):
        constructor(include_top=False, weights=None, pooling="mean")
    with pytest.raises(ValueError, match="static `input_shape`"):
        constructor(include_top=True, weights=None, input_shape=(None, None, 3))
    with pytest.raises(ValueError, match="three integers"):
        constructor(include_top=False, weights=None, input_shape=(64, 64))
    with pytest.raises(ValueError, match="classifier_activation='relu'"):
        constructor(weights="imagenet", classifier_activation="relu")
    with pytest.warns(UserWarning, match="1 or 3 input channels"):
        constructor(include_top=False, weights=None, input_shape=(32, 32, 4))


def test_mobilenet_imagenet_checks():
    with pytest.raises(ValueError, match="alpha can be one of"):
        apps.MobileNet(alpha=0.3)
    with pytest.raises(ValueError, match="depth multiplier must be 1"):
        apps.MobileNet(depth_multiplier=2)


def test_input_tensor_is_used_and_its_sources_become_the_inputs():
    image = keras.Input(shape=(64, 64, 3))
    scaled = keras.layers.Activation("linear", name="scale")(image)
    model = apps.ResNet50(include_top=False, weights=None, input_tensor=scaled, pooling="avg")
    assert model.inputs[0] is image
    assert layer_names(model)[0] == "scale"
    keras.backend.clear_session()
    placeholder = tf.placeholder(tf.float32, (None, 32, 32, 3))
    model = apps.MobileNet(alpha=0.25, include_top=False, weights=None, input_tensor=placeholder)
    assert model.input is placeholder
    assert model.output_shape == (None, 1, 1, 256)


# -- weight files -------------------------------------------------------------------------------

@pytest.fixture
def home(tmp_path, monkeypatch):
    """A temporary $HOME (so an empty cache) and a network that refuses every download."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(pretrained, "_VERIFIED", set())
    urls = []

    def no_network(url, timeout=None):
        urls.append(url)
        raise urllib.error.URLError("no network in tests")
    monkeypatch.setattr(pretrained, "_urlopen", no_network)
    return types.SimpleNamespace(path=tmp_path, urls=urls)


def cache(home):
    return home.path / ".cache" / "tenseur" / "models"


@pytest.mark.parametrize("constructor, kwargs, file_name, folder", [
    (apps.ResNet50, {}, "resnet50_weights_tf_dim_ordering_tf_kernels.h5", "resnet/"),
    (apps.ResNet50, {"include_top": False}, "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
     "resnet/"),
    (apps.VGG16, {}, "vgg16_weights_tf_dim_ordering_tf_kernels.h5", "vgg16/"),
    (apps.VGG16, {"include_top": False}, "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
     "vgg16/"),
    (apps.MobileNet, {}, "mobilenet_1_0_224_tf.h5", "mobilenet/"),
    (apps.MobileNet, {"include_top": False, "input_shape": (160, 160, 3), "alpha": 0.5},
     "mobilenet_5_0_160_tf_no_top.h5", "mobilenet/"),
])
def test_missing_imagenet_file_says_which_file_to_put_where(home, constructor, kwargs,
                                                            file_name, folder):
    with pytest.raises(PretrainedFileNotFoundError) as info:
        constructor(weights="imagenet", **kwargs)
    message = str(info.value)
    assert str(cache(home) / file_name) in message
    assert KERAS_URL + folder + file_name in message
    assert "no network in tests" in message
    assert home.urls == [KERAS_URL + folder + file_name]
    assert os.listdir(cache(home)) == []            # no partial download left behind


class FakeResponse(io.BytesIO):
    def __init__(self, data):
        super().__init__(data)
        self.headers = {"Content-Length": str(len(data))}


def test_imagenet_weights_are_downloaded_into_the_cache_then_reused(home, monkeypatch, capsys):
    source = apps.ResNet50(include_top=False, weights=None, input_shape=(32, 32, 3))
    x = np.random.default_rng(4).uniform(-1, 1, (2, 32, 32, 3)).astype(np.float32)
    expected = source.predict(x)
    legacy = home.path / "published.h5"
    source.save_weights(str(legacy))            # Keras 2 layout, as Keras' published files
    data = legacy.read_bytes()
    monkeypatch.setitem(resnet.WEIGHTS_HASHES, "resnet50",
                        ("unused", hashlib.md5(data).hexdigest()))
    served = []

    def serve(url, timeout=None):
        served.append(url)
        return FakeResponse(data)
    monkeypatch.setattr(pretrained, "_urlopen", serve)

    model = apps.ResNet50(include_top=False, weights="imagenet", input_shape=(32, 32, 3))
    file_name = "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"
    assert served == [KERAS_URL + "resnet/" + file_name]
    assert os.listdir(cache(home)) == [file_name]
    assert "Downloading " + file_name in capsys.readouterr().err
    np.testing.assert_array_equal(model.predict(x), expected)

    monkeypatch.setattr(pretrained, "_urlopen", None)      # the cached file is used
    model = apps.ResNet50(include_top=False, weights="imagenet", input_shape=(32, 32, 3))
    np.testing.assert_array_equal(model.predict(x), expected)


def test_a_download_with_the_wrong_checksum_is_discarded(home, monkeypatch):
    monkeypatch.setattr(pretrained, "_urlopen", lambda url, timeout=None: FakeResponse(b"junk"))
    with pytest.raises(PretrainedFileError, match="md5"):
        pretrained.get_pretrained_file("x.h5", "https://example.invalid/x.h5", md5="0" * 32)
    assert os.listdir(cache(home)) == []


def test_a_cached_file_with_the_wrong_checksum_is_refused(home):
    cache(home).mkdir(parents=True)
    (cache(home) / "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5").write_bytes(b"old")
    with pytest.raises(PretrainedFileError, match=r"md5 .*expected 6d6bbae143d8320062949451"):
        apps.VGG16(include_top=False, weights="imagenet")


def test_weights_path_in_keras3_format_loads(tmp_path):
    source = apps.MobileNet(alpha=0.25, weights=None, input_shape=(32, 32, 3), classes=10)
    randomize(source, seed=5)
    x = np.random.default_rng(6).uniform(-1, 1, (2, 32, 32, 3)).astype(np.float32)
    path = tmp_path / "mobilenet.weights.h5"
    source.save_weights(str(path))
    model = apps.MobileNet(alpha=0.25, weights=str(path), input_shape=(32, 32, 3), classes=10)
    np.testing.assert_array_equal(model.predict(x), source.predict(x))
    notop = tmp_path / "notop.weights.h5"          # a file without the classifier
    keras.Model(source.input, source.get_layer("conv_pw_13_relu").output).save_weights(str(notop))
    with pytest.raises(PretrainedFileError, match=r"no weights for 1 .*conv_preds"):
        apps.MobileNet(alpha=0.25, weights=str(notop), input_shape=(32, 32, 3), classes=10)


KERAS2_WEIGHT_NAMES = {"Conv2D": ["kernel", "bias"], "DepthwiseConv2D": ["depthwise_kernel"],
                       "BatchNormalization": ["gamma", "beta", "moving_mean", "moving_variance"],
                       "Dense": ["kernel", "bias"]}


def write_keras2_weights(path, layers):
    """A Keras 2 `save_weights` file written with h5py: [(name, class name, [arrays])]."""
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([name.encode() for name, _, _ in layers])
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.2.4"
        for name, class_name, arrays in layers:
            group = f.create_group(name)
            short = KERAS2_WEIGHT_NAMES.get(class_name, [])[:len(arrays)]
            weight_names = [f"{name}/{w}:0".encode() for w in short]
            # Keras writes an empty float64 array for a layer without weights.
            group.attrs["weight_names"] = np.array(weight_names, dtype="S" if short else None)
            for weight_name, array in zip(weight_names, arrays):
                group.create_dataset(weight_name.decode(), data=array)


def test_hand_written_keras2_hdf5_loads_by_layer_name(tmp_path):
    model = apps.MobileNet(alpha=0.25, include_top=False, weights=None, input_shape=(32, 32, 3))
    rng = np.random.default_rng(7)
    layers = [("input_1", "InputLayer", [])]
    expected = {}
    for layer in model.layers[1:]:
        arrays = [rng.normal(size=w.shape.as_list()).astype(np.float32) for w in layer.weights]
        expected[layer.name] = arrays
        layers.append((layer.name, type(layer).__name__, arrays))
    # Keras' files list layers in Keras' order, not ours: loading goes by name.
    layers = layers[:1] + layers[1:][::-1]
    path = tmp_path / "mobilenet_2_5_224_tf_no_top.h5"
    write_keras2_weights(path, layers)
    keras.backend.clear_session()
    model = apps.MobileNet(alpha=0.25, include_top=False, weights=str(path),
                           input_shape=(32, 32, 3))
    for layer in model.layers[1:]:
        for got, want in zip(layer.get_weights(), expected[layer.name]):
            np.testing.assert_array_equal(got, want)


def test_keras_2_3_resnet50_file_is_recognised(tmp_path):
    rng = np.random.default_rng(8)
    path = tmp_path / "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"
    write_keras2_weights(path, [
        ("input_1", "InputLayer", []),
        ("conv1", "Conv2D", [rng.normal(size=(7, 7, 3, 64)), rng.normal(size=64)]),
        ("bn_conv1", "BatchNormalization", [np.ones(64)] * 4),
        ("res2a_branch2a", "Conv2D", [rng.normal(size=(1, 1, 64, 64)), rng.normal(size=64)])])
    with pytest.raises(PretrainedFileError, match=r"Keras <= 2\.3.*conv1_conv"):
        apps.ResNet50(include_top=False, weights=str(path), input_shape=(32, 32, 3))


# -- preprocess_input, decode_predictions ---------------------------------------------------------

def test_preprocess_caffe_flips_to_bgr_and_subtracts_the_mean_pixel():
    rgb = np.array([[[[10.0, 20.0, 30.0]]]], np.float32)
    expected = [30 - 103.939, 20 - 116.779, 10 - 123.68]
    for preprocess in (apps.resnet50.preprocess_input, apps.vgg16.preprocess_input):
        np.testing.assert_allclose(preprocess(rgb.copy())[0, 0, 0], expected, rtol=1e-6)
    first = np.array([[[[10.0]], [[20.0]], [[30.0]]]])                 # (1, 3, 1, 1)
    np.testing.assert_allclose(
        apps.imagenet_utils.preprocess_input(first.copy(), "channels_first")[0, :, 0, 0], expected)
    np.testing.assert_allclose(
        apps.imagenet_utils.preprocess_input(first[0].copy(), "channels_first")[:, 0, 0], expected)


def test_preprocess_tf_and_torch_modes():
    pixels = np.array([[[0, 127.5, 255]]], np.float32)
    np.testing.assert_allclose(apps.mobilenet.preprocess_input(pixels.copy()), [[[-1, 0, 1]]])
    torch = imagenet_utils.preprocess_input(np.full((1, 1, 3), 255.0), mode="torch")
    np.testing.assert_allclose(torch[0, 0], (1 - np.array([0.485, 0.456, 0.406]))
                               / np.array([0.229, 0.224, 0.225]))


def test_preprocess_integer_images_become_float32_without_touching_the_input():
    images = np.full((2, 4, 4, 3), 255, np.uint8)
    out = apps.resnet50.preprocess_input(images)
    assert out.dtype == np.float32 and images.max() == 255
    np.testing.assert_allclose(out[0, 0, 0], 255 - np.array([103.939, 116.779, 123.68]),
                               rtol=1e-6)


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
def test_preprocess_tensor_matches_numpy(mode):
    images = np.random.default_rng(9).uniform(0, 255, (2, 3, 3, 3)).astype(np.float32)
    tensor = imagenet_utils.preprocess_input(tf.constant(images), mode=mode)
    with tf.Session() as session:
        got = session.run(tensor)
    np.testing.assert_allclose(got, imagenet_utils.preprocess_input(images.copy(), mode=mode),
                               rtol=1e-6, atol=1e-4)


def test_preprocess_rejects_unknown_mode_and_format():
    with pytest.raises(ValueError, match="mode='bgr'"):
        imagenet_utils.preprocess_input(np.zeros((1, 2, 2, 3)), mode="bgr")
    with pytest.raises(ValueError, match="data_format='nhwc'"):
        imagenet_utils.preprocess_input(np.zeros((1, 2, 2, 3)), data_format="nhwc")


@pytest.fixture
def class_index(home, monkeypatch):
    """A fake imagenet_class_index.json (class i is ("n{i:08d}", "class_{i}")) in the cache."""
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    data = json.dumps(index).encode()
    cache(home).mkdir(parents=True)
    (cache(home) / "imagenet_class_index.json").write_bytes(data)
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_MD5", hashlib.md5(data).hexdigest())
    monkeypatch.setattr(imagenet_utils, "_CLASS_INDEX", None)
    return index


def test_decode_predictions_returns_the_top_classes_best_first(class_index):
    preds = np.zeros((2, 1000), np.float32)
    preds[0, [3, 7, 999]] = [0.2, 0.5, 0.3]
    preds[1, 42] = 1.0
    decoded = apps.resnet50.decode_predictions(preds, top=3)
    assert [entry[:2] for entry in decoded[0]] == [("n00000007", "class_7"),
                                                   ("n00000999", "class_999"),
                                                   ("n00000003", "class_3")]
    assert [float(entry[2]) for entry in decoded[0]] == pytest.approx([0.5, 0.3, 0.2])
    assert decoded[1][0] == ("n00000042", "class_42", pytest.approx(1.0))
    assert len(apps.mobilenet.decode_predictions(preds)[1]) == 5
    with pytest.raises(ValueError, match=r"\(samples, 1000\).*\(2, 10\)"):
        apps.vgg16.decode_predictions(np.zeros((2, 10)))


def test_decode_predictions_without_the_class_index_says_where_to_put_it(home, monkeypatch):
    monkeypatch.setattr(imagenet_utils, "_CLASS_INDEX", None)
    with pytest.raises(PretrainedFileNotFoundError) as info:
        imagenet_utils.decode_predictions(np.zeros((1, 1000)))
    assert str(cache(home) / "imagenet_class_index.json") in str(info.value)
    assert home.urls == [imagenet_utils.CLASS_INDEX_URL]
