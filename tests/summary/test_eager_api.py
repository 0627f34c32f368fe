"""The TF2 API: create_file_writer().as_default() and summaries of concrete values."""
import os

import numpy as np
import pytest

pytest.importorskip("tensorboard")

import tenseur as tf  # noqa: E402

from .png_decode import decode_png  # noqa: E402


@pytest.fixture
def as_array():
    return pytest.importorskip("tensorboard.util.tensor_util").make_ndarray


def test_scalars_are_written_at_once_as_float32_tensors(tmp_path, load_run, as_array):
    writer = tf.summary.create_file_writer(str(tmp_path))
    assert os.path.basename(writer._file_writer.path).endswith(".v2")
    with writer.as_default():
        for step in range(3):
            assert tf.summary.scalar("loss", 1.0 / (step + 1), step=step) is True
        assert tf.summary.scalar("positional", np.float64(2.5), 7) is True   # TF2: step third
    run = load_run(tmp_path)
    assert run.SummaryMetadata("loss").plugin_data.plugin_name == "scalars"
    events = run.Tensors("loss")
    assert [e.step for e in events] == [0, 1, 2]
    assert [e.tensor_proto.dtype for e in events] == [1, 1, 1]          # DT_FLOAT, rank 0
    assert [float(as_array(e.tensor_proto)) for e in events] == pytest.approx([1.0, 0.5, 1 / 3])
    (positional,) = run.Tensors("positional")
    assert positional.step == 7 and float(as_array(positional.tensor_proto)) == 2.5
    writer.close()


def test_default_step_and_missing_step(tmp_path, load_run):
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default(step=10):
        assert tf.summary.experimental.get_step() == 10
        tf.summary.scalar("a", 1.0)
    assert tf.summary.experimental.get_step() is None
    tf.summary.experimental.set_step(np.int64(20))
    try:
        with writer.as_default():
            tf.summary.scalar("a", 2.0)
    finally:
        tf.summary.experimental.set_step(None)
    with writer.as_default(), pytest.raises(ValueError, match="no step set.*set_step"):
        tf.summary.scalar("a", 3.0)
    writer.close()
    assert [e.step for e in load_run(tmp_path).Tensors("a")] == [10, 20]


def test_without_a_writer_nothing_is_written(tmp_path):
    assert tf.summary.scalar("loss", 0.5, step=1) is False
    assert tf.summary.histogram("w", [1.0, 2.0], step=1) is False
    assert tf.summary.text("t", "hello", step=1) is False
    assert tf.get_default_graph().get_operations() == []


def test_tags_take_the_name_scope(tmp_path, load_run):
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default(step=0), tf.name_scope("train"):
        tf.summary.scalar("loss", 1.0)
    writer.close()
    assert load_run(tmp_path).Tags()["tensors"] == ["train/loss"]


def test_histograms_are_equal_width_bucket_tensors(tmp_path, load_run, as_array):
    data = np.random.default_rng(2).uniform(-1, 3, size=500)
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default(step=1):
        tf.summary.histogram("w", data)
        tf.summary.histogram("few", data, buckets=4)
        tf.summary.histogram("same", [2.0, 2.0, 2.0])
        tf.summary.histogram("none", np.zeros(0))
    writer.close()
    run = load_run(tmp_path)
    assert run.SummaryMetadata("w").plugin_data.plugin_name == "histograms"
    buckets = as_array(run.Tensors("w")[0].tensor_proto)
    assert buckets.shape == (30, 3) and buckets[:, 2].sum() == 500
    np.testing.assert_allclose(buckets[:, 0], np.linspace(data.min(), data.max(), 31)[:-1])
    assert buckets[-1, 1] == data.max()
    few = as_array(run.Tensors("few")[0].tensor_proto)
    expected, _ = np.histogram(data, bins=4, range=(data.min(), data.max()))
    np.testing.assert_array_equal(few[:, 2], expected)
    same = as_array(run.Tensors("same")[0].tensor_proto)
    assert same.shape == (30, 3) and same[0].tolist() == [2.0, 2.0, 3.0] and same[1:, 2].sum() == 0
    assert as_array(run.Tensors("none")[0].tensor_proto).tolist() == [[0.0] * 3] * 30


def test_images_are_png_string_tensors(tmp_path, load_run, as_array):
    floats = np.zeros((2, 3, 4, 3), np.float32)
    floats[0, 0, 0] = [0.0, 0.5, 1.0]
    floats[1, 0, 0] = [2.0, -1.0, 0.004]     # out of range: clipped; x * 255.5 truncated
    gray_alpha = np.random.default_rng(3).integers(0, 256, (1, 2, 2, 2), dtype=np.uint8)
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default(step=5):
        tf.summary.image("floats", floats, max_outputs=3)
        tf.summary.image("gray_alpha", gray_alpha)
    writer.close()
    run = load_run(tmp_path)
    assert run.SummaryMetadata("floats").plugin_data.plugin_name == "images"
    width, height, *pngs = as_array(run.Tensors("floats")[0].tensor_proto).tolist()
    assert (width, height, len(pngs)) == (b"4", b"3", 2)
    assert decode_png(pngs[0])[0, 0].tolist() == [0, 127, 255]
    assert decode_png(pngs[1])[0, 0].tolist() == [255, 0, 1]
    _, _, png = as_array(run.Tensors("gray_alpha")[0].tensor_proto).tolist()
    np.testing.assert_array_equal(decode_png(png), gray_alpha[0])


def test_text_and_graph(tmp_path, load_run):
    x = tf.placeholder(tf.float32, name="x")
    tf.sqrt(x, name="root")
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default(step=2):
        tf.summary.text("note", "# Title")
        tf.summary.text("rows", ["one", "two"])
        assert tf.summary.graph(tf.get_default_graph()) is True
    writer.close()
    run = load_run(tmp_path)
    assert list(run.Tensors("note")[0].tensor_proto.string_val) == [b"# Title"]
    assert list(run.Tensors("rows")[0].tensor_proto.string_val) == [b"one", b"two"]
    assert [(n.name, n.op) for n in run.Graph().node] == [("x", "Placeholder"), ("root", "Sqrt")]
    with writer.as_default(step=0), pytest.raises(TypeError, match="text summaries take strings"):
        tf.summary.text("bad", [1, 2])


def test_graph_tensors_still_build_ops_under_a_writer(tmp_path):
    x = tf.placeholder(tf.float32, shape=(), name="x")
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default(step=0):
        summary = tf.summary.scalar("x", x)
        assert summary.op.type == "ScalarSummary"
        with pytest.raises(TypeError, match="step.*concrete value.*FileWriter.add_summary"):
            tf.summary.scalar("x", x, step=3)
        with pytest.raises(TypeError, match="step"):
            tf.summary.histogram("x", x, 3)
    writer.close()


def test_noop_writer_and_flush(tmp_path):
    with tf.summary.create_noop_writer().as_default():
        assert tf.summary.scalar("x", 1.0, step=0) is True
    writer = tf.summary.create_file_writer(str(tmp_path), flush_millis=10 ** 9)
    writer.set_as_default(step=1)
    try:
        tf.summary.scalar("x", 1.0)
        size = os.path.getsize(writer._file_writer.path)
        tf.summary.flush()
        assert os.path.getsize(writer._file_writer.path) > size
    finally:
        writer.close()
    assert tf.summary.scalar("x", 1.0, step=0) is False         # closed writers are not default


def test_eager_mode_tensors_and_variables(tmp_path, load_run, as_array):
    from tenseur.eager import eager_mode
    with eager_mode():
        loss = tf.constant([1.0, 3.0]) * 2.0                 # an eager tensor: a value
        assert tf.summary.scalar("mean", tf.reduce_mean(loss)) is False     # no writer
        step = tf.Variable(4, dtype=tf.int64)
        writer = tf.summary.create_file_writer(str(tmp_path))
        with writer.as_default(step=step), tf.name_scope("train"):
            assert tf.summary.scalar("mean", tf.reduce_mean(loss)) is True
            assert tf.summary.histogram("loss", loss, buckets=2) is True
            assert tf.summary.text("note", tf.constant("eager")) is True
        with pytest.raises(RuntimeError, match="not compatible with eager.*create_file_writer"):
            tf.summary.merge_all()
        writer.close()
    run = load_run(tmp_path)
    (mean,) = run.Tensors("train/mean")
    assert mean.step == 4 and float(as_array(mean.tensor_proto)) == 4.0
    assert as_array(run.Tensors("train/loss")[0].tensor_proto)[:, 2].tolist() == [1.0, 1.0]
    assert list(run.Tensors("train/note")[0].tensor_proto.string_val) == [b"eager"]


def test_closing_a_writer_inside_its_block(tmp_path, load_run):
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default(step=0):
        tf.summary.scalar("x", 1.0)
        writer.close()
        assert tf.summary.scalar("x", 2.0, step=1) is False
    assert [e.step for e in load_run(tmp_path).Tensors("x")] == [0]
