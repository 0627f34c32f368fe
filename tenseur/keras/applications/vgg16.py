"""VGG16 (Simonyan & Zisserman, "Very Deep Convolutional Networks for Large-Scale Image
Recognition", ICLR 2015), layer for layer as `keras.applications.VGG16`.

Five blocks of 3×3 "same" convolutions with relu (`block{b}_conv{n}`), each closed by a 2×2
max-pooling (`block{b}_pool`); on top `flatten`, `fc1`, `fc2` (4096 relu) and `predictions`.

Example:
    >>> model = keras.applications.VGG16(include_top=False, weights=None, input_shape=(64, 64, 3))
    >>> model.output_shape
    (None, 2, 2, 512)
"""
from __future__ import annotations

from .. import backend, layers
from ..engine.functional import Model
from . import imagenet_utils
from .pretrained import KERAS_APPLICATIONS_URL, check_model_arguments, load_weights_argument

WEIGHTS_FILE = "vgg16_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_FILE_NO_TOP = "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"
WEIGHTS_HASHES = ("64373286793e3c8b2b4e3219cbf3544b", "6d6bbae143d832006294945121d1f1fc")
_BLOCKS = ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))   # (filters, convolutions)


def VGG16(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling=None, classes=1000, classifier_activation="softmax", name="vgg16"):
    """Instantiates the VGG16 model (138,357,544 parameters; 14,714,688 without the top).

    Args:
        include_top: whether to end with the 3 fully-connected layers (`fc1`, `fc2`,
            `predictions`).
        weights: None (random), "imagenet" (Keras' file, from `~/.cache/tenseur/models` or
            downloaded), or the path of a weights file.
        input_tensor: optional Keras tensor to use as image input.
        input_shape: (rows, cols, 3) with rows, cols >= 32, only without the top (with it:
            (224, 224, 3)).
        pooling: without the top, None, "avg" or "max".
        classes: number of classes with the top (1000 with ImageNet weights).
        classifier_activation: activation of `predictions` (softmax or None with pretrained
            weights).
        name: the model's name.

    Returns:
        A functional `Model`.
    Raises:
        ValueError: an invalid argument. PretrainedFileNotFoundError: no ImageNet file.
    """
    check_model_arguments("VGG16", weights, include_top, classes)
    imagenet_utils.validate_pooling(pooling, "VGG16")
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=224, min_size=32, data_format=backend.image_data_format(),
        require_flatten=include_top, weights=weights, model_name="VGG16")
    img_input = imagenet_utils.image_input(input_tensor, input_shape)

    x = img_input
    for block, (filters, convolutions) in enumerate(_BLOCKS, start=1):
        for conv in range(1, convolutions + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same",
                              name=f"block{block}_conv{conv}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)

    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)

    inputs = (imagenet_utils.source_inputs(input_tensor) if input_tensor is not None
              else img_input)
    model = Model(inputs, x, name=name)
    file_name = WEIGHTS_FILE if include_top else WEIGHTS_FILE_NO_TOP
    load_weights_argument(model, weights, file_name, KERAS_APPLICATIONS_URL + "vgg16/" + file_name,
                          WEIGHTS_HASHES[0 if include_top else 1],
                          what="the ImageNet weights of VGG16"
                               + ("" if include_top else " without its top"))
    return model


def preprocess_input(x, data_format=None):
    """Keras' "caffe" preprocessing: RGB → BGR, minus the ImageNet mean pixel, no scaling."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top=5):
    """The `top` (wordnet id, class name, score) of each prediction (see imagenet_utils)."""
    return imagenet_utils.decode_predictions(preds, top=top)
