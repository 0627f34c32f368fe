"""`tenseur board`, and the real TensorBoard serving what tenseur wrote (end to end)."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np
import pytest

import tenseur as tf
from tenseur import cli

ROOT = Path(__file__).resolve().parents[2]


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])
    assert exit_info.value.code == 0
    assert "board" in capsys.readouterr().out
    assert cli.main([]) == 0
    assert "start TensorBoard" in capsys.readouterr().out


def test_board_without_tensorboard_says_how_to_install(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli.importlib.util, "find_spec", lambda name: None)
    assert cli.main(["board", str(tmp_path)]) == 1
    assert 'pip install "tenseur[board]"' in capsys.readouterr().err


def test_board_runs_tensorboard_on_loopback(tmp_path, monkeypatch):
    pytest.importorskip("tensorboard")
    commands = []
    monkeypatch.setattr(cli, "_run_forwarding_signals",
                        lambda command: commands.append(command) or 0)
    assert cli.main(["board", str(tmp_path), "--port", "7007", "--", "--reload_interval", "1"]) == 0
    assert commands == [[sys.executable, "-m", "tensorboard.main", "--logdir", str(tmp_path),
                         "--host", "127.0.0.1", "--port", "7007", "--reload_interval", "1"]]


def write_logdir(logdir):
    """Run `tf1`: the seed graph in a scope, scalars and a histogram; run `tf2`: eager scalars."""
    with tf.name_scope("hidden_1"):
        a = tf.placeholder(tf.float32, shape=(), name="a")
        b = tf.placeholder(tf.float32, shape=(), name="b")
        y = tf.sqrt(a + tf.sin(b))
    tf.summary.scalar("loss", y)
    tf.summary.histogram("values", tf.stack([a, b]))
    merged = tf.summary.merge_all()
    with tf.Session() as sess:
        writer = tf.summary.FileWriter(str(logdir / "tf1"), sess.graph)
        for step in range(3):
            writer.add_summary(sess.run(merged, {a: 3.0 + step, b: np.pi / 2}), step)
        writer.close()
    with tf.summary.create_file_writer(str(logdir / "tf2")).as_default():
        for step in range(4):
            tf.summary.scalar("loss", 0.5 * step, step=10 * step)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port, path, **query):
    url = f"http://127.0.0.1:{port}{path}?{urllib.parse.urlencode(query)}"
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


def test_real_tensorboard_serves_what_tenseur_wrote(tmp_path):
    pytest.importorskip("tensorboard")
    write_logdir(tmp_path)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    log = open(tmp_path / "tensorboard.log", "wb")
    server = subprocess.Popen([sys.executable, "-m", "tenseur.cli", "board", str(tmp_path),
                               "--port", str(port), "--", "--reload_interval", "1"],
                              env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        series = {}
        while time.monotonic() < deadline and len(series) < 2:
            assert server.poll() is None, (tmp_path / "tensorboard.log").read_text()[-2000:]
            for run in ("tf1", "tf2"):
                try:
                    data = json.loads(get(port, "/data/plugin/scalars/scalars", run=run,
                                          tag="loss"))
                except (urllib.error.URLError, ConnectionError, ValueError):
                    continue
                if data:
                    series[run] = data
            time.sleep(0.25)
        assert len(series) == 2, "TensorBoard did not serve both runs within 60 s"
        assert [step for _, step, _ in series["tf1"]] == [0, 1, 2]
        np.testing.assert_allclose([v for _, _, v in series["tf1"]], [2.0, np.sqrt(5), np.sqrt(6)],
                                   rtol=1e-6)
        assert [(step, value) for _, step, value in series["tf2"]] == [
            (0, 0.0), (10, 0.5), (20, 1.0), (30, 1.5)]
        graph = get(port, "/data/plugin/graphs/graph", run="tf1", conceptual="false")
        for node in ('name: "hidden_1/a"', 'name: "hidden_1/Sqrt"', 'op: "Sin"',
                     'input: "hidden_1/Sin"', 'op: "ScalarSummary"'):
            assert node in graph
        histograms = json.loads(get(port, "/data/plugin/histograms/histograms", run="tf1",
                                    tag="values"))
        assert [entry[1] for entry in histograms] == [0, 1, 2]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()
