"""`pad_sequences`: lists of sequences of different lengths as one array (Keras'
`keras.utils.pad_sequences`, `keras.preprocessing.sequence.pad_sequences` in Keras 2)."""
from __future__ import annotations

import numpy as np


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """An array `(len(sequences), maxlen, ...)`: each sequence padded with `value` (before it
    with padding="pre", the default, after it with "post") or cut to `maxlen` (its first
    values dropped with truncating="pre", its last with "post"). `maxlen` defaults to the
    longest sequence.

    Example:
        >>> pad_sequences([[1, 2, 3], [4]], maxlen=2)       # [[2, 3], [0, 4]]

    Raises:
        ValueError: a bad `padding`/`truncating`, sequences whose items differ in shape, or a
            string `value` with a numeric dtype.
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("pad_sequences: `sequences` must be a list of sequences (lists or "
                         "arrays).")
    if padding not in ("pre", "post"):
        raise ValueError(f'pad_sequences: padding must be "pre" or "post", got {padding!r}.')
    if truncating not in ("pre", "post"):
        raise ValueError(f'pad_sequences: truncating must be "pre" or "post", got '
                         f"{truncating!r}.")
    arrays = [np.asarray(s) for s in sequences]
    lengths = [len(a) for a in arrays]
    sample_shape = ()
    for a in arrays:
        if len(a):
            sample_shape = a.shape[1:]
            break
    for i, a in enumerate(arrays):
        if len(a) and a.shape[1:] != sample_shape:
            raise ValueError(f"pad_sequences: the items of sequence {i} have shape "
                             f"{a.shape[1:]}, others {sample_shape}; they must all agree.")
    if maxlen is None:
        maxlen = max(lengths) if lengths else 0
    is_string = np.issubdtype(np.dtype(dtype), np.str_) or np.dtype(dtype) == object
    if isinstance(value, str) and not is_string:
        raise ValueError(f"pad_sequences: `dtype` {dtype} is not compatible with the string "
                         f"value {value!r}; use dtype=object to pad with strings.")
    out = np.full((len(arrays), maxlen) + sample_shape, value, dtype=dtype)
    for i, a in enumerate(arrays):
        if not len(a) or maxlen == 0:
            continue
        cut = a[-maxlen:] if truncating == "pre" else a[:maxlen]
        if padding == "post":
            out[i, :len(cut)] = cut
        else:
            out[i, -len(cut):] = cut
    return out
