"""What the ImageNet applications share: `preprocess_input`, `decode_predictions`, and Keras'
rules for input shapes, classifier activations and input tensors.

Example:
    >>> from tenseur.keras.applications import imagenet_utils
    >>> x = imagenet_utils.preprocess_input(images.astype("float32"), mode="caffe")
    >>> imagenet_utils.decode_predictions(model.predict(x), top=3)[0]
    [('n02504458', 'African_elephant', 0.8215), ...]
"""
from __future__ import annotations

import json
import warnings

import numpy as np

import tenseur as tf

from .. import activations, backend
from ..engine.input_layer import Input
from .pretrained import get_pretrained_file

CLASS_INDEX_FILE = "imagenet_class_index.json"
CLASS_INDEX_URL = ("https://storage.googleapis.com/download.tensorflow.org/data/"
                   "imagenet_class_index.json")
CLASS_INDEX_MD5 = "c2c37ea517e94d9795004a39431a14cb"
_CLASS_INDEX = None     # {"0": ["n01440764", "tench"], ...} once read

# Mean pixel of the ImageNet training set, in BGR order ("caffe") / mean and std in RGB ("torch").
_CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
_TORCH_MEAN = (0.485, 0.456, 0.406)
_TORCH_STD = (0.229, 0.224, 0.225)


def preprocess_input(x, data_format=None, mode="caffe"):
    """Preprocesses a batch of RGB images with values in [0, 255] for an ImageNet model.

    Args:
        x: a float or integer NumPy array, or a tenseur tensor, 3-D (one image) or 4-D, with 3
            colour channels. A float NumPy array is overwritten, as in Keras (pass
            `np.copy(x)` to keep it); integer arrays are converted to float32 first.
        data_format: "channels_last" or "channels_first" (default: the Keras setting).
        mode: "caffe" (RGB → BGR, then minus the ImageNet mean pixel, no scaling: ResNet50,
            VGG16), "tf" (scaled to [-1, 1]: MobileNet) or "torch" (scaled to [0, 1], then
            each channel normalised by the ImageNet mean and standard deviation).

    Returns:
        The preprocessed array (float) or tensor.
    Raises:
        ValueError: an unknown `mode` or `data_format`.
    """
    if mode not in ("caffe", "tf", "torch"):
        raise ValueError(f"Expected mode to be one of `caffe`, `tf` or `torch`. Received: "
                         f"mode={mode!r}")
    if data_format is None:
        data_format = backend.image_data_format()
    elif data_format not in ("channels_first", "channels_last"):
        raise ValueError(f"Expected data_format to be one of `channels_first` or "
                         f"`channels_last`. Received: data_format={data_format!r}")
    if isinstance(x, tf.Tensor):
        return _preprocess_tensor(x, data_format, mode)
    return _preprocess_numpy(np.asarray(x), data_format, mode)


def _channel_axis(ndim: int, data_format: str) -> int:
    if data_format == "channels_last":
        return ndim - 1
    return 0 if ndim == 3 else 1


def _preprocess_numpy(x, data_format, mode):
    if not issubclass(x.dtype.type, np.floating):
        x = x.astype(backend.floatx())
    elif not x.flags.writeable:     # e.g. read-only cached datasets: cannot work in place
        x = x.copy()
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    axis = _channel_axis(x.ndim, data_format)
    shape = [1] * x.ndim
    shape[axis] = 3
    if mode == "torch":
        x /= 255.0
        x -= np.reshape(_TORCH_MEAN, shape).astype(x.dtype)
        x /= np.reshape(_TORCH_STD, shape).astype(x.dtype)
        return x
    x = np.flip(x, axis=axis)       # 'RGB' -> 'BGR' (a view, as in Keras)
    x -= np.reshape(_CAFFE_MEAN_BGR, shape).astype(x.dtype)
    return x


def _preprocess_tensor(x, data_format, mode):
    if mode == "tf":
        return x / 127.5 - 1.0
    ndim = x.shape.ndims
    axis = _channel_axis(ndim, data_format)
    shape = [1] * ndim
    shape[axis] = 3
    dtype = x.dtype.as_numpy_dtype
    if mode == "torch":
        x = x / 255.0
        mean = np.reshape(_TORCH_MEAN, shape).astype(dtype)
        return (x - mean) / np.reshape(_TORCH_STD, shape).astype(dtype)
    x = tf.reverse(x, axis=[axis])
    return x - np.reshape(_CAFFE_MEAN_BGR, shape).astype(dtype)


def decode_predictions(preds, top=5):
    """The `top` classes of each prediction, as `(wordnet id, class name, score)` tuples.

    Reads Keras' `imagenet_class_index.json` from `~/.cache/tenseur/models` (downloading it
    there when it is missing).

    Args:
        preds: NumPy array of shape (samples, 1000) (a model's softmax output).
        top: how many classes per sample.

    Returns:
        One list of `top` tuples per sample, best first.
    Raises:
        ValueError: `preds` is not (samples, 1000).
        PretrainedFileNotFoundError: the class index is neither cached nor downloadable.
    Example:
        >>> decode_predictions(model.predict(x), top=3)[0]
        [('n02504458', 'African_elephant', 0.82), ('n01871265', 'tusker', 0.11), ...]
    """
    global _CLASS_INDEX
    preds = np.asarray(preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError("`decode_predictions` expects a batch of predictions (i.e. a 2D array "
                         f"of shape (samples, 1000)). Received array with shape: {preds.shape}")
    if _CLASS_INDEX is None:
        path = get_pretrained_file(CLASS_INDEX_FILE, CLASS_INDEX_URL, CLASS_INDEX_MD5,
                                   what="the ImageNet class index")
        with open(path, encoding="utf8") as f:
            _CLASS_INDEX = json.load(f)
    results = []
    for pred in preds:
        top_indices = pred.argsort()[-top:][::-1]
        result = [tuple(_CLASS_INDEX[str(i)]) + (pred[i],) for i in top_indices]
        result.sort(key=lambda item: item[2], reverse=True)
        results.append(result)
    return results


# -- shared by the model builders ---------------------------------------------------------------

def obtain_input_shape(input_shape, default_size, min_size, data_format, require_flatten,
                       weights=None, model_name="model"):
    """Keras' input shape rule: the default (size, size, 3) when none is given; a given shape
    must be 3 ints, at least `min_size` on each side, with 3 channels for ImageNet weights; a
    model with its top (`require_flatten`) needs a static shape, the default one with ImageNet
    weights.

    Returns:
        The input shape without the batch dimension (may contain None without the top).
    Raises:
        ValueError: the shape does not fit the rules above.
    """
    if input_shape is not None:
        input_shape = tuple(input_shape)
    channels_first = data_format == "channels_first"
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        channels = input_shape[0] if channels_first else input_shape[-1]
        if channels not in (1, 3):
            warnings.warn(f"{model_name}: this model usually expects 1 or 3 input channels. "
                          f"However, it was passed an input_shape with {channels} input "
                          f"channels.", stacklevel=3)
        default_shape = ((channels, default_size, default_size) if channels_first
                         else (default_size, default_size, channels))
    else:
        default_shape = (3, default_size, default_size) if channels_first \
            else (default_size, default_size, 3)
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and input_shape != default_shape:
            raise ValueError(f"{model_name}: when setting `include_top=True` and loading "
                             f"`imagenet` weights, `input_shape` should be {default_shape}. "
                             f"Received: input_shape={input_shape}")
        return default_shape
    if input_shape:
        if len(input_shape) != 3:
            raise ValueError(f"{model_name}: `input_shape` must be a tuple of three integers "
                             f"(rows, cols, channels). Received: input_shape={input_shape}")
        channels = input_shape[0] if channels_first else input_shape[-1]
        rows, cols = input_shape[1:] if channels_first else input_shape[:2]
        if channels != 3 and weights == "imagenet":
            raise ValueError(f"{model_name}: the input must have 3 channels for the ImageNet "
                             f"weights; Received `input_shape={input_shape}`")
        if (rows is not None and rows < min_size) or (cols is not None and cols < min_size):
            raise ValueError(f"{model_name}: input size must be at least {min_size}x{min_size}; "
                             f"Received: input_shape={input_shape}")
    elif require_flatten:
        input_shape = default_shape
    else:
        input_shape = (3, None, None) if channels_first else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError(f"{model_name}: if `include_top` is True, you should specify a static "
                         f"`input_shape`. Received: input_shape={input_shape}")
    return input_shape


def validate_activation(classifier_activation, weights) -> None:
    """With pretrained weights the classifier's activation may only be softmax or None."""
    if weights is None:
        return
    if activations.get(classifier_activation) not in (activations.get("softmax"),
                                                      activations.get(None)):
        raise ValueError("Only `None` and `softmax` activations are allowed for the "
                         "`classifier_activation` argument when using pretrained weights, with "
                         "`include_top=True`; Received: "
                         f"classifier_activation={classifier_activation!r}")


def validate_pooling(pooling, model_name="model") -> None:
    if pooling not in (None, "avg", "max"):
        raise ValueError(f"{model_name}: `pooling` must be None, 'avg' or 'max'. Received: "
                         f"pooling={pooling!r}")


def image_input(input_tensor, input_shape):
    """The model's image input: a new `Input`, or `input_tensor` (wrapped in an `Input` when it
    is a plain tensor rather than a Keras tensor)."""
    if input_tensor is None:
        return Input(shape=input_shape)
    if not backend.is_keras_tensor(input_tensor):
        return Input(tensor=input_tensor, shape=input_shape)
    return input_tensor


def source_inputs(tensor) -> list:
    """The `Input` tensors that `tensor` was computed from (walking its Keras history)."""
    layer, node_index, _ = tensor._keras_history
    node = layer._inbound_nodes[node_index]
    if not node.input_tensors:
        return [tensor]
    sources = []
    for parent in node.input_tensors:
        for source in source_inputs(parent):
            if not any(source is s for s in sources):
                sources.append(source)
    return sources
