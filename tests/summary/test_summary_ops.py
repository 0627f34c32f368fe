"""TF 1.x summary ops run in a session, written by FileWriter, read back by TensorBoard's loader."""
import bisect
import sys

import numpy as np
import pytest

pytest.importorskip("tensorboard")

import tenseur as tf  # noqa: E402
from tenseur.summary import values as summary_values  # noqa: E402

from .png_decode import decode_png  # noqa: E402


def write_steps(logdir, fetch, feeds_by_step):
    """Runs `fetch` once per step with its feed and writes each result at that step."""
    with tf.Session() as sess:
        writer = tf.summary.FileWriter(str(logdir), sess.graph)
        for step, feed in enumerate(feeds_by_step):
            writer.add_summary(sess.run(fetch, feed), global_step=step)
        writer.close()


def test_scalar_tags_follow_name_scopes_and_stay_unique():
    x = tf.placeholder(tf.float32, shape=(), name="x")
    with tf.name_scope("train"):
        first = tf.summary.scalar("loss", x)
        second = tf.summary.scalar("loss", x)
    family = tf.summary.scalar("acc", x, family="metrics")
    odd = tf.summary.scalar("/bad name!", x)
    assert [t.op.name for t in (first, second, family, odd)] == [
        "train/loss", "train/loss_1", "metrics/acc", "bad_name_"]
    assert [t.op.get_attr("tag") for t in (first, second, family, odd)] == [
        "train/loss", "train/loss_1", "metrics/metrics/acc", "bad_name_"]   # TF 1.x family tags
    assert (first.dtype, first.shape.ndims, first.op.type) == (tf.string, 0, "ScalarSummary")
    assert tf.get_collection(tf.GraphKeys.SUMMARIES) == [first, second, family, odd]


def test_collections_argument_and_merge_all_of_nothing():
    assert tf.summary.merge_all() is None
    x = tf.constant(1.0)
    mine = tf.summary.scalar("x", x, ["mine"])           # TF 1.x positional collections
    hidden = tf.summary.scalar("y", x, collections=[])
    assert tf.get_collection("mine") == [mine] and tf.get_collection(tf.GraphKeys.SUMMARIES) == []
    assert tf.summary.merge_all() is None
    assert tf.summary.merge_all("mine").op.type == "MergeSummary"
    assert hidden.op.name == "y"


def test_scalars_come_back_with_their_steps(tmp_path, load_run):
    a = tf.placeholder(tf.float32, shape=(), name="a")
    b = tf.placeholder(tf.float32, shape=(), name="b")
    y = tf.sqrt(a + tf.sin(b))
    tf.summary.scalar("y", y)
    tf.summary.scalar("a", a)
    tf.summary.scalar("lr", 0.01)                         # a Python value becomes a constant
    merged = tf.summary.merge_all()
    assert merged.op.name == "Merge/MergeSummary"
    write_steps(tmp_path, merged, [{a: 3.0 + k, b: np.pi / 2} for k in range(4)])
    run = load_run(tmp_path)
    # the placeholder owns the name "a", so its summary scope (and tag) is "a_1", as in TF 1.x
    assert sorted(run.Tags()["scalars"]) == ["a_1", "lr", "y"]
    ys = run.Scalars("y")
    assert [e.step for e in ys] == [0, 1, 2, 3]
    np.testing.assert_allclose([e.value for e in ys], np.sqrt(np.arange(4) + 4.0), rtol=1e-6)
    assert [e.value for e in run.Scalars("lr")] == [pytest.approx(0.01)] * 4


def test_scalar_summary_errors_are_caught_when_building():
    with pytest.raises(tf.ShapeError,
                       match=r"ScalarSummary 'loss'.*scalar.*\(3,\)[\s\S]*reduce_mean"):
        tf.summary.scalar("loss", tf.constant([1.0, 2.0, 3.0]))
    with pytest.raises(tf.DTypeError, match="ScalarSummary 'flag'.*real numbers.*bool"):
        tf.summary.scalar("flag", tf.constant(True))
    x = tf.placeholder(tf.float32, name="x")              # unknown shape: checked when run
    summary = tf.summary.scalar("x", x)
    with tf.Session() as sess, \
            pytest.raises(tf.InvalidArgumentError, match=r"not the same shape.*\[2\]"):
        sess.run(summary, {x: [1.0, 2.0]})


def reference_histogram(values):
    """TF's Histogram::Add then EncodeToProto(preserve_zero_buckets=false), loop for loop."""
    limits = list(summary_values.default_bucket_limits())
    counts = [0.0] * len(limits)
    for v in values:
        counts[bisect.bisect_right(limits, v)] += 1
    out_limits, out_counts, i = [], [], 0
    while i < len(counts):
        end, count = limits[i], counts[i]
        i += 1
        if count <= 0:
            while i < len(counts) and counts[i] <= 0:
                end, count = limits[i], counts[i]
                i += 1
        out_limits.append(end)
        out_counts.append(count)
    return out_limits, out_counts


def test_default_bucket_limits_are_tensorflows():
    limits = summary_values.default_bucket_limits()
    middle = len(limits) // 2
    assert limits[middle] == 0.0 and limits[middle + 1] == 1e-12
    assert limits[-1] == sys.float_info.max and limits[0] == -sys.float_info.max
    np.testing.assert_array_equal(limits[:middle], -limits[middle + 1:][::-1])
    assert np.all(np.diff(limits) > 0)
    np.testing.assert_allclose(limits[middle + 2:-1] / limits[middle + 1:-2], 1.1)
    assert limits[-2] < 1e20 <= limits[-2] * 1.1


def test_histograms_come_back_with_tensorflow_buckets(tmp_path, load_run):
    values = tf.placeholder(tf.float32, shape=[None], name="values")
    with tf.name_scope("layer1"):
        tf.summary.histogram("weights", values)
    merged = tf.summary.merge_all()
    batches = [np.array([-1.0, 0.0, 0.5, 2.0, 2.0, 100.0], np.float32),
               np.random.default_rng(0).normal(size=1000).astype(np.float32)]
    write_steps(tmp_path, merged, [{values: batch} for batch in batches])
    run = load_run(tmp_path)
    assert run.Tags()["histograms"] == ["layer1/weights"]
    for event, batch in zip(run.Histograms("layer1/weights"), batches, strict=True):
        histogram = event.histogram_value
        data = batch.astype(np.float64)
        assert (histogram.min, histogram.max, histogram.num) == (data.min(), data.max(), data.size)
        assert histogram.sum == pytest.approx(data.sum())
        assert histogram.sum_squares == pytest.approx((data ** 2).sum())
        limits, counts = reference_histogram(data)
        assert list(histogram.bucket_limit) == limits and list(histogram.bucket) == counts


def test_histogram_of_nan_fails_the_run():
    x = tf.placeholder(tf.float32, shape=[None], name="x")
    summary = tf.summary.histogram("h", x)
    with tf.Session() as sess, \
            pytest.raises(tf.InvalidArgumentError, match="Nan in summary histogram for: h"):
        sess.run(summary, {x: [1.0, np.nan]})


def test_uint8_images_come_back_pixel_for_pixel(tmp_path, load_run):
    batch = np.random.default_rng(1).integers(0, 256, (4, 6, 5, 3), dtype=np.uint8)
    images = tf.placeholder(tf.uint8, shape=[None, 6, 5, 3], name="images")
    tf.summary.image("input", images, 3)                 # TF 1.x positional max_outputs
    tf.summary.image("first", images, max_outputs=1)
    write_steps(tmp_path, tf.summary.merge_all(), [{images: batch}])
    run = load_run(tmp_path)
    assert sorted(run.Tags()["images"]) == ["first/image", "input/image/0", "input/image/1",
                                            "input/image/2"]
    for i in range(3):
        (event,) = run.Images(f"input/image/{i}")
        assert (event.width, event.height) == (5, 6)
        np.testing.assert_array_equal(decode_png(event.encoded_image_string), batch[i])
    np.testing.assert_array_equal(decode_png(run.Images("first/image")[0].encoded_image_string),
                                  batch[0])


def test_float_images_are_scaled_as_tensorflow_1(tmp_path, load_run):
    positive = np.array([0.0, 0.5, 1.0, 2.0], np.float32).reshape(1, 2, 2, 1)
    signed = np.array([-2.0, 0.0, 1.0, np.nan], np.float32).reshape(1, 2, 2, 1)
    rgba = np.zeros((1, 1, 2, 4), np.float32)
    rgba[0, 0, 0] = [1.0, 0.5, 0.0, 1.0]
    rgba[0, 0, 1, 2] = np.inf
    tf.summary.image("positive", tf.constant(positive))
    tf.summary.image("signed", tf.constant(signed))
    tf.summary.image("rgba", tf.constant(rgba))
    write_steps(tmp_path, tf.summary.merge_all(), [None])
    run = load_run(tmp_path)

    def pixels(tag):
        return decode_png(run.Images(tag)[0].encoded_image_string)
    # largest value -> 255 (x * 127.5, truncated)
    np.testing.assert_array_equal(pixels("positive/image/0").ravel(), [0, 63, 127, 255])
    # negative values present: 0 -> 128, largest magnitude 2 -> +-127; NaN -> red's first channel
    np.testing.assert_array_equal(pixels("signed/image/0").ravel(), [1, 128, 191, 255])
    np.testing.assert_array_equal(pixels("rgba/image/0")[0], [[255, 127, 0, 255], [255, 0, 0, 255]])


def test_image_mistakes_are_caught_when_building():
    with pytest.raises(tf.ShapeError, match="ImageSummary 'two'.*1, 3, 4 channels.*got 2"):
        tf.summary.image("two", tf.zeros([1, 4, 4, 2]))
    with pytest.raises(tf.ShapeError, match="4-D"):
        tf.summary.image("flat", tf.zeros([4, 4, 3]))
    with pytest.raises(tf.DTypeError, match="uint8 or floating point, got int32"):
        tf.summary.image("ints", tf.zeros([1, 4, 4, 3], dtype=tf.int32))


def test_text_comes_back_as_strings(tmp_path, load_run):
    tf.summary.text("note", tf.constant("**bold** text"))
    tf.summary.text("table", tf.constant([["a", "b"], ["c", "d"]]))
    tf.summary.text("plain", "from a Python string")
    write_steps(tmp_path, tf.summary.merge_all(), [None, None])
    run = load_run(tmp_path)
    assert sorted(run.Tags()["tensors"]) == ["note", "plain", "table"]
    assert run.SummaryMetadata("note").plugin_data.plugin_name == "text"
    note = run.Tensors("note")
    assert [e.step for e in note] == [0, 1]
    assert list(note[0].tensor_proto.string_val) == [b"**bold** text"]
    table = run.Tensors("table")[0].tensor_proto
    assert [d.size for d in table.tensor_shape.dim] == [2, 2]
    assert list(table.string_val) == [b"a", b"b", b"c", b"d"]
    with pytest.raises(tf.DTypeError, match="text summary 'n'.*dtype string, got float32"):
        tf.summary.text("n", tf.constant(1.0))


def test_merge_rejects_duplicate_tags_and_merges_bytes():
    x = tf.constant(1.0)
    first = tf.summary.scalar("x", x)
    copy = tf.summary.merge([first, first])
    with tf.Session() as sess:
        one = sess.run(first)
        with pytest.raises(tf.InvalidArgumentError, match="Duplicate tag x found in summary"):
            sess.run(copy)
    assert isinstance(one, bytes)
    other = tf.summary.Summary(value=[tf.summary.Summary.Value(tag="y", simple_value=2.0)])
    merged = tf.summary.Summary.FromString(tf.summary.merge([one, other.SerializeToString()]))
    assert [(v.tag, v.simple_value) for v in merged.value] == [("x", 1.0), ("y", 2.0)]
    with pytest.raises(ValueError, match="at least one"):
        tf.summary.merge([])
    with pytest.raises(tf.DTypeError, match="MergeSummary.*input 0 is a float32"):
        tf.summary.merge([x])


def test_summary_ops_are_not_differentiable():
    x = tf.placeholder(tf.float32, shape=(), name="x")
    tf.summary.scalar("x", x)
    y = 2.0 * x
    (grad,) = tf.gradients(y, [x])
    with tf.Session() as sess:
        assert sess.run(grad, {x: 1.0}) == 2.0
    from tenseur.ops.registry import NOT_DIFFERENTIABLE, get_op_def
    for op_type in ("ScalarSummary", "HistogramSummary", "ImageSummary", "TensorSummaryV2",
                    "MergeSummary"):
        assert get_op_def(op_type).gradient == NOT_DIFFERENTIABLE
