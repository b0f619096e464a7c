"""Progress for logs: plain lines when stderr is not a terminal, for training and for step-less work."""

from __future__ import annotations

import io
import time

from rich.console import Console

from ganzoo.train.progress import Heartbeat, TrainingProgress, progress_interval


def _console() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=False, width=300), buffer


def test_not_a_terminal_gives_plain_lines_at_the_first_log_and_then_every_n_seconds():
    console, buffer = _console()
    with TrainingProgress(total=100, console=console, every_s=0.05) as progress:
        assert progress.plain
        progress.advance()
        assert buffer.getvalue() == ""  # nothing before the first logged step
        progress.show({"step": 1, "loss_d": 0.5, "loss_g": 1.25, "images_per_s": 1234.0})
        first = buffer.getvalue()
        assert first.startswith("train step 1/100 (1%)") and "eta" in first
        assert "loss_d 0.500  loss_g 1.250  1234 images/s" in first
        progress.advance()  # too soon for another line
        assert buffer.getvalue() == first
        time.sleep(0.06)
        progress.advance()
    lines = buffer.getvalue().splitlines()
    assert len(lines) == 2 and lines[1].startswith("train step 3/100 (3%)")
    assert "\x1b" not in buffer.getvalue()  # plain text: no terminal escapes in a log


def test_a_terminal_keeps_the_rich_bar():
    console = Console(file=io.StringIO(), force_terminal=True)
    assert not TrainingProgress(total=10, console=console).plain


def test_heartbeat_prints_while_a_stepless_task_runs():
    console, buffer = _console()
    with Heartbeat("evaluating runs/x on 100 samples", console=console, every_s=0.05):
        time.sleep(0.2)
    lines = buffer.getvalue().splitlines()
    assert lines[0] == "evaluating runs/x on 100 samples ..."
    assert len(lines) >= 3 and lines[1].startswith("evaluating runs/x on 100 samples: 0:00:00 elapsed")


def test_the_interval_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("GANZOO_PROGRESS_SECONDS", "2.5")
    assert progress_interval() == 2.5
    monkeypatch.setenv("GANZOO_PROGRESS_SECONDS", "soon")
    assert progress_interval() == 30.0
