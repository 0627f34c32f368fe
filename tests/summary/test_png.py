"""The PNG encoder: decoded back with zlib (and by Pillow when present) to the same pixels."""
import io

import numpy as np
import pytest

from tenseur.summary.png import encode_png

from .png_decode import decode_png


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_png_round_trip(channels):
    image = np.random.default_rng(channels).integers(0, 256, (7, 5, channels), dtype=np.uint8)
    np.testing.assert_array_equal(decode_png(encode_png(image)), image)


def test_png_gray_from_2d_and_pillow_agrees():
    image = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    data = encode_png(image)
    np.testing.assert_array_equal(decode_png(data)[:, :, 0], image)
    pil = pytest.importorskip("PIL.Image")
    with pil.open(io.BytesIO(data)) as decoded:
        assert decoded.mode == "L" and decoded.size == (4, 3)
        np.testing.assert_array_equal(np.asarray(decoded), image)


@pytest.mark.parametrize("bad", [np.zeros((2, 2, 5), np.uint8), np.zeros((2, 2, 3), np.float32),
                                 np.zeros((0, 2, 3), np.uint8), np.zeros(4, np.uint8)])
def test_png_rejects_what_it_cannot_encode(bad):
    with pytest.raises(ValueError, match="uint8 array of shape"):
        encode_png(bad)
