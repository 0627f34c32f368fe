"""`Progbar`: the progress bar Keras prints during `fit`, `evaluate` and `predict`.

The layout is tf.keras 2.x's (`keras/utils/generic_utils.py` at v2.15), the one the course's
screenshots show:

    Epoch 3/25
    430/430 [==============================] - 12s 28ms/step - loss: 0.0712 - accuracy: 0.9781

While the epoch runs, the line shows `- ETA: 3s` instead of the elapsed time. On a terminal
(or in a notebook) the line is redrawn in place with backspaces and a carriage return, at most
every `interval` seconds; when the output goes to a file or a pipe only finished lines are
written, so logs stay one line per epoch. `verbose=2` writes one line when the target is
reached: `430/430 - 12s - loss: 0.0712 - accuracy: 0.9781 - 12s/epoch - 28ms/step`.
"""
from __future__ import annotations

import os
import sys
import time

import numpy as np


class Progbar:
    """Displays a progress bar.

    Args:
        target: total number of steps expected, None if unknown.
        width: progress bar width on screen (tf.keras 2.x: 30 characters).
        verbose: 1 for the live bar, 2 for one line at the end, 0 for silence.
        interval: minimum delay in seconds between two redraws.
        stateful_metrics: names of values shown as given rather than averaged over steps
            (the running means Keras' training loop already computes).
        unit_name: the unit of `target`, shown in the time per unit ("step" or "sample").
        dynamic: redraw the line in place; default: when stdout is a terminal or a notebook.

    Example:
        >>> bar = Progbar(target=100)
        >>> for step in range(1, 101):
        ...     bar.update(step, values=[("loss", 0.1)])
    """

    def __init__(self, target, width=30, verbose=1, interval=0.05, stateful_metrics=None,
                 unit_name="step", dynamic=None):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        if stateful_metrics is None or isinstance(stateful_metrics, (list, tuple, set,
                                                                     frozenset)):
            self.stateful_metrics = set(stateful_metrics or ())
        else:
            self.stateful_metrics = stateful_metrics     # any container (`in` is enough)
        if dynamic is None:
            stdout = sys.stdout
            dynamic = ((hasattr(stdout, "isatty") and stdout.isatty())
                       or "ipykernel" in sys.modules or "PYCHARM_HOSTED" in os.environ)
        self._dynamic_display = dynamic
        self._total_width = 0
        self._seen_so_far = 0
        self._values: dict = {}
        self._values_order: list = []
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first_step = None
        self._time_at_epoch_start = self._start
        self._time_at_epoch_end = None

    def update(self, current, values=None, finalize=None):
        """Updates the bar.

        Args:
            current: index of the current step (1-based count of steps done).
            values: list of (name, value) pairs; values of names not in `stateful_metrics`
                are averaged over the steps.
            finalize: whether this is the last update (default: `current >= target`).
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or []:
            if name not in self._values_order:
                self._values_order.append(name)
            if name in self.stateful_metrics:
                self._values[name] = [value, 1]
            else:
                # When the target is unknown the last batch and the epoch end may both report
                # the same `current`: count at least one step so the mean stays defined.
                base = max(current - self._seen_so_far, 1)
                total = self._values.setdefault(name, [0.0, 0])
                total[0] += value * base
                total[1] += base
        self._seen_so_far = current

        now = time.time()
        if self.target is not None and current >= self.target:
            self._time_at_epoch_end = now
        if self.verbose == 1:
            self._update_live(current, now, finalize)
        elif self.verbose == 2 and finalize:
            self._write_summary(current, now)

    def add(self, n, values=None):
        self.update(self._seen_so_far + n, values)

    # -- verbose=1 -------------------------------------------------------------------------

    def _update_live(self, current, now, finalize):
        if now - self._last_update < self.interval and not finalize:
            return
        if not self._dynamic_display and not finalize:
            # A file or a pipe gets finished lines only (no carriage-return animation).
            self._estimate_step_duration(current, now)
            self._last_update = now
            return
        prev_total_width = self._total_width
        message = ("\b" * prev_total_width + "\r") if self._dynamic_display else ""
        bar = self._bar(current)
        self._total_width = len(bar)
        message += bar
        time_per_unit = self._estimate_step_duration(current, now)
        if self.target is None or finalize:
            info = f" - {now - self._start:.0f}s" + _format_time(time_per_unit, self.unit_name)
        else:
            info = f" - ETA: {_format_eta(time_per_unit * (self.target - current))}"
        info += self._format_values(absolute=True)
        self._total_width += len(info)
        if prev_total_width > self._total_width and self._dynamic_display:
            info += " " * (prev_total_width - self._total_width)
        if finalize:
            info += "\n"
        _write(message + info)
        self._last_update = now

    def _bar(self, current) -> str:
        if self.target is None:
            return f"{int(current):7d}/Unknown"
        digits = int(np.log10(self.target)) + 1 if self.target > 0 else 1
        bar = f"{int(current):>{digits}d}/{self.target} ["
        progress = float(current) / self.target if self.target else 1.0
        filled = int(self.width * progress)
        if filled > 0:
            bar += "=" * (filled - 1)
            bar += ">" if current < self.target else "="
        bar += "." * (self.width - filled)
        return bar + "]"

    # -- verbose=2 -------------------------------------------------------------------------

    def _write_summary(self, current, now):
        target = self.target if self.target is not None else current
        digits = int(np.log10(target)) + 1 if target > 0 else 1
        line = f"{int(current):>{digits}d}/{target}"
        line += f" - {now - self._start:.0f}s"
        line += self._format_values(absolute=False)
        if self._time_at_epoch_end is not None:
            per_epoch = self._time_at_epoch_end - self._time_at_epoch_start
            line += " -" + _format_time(per_epoch, "epoch")
            line += " -" + _format_time(per_epoch / max(target, 1), self.unit_name)
            self._time_at_epoch_start = now
            self._time_at_epoch_end = None
        _write(line + "\n")
        self._last_update = now

    # -- shared ----------------------------------------------------------------------------

    def _format_values(self, absolute: bool) -> str:
        out = ""
        for name in self._values_order:
            total, count = self._values[name]
            value = float(np.mean(total / max(1, count)))
            # tf.keras 2.x: `%.4f` unless the value is tiny; verbose=2 compares without abs.
            big = abs(value) > 1e-3 if absolute else value > 1e-3
            out += f" - {name}: {value:.4f}" if big else f" - {name}: {value:.4e}"
        return out

    def _estimate_step_duration(self, current, now) -> float:
        """Seconds per step, leaving out the first step (it includes one-time setup)."""
        if not current:
            return 0.0
        if self._time_after_first_step is not None and current > 1:
            time_per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            time_per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return time_per_unit


def _format_time(time_per_unit: float, unit_name: str) -> str:
    if time_per_unit >= 1 or time_per_unit == 0:
        return f" {time_per_unit:.0f}s/{unit_name}"
    if time_per_unit >= 1e-3:
        return f" {time_per_unit * 1e3:.0f}ms/{unit_name}"
    return f" {time_per_unit * 1e6:.0f}us/{unit_name}"


def _format_eta(eta: float) -> str:
    if eta > 3600:
        return f"{int(eta // 3600)}:{int(eta % 3600 // 60):02d}:{int(eta % 60):02d}"
    if eta > 60:
        return f"{int(eta // 60)}:{int(eta % 60):02d}"
    return f"{int(eta)}s"


def _write(message: str) -> None:
    sys.stdout.write(message)
    sys.stdout.flush()
