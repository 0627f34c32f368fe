"""`keras.layers`: every layer class (`from tenseur.keras.layers import Dense`).

Saved configurations name layers by class; `engine.serialization` finds them here.
"""
from ..engine.base_layer import InputSpec, Layer  # noqa: F401
from ..engine.input_layer import Input, InputLayer  # noqa: F401
from .advanced_activations import ELU, LeakyReLU, PReLU, ReLU, Softmax  # noqa: F401
from .convolutional import (Conv1D, Conv2D, Conv2DTranspose, Convolution1D,  # noqa: F401
                            Convolution2D, Convolution2DTranspose, DepthwiseConv2D,
                            SeparableConv2D, SeparableConvolution2D)
from .core import Activation, Dense, Dropout, Embedding, Flatten, Identity, Lambda  # noqa: F401
from .merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply,  # noqa: F401
                      Subtract, add, average, concatenate, dot, maximum, minimum, multiply,
                      subtract)
from .normalization import BatchNormalization, LayerNormalization  # noqa: F401
from .pooling import (AveragePooling1D, AveragePooling2D, AvgPool1D, AvgPool2D,  # noqa: F401
                      GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAvgPool1D,
                      GlobalAvgPool2D, GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPooling1D,
                      GlobalMaxPooling2D, MaxPool1D, MaxPool2D, MaxPooling1D, MaxPooling2D)
from .regularization import (ActivityRegularization, GaussianDropout, GaussianNoise,  # noqa: F401
                             SpatialDropout1D, SpatialDropout2D)
from .reshaping import (Cropping1D, Cropping2D, Permute, RepeatVector, Reshape,  # noqa: F401
                        UpSampling1D, UpSampling2D, ZeroPadding1D, ZeroPadding2D)
