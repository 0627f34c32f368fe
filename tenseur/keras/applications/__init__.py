"""`keras.applications`: ImageNet models with Keras' architectures, layer names and weight files.

`ResNet50` (also `ResNet101`, `ResNet152`), `VGG16` and `MobileNet` build the same networks as
`keras.applications`, so Keras' ImageNet weight files load into them; each model's module has
its `preprocess_input` and `decode_predictions` (`keras.applications.resnet50.preprocess_input`).
Weight files are looked up in `~/.cache/tenseur/models` under Keras' names, else downloaded.

Example:
    >>> from tenseur import keras
    >>> base = keras.applications.ResNet50(include_top=False, weights="imagenet",
    ...                                    input_shape=(64, 64, 3), pooling="avg")
"""
from . import imagenet_utils, mobilenet, resnet, resnet50, vgg16  # noqa: F401
from .mobilenet import MobileNet  # noqa: F401
from .pretrained import PretrainedFileError, PretrainedFileNotFoundError  # noqa: F401
from .resnet import ResNet50, ResNet101, ResNet152  # noqa: F401
from .vgg16 import VGG16  # noqa: F401
