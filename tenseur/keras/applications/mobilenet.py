"""MobileNet (Howard et al., "MobileNets: Efficient Convolutional Neural Networks for Mobile
Vision Applications", 2017), layer for layer as `keras.applications.MobileNet`.

A 3×3 convolution (`conv1`, `conv1_bn`, `conv1_relu`), then 13 depthwise-separable blocks
(`conv_dw_{i}`, `conv_dw_{i}_bn`, `conv_dw_{i}_relu`, `conv_pw_{i}`, `conv_pw_{i}_bn`,
`conv_pw_{i}_relu`, with `conv_pad_{i}` before a strided block), all relu6 and without biases;
on top a global average pooling kept 4-D, `dropout`, a 1×1 convolution `conv_preds`,
`reshape_2` and the `predictions` activation.

Example:
    >>> model = keras.applications.MobileNet(alpha=0.25, weights=None, include_top=False,
    ...                                      input_shape=(32, 32, 3), pooling="avg")
    >>> model.output_shape
    (None, 256)
"""
from __future__ import annotations

import warnings

from .. import backend, layers
from ..engine.functional import Model
from . import imagenet_utils
from .pretrained import KERAS_APPLICATIONS_URL, check_model_arguments, load_weights_argument

BASE_WEIGHTS_URL = KERAS_APPLICATIONS_URL + "mobilenet/"
_ALPHA_TEXT = {1.0: "1_0", 0.75: "7_5", 0.50: "5_0", 0.25: "2_5"}
_IMAGENET_SIZES = (128, 160, 192, 224)
# (pointwise filters, stride) of the 13 depthwise-separable blocks.
_BLOCKS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1),
           (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1))


def MobileNet(input_shape=None, alpha=1.0, depth_multiplier=1, dropout=1e-3, include_top=True,
              weights="imagenet", input_tensor=None, pooling=None, classes=1000,
              classifier_activation="softmax", name=None):
    """Instantiates the MobileNet architecture (alpha 1.0: 4,253,864 parameters; 3,228,864
    without the top).

    Args:
        input_shape: (rows, cols, 3), rows and cols at least 32 (only without the top, or one
            of the ImageNet sizes (128, 160, 192, 224) squared).
        alpha: width multiplier (0.25, 0.5, 0.75 or 1.0 with ImageNet weights).
        depth_multiplier: depth multiplier of the depthwise convolutions (1 with ImageNet).
        dropout: dropout rate before the classifier.
        include_top: whether to end with the classifier.
        weights: None (random), "imagenet" (Keras' file, from `~/.cache/tenseur/models` or
            downloaded), or the path of a weights file.
        input_tensor: optional Keras tensor to use as image input.
        pooling: without the top, None, "avg" or "max".
        classes: number of classes with the top (1000 with ImageNet weights).
        classifier_activation: activation of `predictions` (softmax or None with pretrained
            weights).
        name: the model's name (default "mobilenet_{alpha:.2f}_{rows}").

    Returns:
        A functional `Model`.
    Raises:
        ValueError: an invalid argument. PretrainedFileNotFoundError: no ImageNet file.
    """
    check_model_arguments("MobileNet", weights, include_top, classes)
    imagenet_utils.validate_pooling(pooling, "MobileNet")
    channels_first = backend.image_data_format() == "channels_first"
    default_size = 224
    if input_shape is not None:
        rows, cols = input_shape[1:3] if channels_first else input_shape[0:2]
        if rows == cols and rows in _IMAGENET_SIZES:
            default_size = rows
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32,
        data_format=backend.image_data_format(), require_flatten=include_top, weights=weights,
        model_name="MobileNet")
    rows, cols = input_shape[1:3] if channels_first else input_shape[0:2]

    if weights == "imagenet":
        if depth_multiplier != 1:
            raise ValueError(f"MobileNet: if imagenet weights are being loaded, depth multiplier "
                             f"must be 1. Received depth_multiplier={depth_multiplier}")
        if alpha not in _ALPHA_TEXT:
            raise ValueError(f"MobileNet: if imagenet weights are being loaded, alpha can be one "
                             f"of `0.25`, `0.50`, `0.75` or `1.0` only. Received alpha={alpha}")
        if rows != cols or rows not in _IMAGENET_SIZES:
            rows = 224
            warnings.warn("`input_shape` is undefined or non-square, or `rows` is not in "
                          "[128, 160, 192, 224]. Weights for input shape (224, 224) will be "
                          "loaded as the default.", stacklevel=2)

    img_input = imagenet_utils.image_input(input_tensor, input_shape)
    channel_axis = 1 if channels_first else -1
    x = layers.Conv2D(int(32 * alpha), (3, 3), padding="same", use_bias=False, strides=(2, 2),
                      name="conv1")(img_input)
    x = layers.BatchNormalization(axis=channel_axis, name="conv1_bn")(x)
    x = layers.ReLU(6.0, name="conv1_relu")(x)
    for block_id, (filters, stride) in enumerate(_BLOCKS, start=1):
        x = _depthwise_conv_block(x, int(filters * alpha), depth_multiplier, stride, block_id,
                                  channel_axis)

    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)

    inputs = (imagenet_utils.source_inputs(input_tensor) if input_tensor is not None
              else img_input)
    model = Model(inputs, x, name=name if name is not None else f"mobilenet_{alpha:0.2f}_{rows}")
    file_name = None
    if weights == "imagenet":
        file_name = (f"mobilenet_{_ALPHA_TEXT[alpha]}_{rows}_tf"
                     f"{'' if include_top else '_no_top'}.h5")
    # Keras publishes no checksum of the MobileNet files.
    load_weights_argument(model, weights, file_name,
                          BASE_WEIGHTS_URL + file_name if file_name else None, None,
                          what=f"the ImageNet weights of MobileNet (alpha={alpha}, {rows}x{rows}"
                               f"{'' if include_top else ', without its top'})")
    return model


def _depthwise_conv_block(inputs, filters, depth_multiplier, stride, block_id, channel_axis):
    """Depthwise 3×3 (stride) → BN → relu6 → pointwise 1×1 → BN → relu6; a strided block pads
    its input by one row and column at the bottom/right, as TF's "same" would."""
    x = inputs
    if stride != 1:
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
    x = layers.DepthwiseConv2D((3, 3), padding="same" if stride == 1 else "valid",
                               depth_multiplier=depth_multiplier, strides=(stride, stride),
                               use_bias=False, name=f"conv_dw_{block_id}")(x)
    x = layers.BatchNormalization(axis=channel_axis, name=f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(filters, (1, 1), padding="same", use_bias=False, strides=(1, 1),
                      name=f"conv_pw_{block_id}")(x)
    x = layers.BatchNormalization(axis=channel_axis, name=f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)


def preprocess_input(x, data_format=None):
    """Keras' "tf" preprocessing: pixels in [0, 255] scaled to [-1, 1]."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """The `top` (wordnet id, class name, score) of each prediction (see imagenet_utils)."""
    return imagenet_utils.decode_predictions(preds, top=top)
