"""`tenseur.nn`: the TF 1.x `tf.nn` namespace (activations, softmax, losses, dropout,
convolution, pooling, ...).

A thin public module: every function is defined in `tenseur.ops.nn_ops` (the activations in
`activation_ops`, bias_add in `bias_ops`), `conv_ops`, `pooling_ops` or `batch_norm_ops` (or, for
the activations TF also lists at the top level, `tenseur.ops.math_ops`) and only re-exported here.

Example:
    >>> import tenseur as tf
    >>> h = tf.nn.relu(tf.nn.bias_add(tf.matmul(x, w), b))
    >>> loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=h))
"""
from .ops.math_ops import sigmoid, softplus, tanh
from .ops.nn_ops import (batch_normalization, bias_add, dropout, elu, gelu, in_top_k,
                         l2_loss, l2_normalize, leaky_relu, log_softmax, moments, relu, relu6,
                         selu, sigmoid_cross_entropy_with_logits, silu, softmax,
                         softmax_cross_entropy_with_logits, softmax_cross_entropy_with_logits_v2,
                         softsign, sparse_softmax_cross_entropy_with_logits, swish, top_k,
                         weighted_cross_entropy_with_logits, xw_plus_b)
from .ops.batch_norm_ops import fused_batch_norm
from .ops.conv_ops import (atrous_conv2d, conv1d, conv2d, conv2d_backprop_filter,
                           conv2d_backprop_input, conv2d_transpose, convolution,
                           depthwise_conv2d, depthwise_conv2d_native,
                           depthwise_conv2d_native_backprop_filter,
                           depthwise_conv2d_native_backprop_input, separable_conv2d)
from .ops.pooling_ops import avg_pool, avg_pool2d, max_pool, max_pool2d, pool

__all__ = [
    # activations
    "relu", "relu6", "elu", "selu", "softplus", "softsign", "leaky_relu", "sigmoid", "tanh",
    "swish", "silu", "gelu",
    # layers' building blocks
    "bias_add", "xw_plus_b", "dropout",
    # convolution and pooling (NHWC; NCHW through data_format)
    "conv2d", "conv2d_transpose", "conv2d_backprop_input", "conv2d_backprop_filter", "conv1d",
    "atrous_conv2d", "convolution",
    "depthwise_conv2d", "depthwise_conv2d_native", "depthwise_conv2d_native_backprop_input",
    "depthwise_conv2d_native_backprop_filter", "separable_conv2d",
    "max_pool", "max_pool2d", "avg_pool", "avg_pool2d", "pool",
    # softmax and losses
    "softmax", "log_softmax", "softmax_cross_entropy_with_logits",
    "softmax_cross_entropy_with_logits_v2", "sparse_softmax_cross_entropy_with_logits",
    "sigmoid_cross_entropy_with_logits", "weighted_cross_entropy_with_logits", "l2_loss",
    # normalisation
    "l2_normalize", "moments", "batch_normalization", "fused_batch_norm",
    # evaluation
    "in_top_k", "top_k",
]
