"""The slides' CNN example (examples/cnn_tf.py) learns on a slice of MNIST."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))


@pytest.mark.slow
def test_slides_cnn_learns_on_a_subset(mnist_dir):
    import cnn_tf
    import tenseur as tf
    # 3,000 images, batch 64, three epochs (141 SGD steps at the slides' lr 0.05): far from
    # the slides' 98.8% after 10 full epochs, but far above chance (10%); seeds 0-2 reached
    # 82-86% on the first 1,000 validation images.
    history, _ = cnn_tf.train(mnist_dir, epochs=3, limit=3000, batch_size=64, verbose=False,
                              validation_limit=1000, evaluate_test=False)
    shapes = {v.name: v.shape.as_list() for v in tf.trainable_variables()}
    assert shapes["conv2d/kernel:0"] == [3, 3, 1, 32]
    assert shapes["conv2d_2/kernel:0"] == [3, 3, 32, 16]
    assert shapes["dense/kernel:0"] == [400, 32]
    assert history[-1]["loss"] < history[0]["loss"]
    assert history[-1]["val_acc"] > 0.6
