"""examples/transfer_learning.py: the frozen ResNet50 base does not move, the new head learns."""
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
sys.path.insert(0, str(EXAMPLES))


def test_digits_become_preprocessed_rgb_images_of_the_requested_size():
    import transfer_learning
    digits = np.zeros((2, 28, 28), np.uint8)
    digits[:, 0, 0] = 255
    images = transfer_learning.digits_as_rgb(digits, 48)
    assert images.shape == (2, 48, 48, 3) and images.dtype == np.float32
    # Black padding, the digit's first pixel at 2/32 of the image, in BGR minus the mean pixel.
    np.testing.assert_allclose(images[0, 0, 0], [-103.939, -116.779, -123.68], rtol=1e-6)
    np.testing.assert_allclose(images[0, 3, 3], 255 - np.array([103.939, 116.779, 123.68]),
                               rtol=1e-6)


@pytest.mark.slow
def test_frozen_base_stays_and_head_trains(mnist_dir):
    import transfer_learning
    import tenseur as tf
    from tenseur import keras
    keras.backend.clear_session()
    tf.set_random_seed(0)
    np.random.seed(0)
    (x_train, y_train), _ = transfer_learning.load_digits(
        size=32, limit=256, test_limit=1, data_dir=mnist_dir)
    model, base = transfer_learning.build_model(size=32, weights=None)
    assert [layer.name for layer in model.layers[-2:]] == ["head_pool", "head"]
    assert model.trainable_weights == model.get_layer("head").weights
    base_before = base.get_weights()
    head_before = model.get_layer("head").get_weights()
    history = model.fit(x_train, y_train, batch_size=32, epochs=3, verbose=0)
    for before, after in zip(base_before, base.get_weights()):
        np.testing.assert_array_equal(before, after)        # BN statistics included
    for before, after in zip(head_before, model.get_layer("head").get_weights()):
        assert not np.allclose(before, after)
    # Random-base features are large, so the first predictions are confidently wrong (loss ~7);
    # the head brings the loss down steadily.
    losses = history.history["loss"]
    assert np.all(np.isfinite(losses)) and losses[-1] < 0.7 * losses[0]


@pytest.mark.slow
def test_main_prints_the_test_accuracy(mnist_dir, capsys):
    import transfer_learning
    accuracy, _, _ = transfer_learning.main(weights=None, epochs=1, size=32, limit=64,
                                            batch_size=32, data_dir=mnist_dir, verbose=0,
                                            test_limit=64)
    assert f"test accuracy: {accuracy:.4f} (random base, 64 training digits" in \
        capsys.readouterr().out
