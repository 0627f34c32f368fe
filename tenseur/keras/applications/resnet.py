"""ResNet50, ResNet101 and ResNet152 (He et al., "Deep Residual Learning for Image Recognition",
CVPR 2016), layer for layer as `keras.applications`, so that Keras' ImageNet weight files load
by layer name.

Layer names follow Keras' scheme (`conv1_pad`, `conv1_conv`, `conv1_bn`, `conv1_relu`,
`pool1_pad`, `pool1_pool`, then `conv{stage}_block{n}_{0,1,2,3}_{conv,bn}`, `..._{1,2}_relu`,
`..._add`, `..._out`, and `avg_pool`, `predictions` on top). As in Keras' "v1" ResNets, the
stride of a stage sits on its first 1×1 convolution, every convolution has a bias, and batch
normalization uses epsilon 1.001e-5.

Example:
    >>> from tenseur import keras
    >>> model = keras.applications.ResNet50(weights="imagenet")
    >>> x = keras.applications.resnet50.preprocess_input(images.astype("float32"))
    >>> keras.applications.resnet50.decode_predictions(model.predict(x), top=3)
"""
from __future__ import annotations

from .. import backend, layers
from ..engine.functional import Model
from . import imagenet_utils
from .pretrained import KERAS_APPLICATIONS_URL, check_model_arguments, load_weights_argument

BASE_WEIGHTS_URL = KERAS_APPLICATIONS_URL + "resnet/"
# md5 of Keras' files: (with the top, without).
WEIGHTS_HASHES = {
    "resnet50": ("2cb95161c43110f7111970584f804107", "4d473c1dd8becc155b73f8504c6f6626"),
    "resnet101": ("f1aeb4b969a6efcfb50fad2f0c20cfc5", "88cf7a10940856eca736dc7b7e228a21"),
    "resnet152": ("100835be76be38e30d865e96f2aaae62", "ee4c566cf9a93f14d82f913c2dc6dd0c"),
}
_BN_EPSILON = 1.001e-5


def ResNet(stack_fn, model_name="resnet", include_top=True, weights="imagenet",
           input_tensor=None, input_shape=None, pooling=None, classes=1000,
           classifier_activation="softmax", display_name="ResNet"):
    """Builds a ResNet "v1" whose residual stages are made by `stack_fn(x)` (see `ResNet50`)."""
    check_model_arguments(display_name, weights, include_top, classes)
    imagenet_utils.validate_pooling(pooling, display_name)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=224, min_size=32, data_format=backend.image_data_format(),
        require_flatten=include_top, weights=weights, model_name=display_name)
    img_input = imagenet_utils.image_input(input_tensor, input_shape)
    bn_axis = 3 if backend.image_data_format() == "channels_last" else 1

    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=True, name="conv1_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, epsilon=_BN_EPSILON, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    x = stack_fn(x)

    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)

    inputs = (imagenet_utils.source_inputs(input_tensor) if input_tensor is not None
              else img_input)
    model = Model(inputs, x, name=model_name)
    suffix = "" if include_top else "_notop"
    file_name = f"{model_name}_weights_tf_dim_ordering_tf_kernels{suffix}.h5"
    load_weights_argument(model, weights, file_name, BASE_WEIGHTS_URL + file_name,
                          WEIGHTS_HASHES[model_name][0 if include_top else 1],
                          what=f"the ImageNet weights of {display_name}"
                               f"{'' if include_top else ' without its top'}")
    return model


def residual_block_v1(x, filters, kernel_size=3, stride=1, conv_shortcut=True, name=None):
    """A bottleneck block: 1×1 (stride) → 3×3 → 1×1 (4·filters), added to the shortcut (a 1×1
    projection when `conv_shortcut`), then relu."""
    bn_axis = 3 if backend.image_data_format() == "channels_last" else 1
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=name + "_0_conv")(x)
        shortcut = layers.BatchNormalization(axis=bn_axis, epsilon=_BN_EPSILON,
                                             name=name + "_0_bn")(shortcut)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=name + "_1_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, epsilon=_BN_EPSILON, name=name + "_1_bn")(x)
    x = layers.Activation("relu", name=name + "_1_relu")(x)
    x = layers.Conv2D(filters, kernel_size, padding="same", name=name + "_2_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, epsilon=_BN_EPSILON, name=name + "_2_bn")(x)
    x = layers.Activation("relu", name=name + "_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=name + "_3_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, epsilon=_BN_EPSILON, name=name + "_3_bn")(x)
    x = layers.Add(name=name + "_add")([shortcut, x])
    return layers.Activation("relu", name=name + "_out")(x)


def stack_residual_blocks_v1(x, filters, blocks, stride1=2, name=None):
    """A stage: `blocks` bottleneck blocks, the first with a projection and stride `stride1`."""
    x = residual_block_v1(x, filters, stride=stride1, name=name + "_block1")
    for i in range(2, blocks + 1):
        x = residual_block_v1(x, filters, conv_shortcut=False, name=f"{name}_block{i}")
    return x


def _stages(blocks_per_stage):
    """`stack_fn` for stages conv2..conv5 with (64, 128, 256, 512) filters."""
    def stack_fn(x):
        for stage, (filters, blocks) in enumerate(zip((64, 128, 256, 512), blocks_per_stage)):
            x = stack_residual_blocks_v1(x, filters, blocks, stride1=1 if stage == 0 else 2,
                                         name=f"conv{stage + 2}")
        return x
    return stack_fn


def ResNet50(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling=None, classes=1000, classifier_activation="softmax"):
    """Instantiates the ResNet50 architecture (25,636,712 parameters; 23,587,712 without top).

    Args:
        include_top: whether to end with the 1000-way classifier (`avg_pool`, `predictions`).
        weights: None (random initialization), "imagenet" (Keras' file, looked up in
            `~/.cache/tenseur/models`, else downloaded), or the path of a weights file
            (legacy Keras 2 HDF5, loaded by layer name, or Keras 3 `.weights.h5`/`.keras`).
        input_tensor: optional Keras tensor (e.g. from `keras.Input`) to use as image input.
        input_shape: (rows, cols, 3), rows and cols at least 32; only without the top (or
            (224, 224, 3)). Default: (224, 224, 3) with the top, (None, None, 3) without.
        pooling: without the top, None (4-D output of the last block), "avg" or "max" (global
            pooling to a 2-D output).
        classes: number of classes with the top (1000 with ImageNet weights).
        classifier_activation: activation of `predictions` (softmax or None with pretrained
            weights).

    Returns:
        A functional `Model` named "resnet50".
    Raises:
        ValueError: an invalid argument (weights, classes, input_shape, pooling).
        PretrainedFileNotFoundError: weights="imagenet" and the file is neither in the cache
            nor downloadable (the message says where to put it).
    Example:
        >>> base = keras.applications.ResNet50(include_top=False, weights=None,
        ...                                    input_shape=(64, 64, 3), pooling="avg")
        >>> base.output_shape
        (None, 2048)
    """
    return ResNet(_stages((3, 4, 6, 3)), "resnet50", include_top, weights, input_tensor,
                  input_shape, pooling, classes, classifier_activation, "ResNet50")


def ResNet101(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling=None, classes=1000, classifier_activation="softmax"):
    """Instantiates the ResNet101 architecture (stages of 3, 4, 23, 3 blocks); see `ResNet50`."""
    return ResNet(_stages((3, 4, 23, 3)), "resnet101", include_top, weights, input_tensor,
                  input_shape, pooling, classes, classifier_activation, "ResNet101")


def ResNet152(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling=None, classes=1000, classifier_activation="softmax"):
    """Instantiates the ResNet152 architecture (stages of 3, 8, 36, 3 blocks); see `ResNet50`."""
    return ResNet(_stages((3, 8, 36, 3)), "resnet152", include_top, weights, input_tensor,
                  input_shape, pooling, classes, classifier_activation, "ResNet152")


def preprocess_input(x, data_format=None):
    """Keras' "caffe" preprocessing: RGB → BGR, minus the ImageNet mean pixel, no scaling."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top=5):
    """The `top` (wordnet id, class name, score) of each prediction (see imagenet_utils)."""
    return imagenet_utils.decode_predictions(preds, top=top)
