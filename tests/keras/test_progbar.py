"""Keras' progress output: `keras.utils.Progbar` and what fit/evaluate/predict print for
verbose=1, 2 and 0 (tf.keras 2.x's format, see shared/reference/keras-progress-output.md)."""
import re
import sys

import numpy as np
import pytest

import tenseur as tf
from tenseur import keras
from tenseur.keras.layers import Dense
from tenseur.keras.utils import Progbar

TIME = r"\d+(?:s|ms|us)"
NUMBER = r"-?\d+\.\d{4}(?:e[+-]\d\d)?"


def test_finished_line_in_a_file_or_pipe(capsys):
    bar = Progbar(target=10)
    for step in range(1, 11):
        bar.update(step, [("loss", 0.5 / step), ("accuracy", 0.9)])
    out = capsys.readouterr().out
    assert "\r" not in out and "\b" not in out and out.count("\n") == 1
    assert re.fullmatch(rf"10/10 \[={{30}}\] - \d+s {TIME}/step - loss: {NUMBER} - "
                        rf"accuracy: 0\.9000\n", out), out


def test_live_bar_on_a_terminal_redraws_with_backspaces_and_eta(capsys):
    bar = Progbar(target=3, interval=0.0, dynamic=True)
    bar.update(1, [("loss", 1.0)])
    bar.update(2, [("loss", 1.0)])
    bar.update(3, [("loss", 1.0)])
    out = capsys.readouterr().out
    draws = out.split("\r")
    assert draws[0] == "" and len(draws) == 4
    visible = [draw.rstrip("\b") for draw in draws[1:]]
    # Each redraw first backs over the previous line, then returns to its start.
    assert draws[1] == visible[0] + "\b" * len(visible[0])
    assert re.fullmatch(r"1/3 \[=========>\.{20}\] - ETA: \d+s - loss: 1\.0000", visible[0])
    assert re.fullmatch(r"2/3 \[===================>\.{10}\] - ETA: \d+s - loss: 1\.0000",
                        visible[1])
    assert re.fullmatch(rf"3/3 \[={{30}}\] - \d+s {TIME}/step - loss: 1\.0000\n", draws[3])


def test_redraws_are_throttled(capsys):
    bar = Progbar(target=100, interval=60.0, dynamic=True)
    for step in range(1, 101):
        bar.update(step)
    out = capsys.readouterr().out
    assert out.count("\r") == 2                      # the first update and the final one


def test_value_formatting_and_averaging(capsys):
    bar = Progbar(target=3, verbose=1)
    bar.update(1, [("a", 1.0), ("tiny", 1e-5), ("neg", -0.5)])
    bar.update(3, [("a", 4.0), ("tiny", 1e-5), ("neg", -0.5)])
    out = capsys.readouterr().out
    # Values not listed as stateful are averaged over steps: (1 * 1 + 4 * 2) / 3.
    assert " - a: 3.0000 - tiny: 1.0000e-05 - neg: -0.5000\n" in out
    bar = Progbar(target=2, verbose=2, stateful_metrics=["a"])
    bar.update(1, [("a", 1.0), ("neg", -0.5)])
    bar.update(2, [("a", 2.0), ("neg", -0.5)])
    out = capsys.readouterr().out
    # verbose=2 compares without abs(), as tf.keras 2.x does.
    assert re.fullmatch(rf"2/2 - \d+s - a: 2\.0000 - neg: -5\.0000e-01 - {TIME}/epoch - "
                        rf"{TIME}/step\n", out), out


def test_unknown_target(capsys):
    bar = Progbar(target=None, dynamic=True, interval=0.0)
    bar.update(5, [("loss", 2.0)])
    assert "      5/Unknown - " in capsys.readouterr().out


def fitted_model():
    tf.set_random_seed(0)
    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, Dense(1, activation="sigmoid")(inputs))
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3)).astype(np.float32)
    return model, x, (x[:, 0] > 0).astype(np.float32)


def test_fit_verbose_1_prints_epoch_headers_and_bars(capsys):
    model, x, y = fitted_model()
    model.fit(x, y, batch_size=10, epochs=2, validation_split=0.25, verbose=1)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and len(lines) == 4
    pattern = (rf"3/3 \[={{30}}\] - \d+s {TIME}/step - loss: {NUMBER} - accuracy: {NUMBER} - "
               rf"val_loss: {NUMBER} - val_accuracy: {NUMBER}")
    assert re.fullmatch(pattern, lines[1]), lines[1]
    assert re.fullmatch(pattern, lines[3]), lines[3]


def test_fit_verbose_1_on_a_terminal_shows_the_eta(capsys, monkeypatch):
    model, x, y = fitted_model()
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    model.fit(x, y, batch_size=10, epochs=1, verbose=1)
    out = capsys.readouterr().out
    assert not out.startswith("Epoch")                    # no header for a single epoch
    assert re.search(r"\r1/4 \[======>\.{23}\] - ETA: \d+s - loss: ", out), out
    assert "\b" in out and out.endswith("\n")
    last = out.split("\r")[-1]
    assert re.fullmatch(rf"4/4 \[={{30}}\] - \d+s {TIME}/step - loss: {NUMBER} - "
                        rf"accuracy: {NUMBER} *\n", last), last


def test_fit_verbose_2_prints_one_line_per_epoch(capsys):
    model, x, y = fitted_model()
    model.fit(x, y, batch_size=10, epochs=2, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2" and len(lines) == 4
    assert re.fullmatch(rf"4/4 - \d+s - loss: {NUMBER} - accuracy: {NUMBER} - {TIME}/epoch - "
                        rf"{TIME}/step", lines[1]), lines[1]


def test_verbose_0_prints_nothing(capsys):
    model, x, y = fitted_model()
    model.fit(x, y, epochs=2, validation_split=0.5, verbose=0)
    model.evaluate(x, y, verbose=0)
    model.predict(x)
    assert capsys.readouterr().out == ""


def test_evaluate_and_predict_bars(capsys):
    model, x, y = fitted_model()
    model.evaluate(x, y, batch_size=20, verbose=1)
    assert re.fullmatch(rf"2/2 \[={{30}}\] - \d+s {TIME}/step - loss: {NUMBER} - "
                        rf"accuracy: {NUMBER}\n", capsys.readouterr().out)
    model.predict(x, batch_size=16, verbose=1)
    assert re.fullmatch(rf"3/3 \[={{30}}\] - \d+s {TIME}/step\n", capsys.readouterr().out)


@pytest.mark.parametrize("seconds,expected", [(5, "5s"), (75, "1:15"), (3725, "1:02:05")])
def test_eta_format(seconds, expected):
    from tenseur.keras.utils.progbar import _format_eta
    assert _format_eta(seconds) == expected
