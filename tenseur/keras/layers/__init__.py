"""`keras.layers`: every layer class (`from tenseur.keras.layers import Dense`).

Saved configurations name layers by class; `engine.serialization` finds them here.
"""
from ..engine.base_layer import InputSpec, Layer
from ..engine.input_layer import Input, InputLayer
from ..engine.serialization import deserialize_layer as deserialize
from ..engine.serialization import serialize_layer as serialize
from .advanced_activations import ELU, LeakyReLU, PReLU, ReLU, Softmax
from .convolutional import (Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Convolution1D,
                            Convolution1DTranspose, Convolution2D, Convolution2DTranspose,
                            DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D, SeparableConv2D,
                            SeparableConvolution1D, SeparableConvolution2D)
from .core import Activation, Dense, Dropout, Embedding, Flatten, Identity, Lambda, Masking
from .merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add,
                      average, concatenate, dot, maximum, minimum, multiply, subtract)
from .normalization import (BatchNormalization, GroupNormalization, LayerNormalization,
                            UnitNormalization)
from .recurrent import (GRU, LSTM, RNN, Bidirectional, GRUCell, LSTMCell, SimpleRNN,
                        SimpleRNNCell, TimeDistributed)
from .pooling import (AveragePooling1D, AveragePooling2D, AvgPool1D, AvgPool2D,
                      GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAvgPool1D,
                      GlobalAvgPool2D, GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPooling1D,
                      GlobalMaxPooling2D, MaxPool1D, MaxPool2D, MaxPooling1D, MaxPooling2D)
from .regularization import (ActivityRegularization, AlphaDropout, GaussianDropout,
                             GaussianNoise, SpatialDropout1D, SpatialDropout2D)
from .reshaping import (Cropping1D, Cropping2D, Permute, RepeatVector, Reshape, UpSampling1D,
                        UpSampling2D, ZeroPadding1D, ZeroPadding2D)

__all__ = [
    # engine
    "InputSpec", "Layer", "Input", "InputLayer", "serialize", "deserialize",
    # core
    "Activation", "Dense", "Dropout", "Embedding", "Flatten", "Identity", "Lambda", "Masking",
    # convolution and pooling
    "Conv1D", "Conv2D", "Conv2DTranspose", "DepthwiseConv2D", "SeparableConv2D",
    "Conv1DTranspose", "DepthwiseConv1D", "SeparableConv1D", "Convolution1DTranspose",
    "SeparableConvolution1D",
    "Convolution1D", "Convolution2D", "Convolution2DTranspose", "SeparableConvolution2D",
    "MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D",
    "MaxPool1D", "MaxPool2D", "AvgPool1D", "AvgPool2D",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling1D",
    "GlobalMaxPooling2D", "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalMaxPool1D",
    "GlobalMaxPool2D",
    # reshaping
    "Reshape", "Permute", "RepeatVector", "ZeroPadding1D", "ZeroPadding2D", "Cropping1D",
    "Cropping2D", "UpSampling1D", "UpSampling2D",
    # normalisation, activations, regularisation
    "BatchNormalization", "LayerNormalization", "UnitNormalization", "GroupNormalization", "ReLU",
    "LeakyReLU", "PReLU", "ELU", "Softmax",
    "ActivityRegularization", "AlphaDropout", "GaussianNoise", "GaussianDropout",
    "SpatialDropout1D", "SpatialDropout2D",
    # recurrent
    "SimpleRNN", "LSTM", "GRU", "RNN", "Bidirectional", "SimpleRNNCell", "LSTMCell", "GRUCell",
    "TimeDistributed",
    # merging
    "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
    "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot",
]
