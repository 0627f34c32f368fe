"""Saver: round trips, the state file, pruning, crash safety, and restore errors."""
import json
import os

import numpy as np
import pytest

import tenseur as tf
import tenseur.train as train
from tenseur.train import checkpoint_io

X = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], np.float32)


def build_model():
    """A tiny model with an Adam training op; returns (x, output, train_op, global step)."""
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    with tf.variable_scope("layer1"):
        w = tf.get_variable("W", [3, 2], initializer=tf.random_normal_initializer(seed=1))
        b = tf.get_variable("b", [2], initializer=tf.zeros_initializer())
    out = tf.sigmoid(tf.matmul(x, w) + b)
    step = train.get_or_create_global_step()
    train_op = train.AdamOptimizer(0.1).minimize(tf.reduce_sum(tf.square(out - 0.3)),
                                                 global_step=step)
    return x, out, train_op, step


def files_in(directory):
    return sorted(os.listdir(directory))


def test_round_trip_into_a_fresh_session(tmp_path):
    x, out, train_op, step = build_model()
    saver = train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(3):
            sess.run(train_op, feed_dict={x: X})
        prefix = saver.save(sess, str(tmp_path / "model.ckpt"), global_step=step)
        expected = sess.run(out, feed_dict={x: X})
        saved = {v.op.name: sess.run(v) for v in tf.global_variables()}
        sess.run(train_op, feed_dict={x: X})
        after_one_more = sess.run(out, feed_dict={x: X})
    assert prefix == str(tmp_path / "model.ckpt-3")
    with tf.Session() as fresh:
        saver.restore(fresh, prefix)          # no initializer: restore sets every variable
        np.testing.assert_array_equal(fresh.run(out, feed_dict={x: X}), expected)
        for v in tf.global_variables():       # slots, beta powers and the global step too
            np.testing.assert_array_equal(fresh.run(v), saved[v.op.name])
        fresh.run(train_op, feed_dict={x: X})
        np.testing.assert_array_equal(fresh.run(out, feed_dict={x: X}), after_one_more)


def test_saved_files_state_file_and_latest_checkpoint(tmp_path):
    x, out, train_op, step = build_model()
    saver = train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        first = saver.save(sess, str(tmp_path / "model.ckpt"), global_step=np.int64(100))
        second = saver.save(sess, str(tmp_path / "model.ckpt"), global_step=1000)
    assert second.endswith("model.ckpt-1000")
    assert files_in(tmp_path) == ["checkpoint"] + sorted(
        f"model.ckpt-{n}.{ext}" for n in (100, 1000)
        for ext in ("data-00000-of-00001", "index", "meta"))
    state = (tmp_path / "checkpoint").read_text()
    assert state == (f'model_checkpoint_path: "{second}"\n'
                     f'all_model_checkpoint_paths: "{first}"\n'
                     f'all_model_checkpoint_paths: "{second}"\n')
    assert train.latest_checkpoint(str(tmp_path)) == second
    assert train.get_checkpoint_state(str(tmp_path)).all_model_checkpoint_paths == [first, second]
    assert train.latest_checkpoint(str(tmp_path / "elsewhere")) is None


def test_file_format_is_json_index_and_raw_little_endian_data(tmp_path):
    v = tf.Variable(np.array([[1.0, -2.0], [3.5, 4.25]], np.float64), name="scope/v")
    n = tf.Variable(np.array([7, 8, 9], np.int32), name="n")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        prefix = train.Saver([v, n]).save(sess, str(tmp_path / "ckpt"), write_meta_graph=False)
    index = json.loads((tmp_path / "ckpt.index").read_text())
    assert index["format"] == "tenseur-checkpoint"
    data = (tmp_path / "ckpt.data-00000-of-00001").read_bytes()
    entry = index["tensors"]["scope/v"]
    assert entry["dtype"] == "float64" and entry["shape"] == [2, 2]
    raw = data[entry["offset"]:entry["offset"] + entry["nbytes"]]
    np.testing.assert_array_equal(np.frombuffer(raw, "<f8").reshape(2, 2), [[1, -2], [3.5, 4.25]])
    assert train.list_variables(prefix) == [("n", [3]), ("scope/v", [2, 2])]
    np.testing.assert_array_equal(train.load_variable(str(tmp_path / "ckpt"), "n"), [7, 8, 9])
    assert not os.path.exists(str(tmp_path / "ckpt.meta"))


def test_max_to_keep_deletes_the_oldest(tmp_path):
    v = tf.Variable(1.0, name="v")
    saver = train.Saver(max_to_keep=2)
    with tf.Session() as sess:
        sess.run(v.initializer)
        prefixes = [saver.save(sess, str(tmp_path / "model.ckpt"), global_step=i)
                    for i in range(4)]
    assert saver.last_checkpoints == prefixes[2:]
    assert files_in(tmp_path) == ["checkpoint"] + sorted(
        f"model.ckpt-{n}.{ext}" for n in (2, 3) for ext in ("data-00000-of-00001", "index",
                                                            "meta"))
    assert train.get_checkpoint_state(str(tmp_path)).all_model_checkpoint_paths == prefixes[2:]


def test_max_to_keep_none_keeps_everything(tmp_path):
    v = tf.Variable(1.0, name="v")
    saver = train.Saver(max_to_keep=None)
    with tf.Session() as sess:
        sess.run(v.initializer)
        for i in range(3):
            saver.save(sess, str(tmp_path / "m"), global_step=i, write_meta_graph=False)
    assert all(train.checkpoint_exists(str(tmp_path / f"m-{i}")) for i in range(3))


def test_relative_paths_survive_moving_the_directory(tmp_path):
    v = tf.Variable(2.5, name="v")
    saver = train.Saver(save_relative_paths=True)
    os.makedirs(tmp_path / "a")
    with tf.Session() as sess:
        sess.run(v.initializer)
        saver.save(sess, str(tmp_path / "a" / "model"), global_step=5)
    os.rename(tmp_path / "a", tmp_path / "b")
    assert "model-5" in (tmp_path / "b" / "checkpoint").read_text().splitlines()[0]
    latest = train.latest_checkpoint(str(tmp_path / "b"))
    assert latest == str(tmp_path / "b" / "model-5")
    with tf.Session() as sess:
        saver.restore(sess, latest)
        assert sess.run(v) == 2.5


# -- crash safety --------------------------------------------------------------------------

def _failing_after(monkeypatch, calls_before_failure):
    """Makes the n-th checkpoint write write half its bytes, then fail like a full disk."""
    real = checkpoint_io._write_bytes
    count = {"n": 0}

    def write(f, buffer):
        count["n"] += 1
        if count["n"] > calls_before_failure:
            data = memoryview(buffer).cast("B")
            f.write(data[:len(data) // 2])
            raise OSError(28, "No space left on device")
        real(f, buffer)
    monkeypatch.setattr(checkpoint_io, "_write_bytes", write)


@pytest.mark.parametrize("failing_write", [0, 1, 2])    # data of w, data of b, the index
def test_crash_during_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch, failing_write):
    w = tf.Variable(np.array([1.0, 2.0, 3.0], np.float32), name="w")
    b = tf.Variable(np.float32(0.5), name="b")
    saver = train.Saver(max_to_keep=1)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        good = saver.save(sess, str(tmp_path / "model.ckpt"), global_step=1)
        before = files_in(tmp_path)
        w.load([9.0, 9.0, 9.0], sess)
        _failing_after(monkeypatch, failing_write)
        with pytest.raises(OSError, match="No space left"):
            saver.save(sess, str(tmp_path / "model.ckpt"), global_step=2)
    monkeypatch.undo()
    assert files_in(tmp_path) == before          # no partial file, no temporary left over
    assert train.latest_checkpoint(str(tmp_path)) == good
    with tf.Session() as sess:
        saver.restore(sess, good)
        np.testing.assert_array_equal(sess.run(w), [1.0, 2.0, 3.0])


def test_crash_while_overwriting_the_same_prefix(tmp_path, monkeypatch):
    w = tf.Variable(np.array([1.0, 2.0], np.float32), name="w")
    saver = train.Saver()
    path = str(tmp_path / "model.ckpt")
    with tf.Session() as sess:
        sess.run(w.initializer)
        saver.save(sess, path)
        w.load([5.0, 6.0], sess)
        _failing_after(monkeypatch, 0)
        with pytest.raises(OSError):
            saver.save(sess, path)
    monkeypatch.undo()
    with tf.Session() as sess:
        saver.restore(sess, train.latest_checkpoint(str(tmp_path)))
        np.testing.assert_array_equal(sess.run(w), [1.0, 2.0])


def test_crash_while_writing_the_state_file_deletes_nothing(tmp_path, monkeypatch):
    v = tf.Variable(1.0, name="v")
    saver = train.Saver(max_to_keep=1)
    with tf.Session() as sess:
        sess.run(v.initializer)
        good = saver.save(sess, str(tmp_path / "model.ckpt"), global_step=1)

        def fail(*args, **kwargs):
            raise OSError("disk went away")
        monkeypatch.setattr(train.checkpoint_management, "write_file_atomically", fail)
        with pytest.raises(OSError):
            saver.save(sess, str(tmp_path / "model.ckpt"), global_step=2)
    assert train.checkpoint_exists(good)
    assert train.latest_checkpoint(str(tmp_path)) == good


def test_corrupted_data_is_detected(tmp_path):
    v = tf.Variable(np.arange(4, dtype=np.float32), name="v")
    saver = train.Saver()
    with tf.Session() as sess:
        sess.run(v.initializer)
        prefix = saver.save(sess, str(tmp_path / "model.ckpt"))
    data_file = tmp_path / "model.ckpt.data-00000-of-00001"
    raw = bytearray(data_file.read_bytes())
    raw[5] ^= 0xFF
    data_file.write_bytes(bytes(raw))
    with tf.Session() as sess, pytest.raises(train.DataLossError, match="checksum"):
        saver.restore(sess, prefix)


# -- restore errors ------------------------------------------------------------------------

def _save_w(tmp_path, value):
    with tf.Graph().as_default():
        w = tf.Variable(value, name="w")
        with tf.Session() as sess:
            sess.run(w.initializer)
            return train.Saver().save(sess, str(tmp_path / "model.ckpt"))


def test_restore_missing_variable_names_it_and_changes_nothing(tmp_path):
    prefix = _save_w(tmp_path, np.zeros(2, np.float32))
    w = tf.Variable(np.ones(2, np.float32), name="w")
    extra = tf.Variable(np.ones(3, np.float32), name="extra")
    saver = train.Saver([w, extra])
    with tf.Session() as sess:
        with pytest.raises(tf.NotFoundError, match=r"Key extra not found in checkpoint"):
            saver.restore(sess, prefix)
        assert "w" not in sess._state.variables     # all or nothing
    assert isinstance(tf.NotFoundError("x"), LookupError)


def test_restore_wrong_shape_gives_both_shapes(tmp_path):
    prefix = _save_w(tmp_path, np.zeros(2, np.float32))
    tf.Variable(np.ones(3, np.float32), name="w")
    with tf.Session() as sess, pytest.raises(tf.InvalidArgumentError,
                                             match=r"w.*shape \(3,\).*shape \(2,\)"):
        train.Saver().restore(sess, prefix)


def test_restore_wrong_dtype(tmp_path):
    prefix = _save_w(tmp_path, np.zeros(2, np.float64))
    tf.Variable(np.ones(2, np.float32), name="w")
    with tf.Session() as sess, pytest.raises(tf.InvalidArgumentError,
                                             match=r"dtype float32.*holds float64"):
        train.Saver().restore(sess, prefix)


def test_restore_from_a_path_that_is_not_a_checkpoint(tmp_path):
    w = tf.Variable(1.0, name="w")
    with tf.Session() as sess, pytest.raises(ValueError, match="not a valid checkpoint"):
        train.Saver([w]).restore(sess, str(tmp_path / "nothing"))


def test_var_list_dict_renames(tmp_path):
    with tf.Graph().as_default():
        old = tf.Variable(np.array([4.0, 5.0], np.float32), name="old_name")
        with tf.Session() as sess:
            sess.run(old.initializer)
            prefix = train.Saver({"shared": old}).save(sess, str(tmp_path / "m"))
    new = tf.Variable(np.zeros(2, np.float32), name="new_name")
    with tf.Session() as sess:
        train.Saver({"shared": new}).restore(sess, prefix)
        np.testing.assert_array_equal(sess.run(new), [4.0, 5.0])


# -- save errors ---------------------------------------------------------------------------

def test_no_variables_to_save():
    with pytest.raises(ValueError, match="No variables to save"):
        train.Saver()
    assert train.Saver(allow_empty=True).save(None, "unused") is None


def test_save_uninitialized_variable(tmp_path):
    tf.Variable(1.0, name="w")
    saver = train.Saver()
    with tf.Session() as sess, pytest.raises(tf.FailedPreconditionError,
                                             match="uninitialized value w"):
        saver.save(sess, str(tmp_path / "m"))
    assert files_in(tmp_path) == []


def test_save_into_a_missing_directory(tmp_path):
    w = tf.Variable(1.0, name="w")
    with tf.Session() as sess:
        sess.run(w.initializer)
        with pytest.raises(ValueError, match="Parent directory of .* doesn't exist"):
            train.Saver().save(sess, str(tmp_path / "missing" / "model.ckpt"))
