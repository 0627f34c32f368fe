"""A minimal PNG encoder (zlib only, no Pillow): 8-bit gray, gray+alpha, RGB or RGBA."""
from __future__ import annotations

import struct
import zlib

import numpy as np

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# channels -> PNG colour type (PNG spec, section 11.2.2 IHDR)
_COLOR_TYPES = {1: 0, 2: 4, 3: 2, 4: 6}


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def encode_png(image, compression: int = 6) -> bytes:
    """PNG bytes of an (height, width, channels) uint8 image, channels 1 to 4.

    Every scanline uses filter type 0 (None); zlib does the compression.

    Example:
        >>> encode_png(np.zeros((2, 3, 3), np.uint8))[:8]
        b'\\x89PNG\\r\\n\\x1a\\n'
    """
    image = np.asarray(image)
    if image.ndim == 2:
        image = image[:, :, None]
    if (image.ndim != 3 or image.shape[2] not in _COLOR_TYPES or image.dtype != np.uint8
            or 0 in image.shape):
        raise ValueError(f"encode_png expects a non-empty uint8 array of shape (height, width, "
                         f"channels) with 1 to 4 channels, got {image.dtype} {image.shape}.")
    height, width, channels = image.shape
    rows = np.zeros((height, 1 + width * channels), dtype=np.uint8)   # column 0: filter byte
    rows[:, 1:] = image.reshape(height, width * channels)
    header = struct.pack(">IIBBBBB", width, height, 8, _COLOR_TYPES[channels], 0, 0, 0)
    return (_SIGNATURE + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(rows.tobytes(), compression)) + _chunk(b"IEND", b""))
