"""FileWriter and its event file: name, header, background writing, nothing lost at close/exit."""
import os
import re
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("tensorboard")

import tenseur as tf  # noqa: E402
from tenseur.summary import event_file_writer, read_records  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def events_of(path):
    event_type = tf.summary.Event
    return [event_type.FromString(data) for data in read_records(path)]


def scalar_summary(tag, value):
    return tf.summary.Summary(value=[tf.summary.Summary.Value(tag=tag, simple_value=value)])


def test_file_is_named_and_headed_like_tensorflow(tmp_path):
    before = int(time.time())
    writer = tf.summary.FileWriter(str(tmp_path / "run"))
    name = os.path.basename(writer.path)
    match = re.fullmatch(r"events\.out\.tfevents\.(\d{10})\.(.+)", name)
    assert match and match.group(2) == socket.gethostname()
    assert before <= int(match.group(1)) <= time.time()
    assert os.listdir(tmp_path / "run") == [name]          # no temporary file left behind
    (header,) = events_of(writer.path)                     # written before the constructor returns
    assert header.file_version == "brain.Event:2" and header.wall_time > 0
    writer.close()
    assert writer.get_logdir() == str(tmp_path / "run")


def test_filename_suffix_and_two_writers_in_one_second(tmp_path, monkeypatch):
    monkeypatch.setattr(event_file_writer, "event_file_name",
                        lambda suffix="", when=None: "events.out.tfevents.0000000001.host")
    first = tf.summary.FileWriter(str(tmp_path), filename_suffix=".v2")
    second = tf.summary.FileWriter(str(tmp_path), filename_suffix=".v2")
    first.close()
    second.close()
    assert sorted(os.listdir(tmp_path)) == ["events.out.tfevents.0000000001.host.1.v2",
                                            "events.out.tfevents.0000000001.host.v2"]


def test_events_are_written_by_the_background_thread(tmp_path):
    writer = tf.summary.FileWriter(str(tmp_path), flush_secs=1e6)
    header_size = os.path.getsize(writer.path)
    writer.add_summary(scalar_summary("x", 1.5), global_step=7)
    time.sleep(0.05)
    assert os.path.getsize(writer.path) == header_size     # queued, not yet written
    assert any(t.name.startswith("tenseur-event-writer") for t in threading.enumerate())
    writer.flush()
    event = events_of(writer.path)[1]
    value = event.summary.value[0]
    assert (event.step, value.tag, value.simple_value) == (7, "x", 1.5)
    writer.close()


def test_flush_secs_writes_without_being_asked(tmp_path):
    writer = tf.summary.FileWriter(str(tmp_path), flush_secs=0.1)
    writer.add_summary(scalar_summary("x", 1.0), 1)
    deadline = time.monotonic() + 10
    while len(events_of(writer.path)) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(events_of(writer.path)) == 2
    writer.close()


def test_close_loses_no_queued_event(tmp_path, load_run):
    writer = tf.summary.FileWriter(str(tmp_path), max_queue=10, flush_secs=1e6)
    for step in range(1000):
        writer.add_summary(scalar_summary("loss", step / 1000), global_step=step)
    writer.close()
    scalars = load_run(tmp_path).Scalars("loss")
    assert [s.step for s in scalars] == list(range(1000))
    assert scalars[999].value == pytest.approx(0.999)


def test_events_reach_the_file_when_the_program_exits_without_close(tmp_path, load_run):
    script = textwrap.dedent(f"""
        import tenseur as tf
        writer = tf.summary.FileWriter({str(tmp_path)!r}, flush_secs=1e6)
        for step in range(300):
            writer.add_summary(tf.summary.Summary(value=[
                tf.summary.Summary.Value(tag="acc", simple_value=step)]), step)
        del writer          # even unreferenced, its queue is written at exit
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    subprocess.run([sys.executable, "-c", script], check=True, env=env, timeout=60)
    assert [s.value for s in load_run(tmp_path).Scalars("acc")] == list(range(300))


def test_add_summary_takes_bytes_or_proto_and_keeps_metadata_once(tmp_path):
    summary = tf.summary.Summary()
    value = summary.value.add(tag="t", simple_value=1.0)
    value.metadata.plugin_data.plugin_name = "scalars"
    writer = tf.summary.FileWriter(str(tmp_path))
    writer.add_summary(summary, 1)
    writer.add_summary(summary.SerializeToString(), 2)
    writer.close()
    first, second = [e.summary.value[0] for e in events_of(writer.path)[1:]]
    assert first.metadata.plugin_data.plugin_name == "scalars"
    assert not second.HasField("metadata") and second.simple_value == 1.0
    assert summary.value[0].HasField("metadata")           # the caller's proto is untouched
    with pytest.raises(TypeError, match="serialized Summary bytes"):
        writer.add_summary(3.0)


def test_add_event_and_session_log_as_given(tmp_path):
    writer = tf.summary.FileWriter(str(tmp_path))
    writer.add_event(tf.summary.Event(wall_time=12.0, step=3, file_version="custom"))
    writer.add_session_log(tf.summary.SessionLog(status=tf.summary.SessionLog.START), 4)
    writer.close()
    custom, log = events_of(writer.path)[1:]
    assert (custom.wall_time, custom.step, custom.file_version) == (12.0, 3, "custom")
    assert log.session_log.status == tf.summary.SessionLog.START and log.step == 4


def test_after_close_events_are_dropped_with_a_warning_until_reopen(tmp_path):
    writer = tf.summary.FileWriter(str(tmp_path))
    writer.close()
    with pytest.warns(UserWarning, match="closed.*reopen"):
        writer.add_summary(scalar_summary("x", 1.0), 1)
    assert len(events_of(writer.path)) == 1
    old_path = writer.path
    writer.reopen()
    writer.add_summary(scalar_summary("x", 2.0), 2)
    writer.close()
    writer.close()                                          # closing twice is harmless
    assert writer.path != old_path and len(events_of(writer.path)) == 2


def test_a_failing_write_is_reported_to_the_caller(tmp_path, monkeypatch):
    writer = tf.summary.FileWriter(str(tmp_path))

    def disk_full(records):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(writer._event_writer, "_write", disk_full)
    writer.add_summary(scalar_summary("x", 1.0), 1)
    with pytest.raises(OSError, match="writer thread.*No space left"):
        writer.flush()
    with pytest.raises(OSError, match="No space left"):
        writer.close()


def test_bad_arguments_are_rejected(tmp_path):
    with pytest.raises(ValueError, match="max_queue"):
        tf.summary.FileWriter(str(tmp_path), max_queue=0)
    with pytest.raises(ValueError, match="flush_secs"):
        tf.summary.FileWriter(str(tmp_path), flush_secs=0)
    with pytest.raises(TypeError, match="pass sess.graph"):
        with tf.Session() as sess:
            tf.summary.FileWriter(str(tmp_path), sess)
    assert os.listdir(tmp_path) == []
