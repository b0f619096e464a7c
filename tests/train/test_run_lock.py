"""One writer per run: a second writer is refused naming the holder; a SIGKILL frees the lock; readers keep working."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from ganzoo.base.layout import LOCK_FILE
from ganzoo.cli import app
from ganzoo.errors import RunLockedError
from ganzoo.train.checkpoint import list_checkpoints
from ganzoo.train.run_lock import RunLock, hold_run_lock, lock_holder

ARGS = ["--batch-size", "16", "--log-every", "5", "--sample-every", "1000", "--checkpoint-every", "10", "-q"]
ENV = {**os.environ, "GANZOO_OFFLINE": "1", "OMP_NUM_THREADS": "1"}


def _ganzoo(*args: str) -> list[str]:
    return [sys.executable, "-m", "ganzoo", *args]


def _train(out, *extra):
    return _ganzoo("train", "vanilla", "--data", "mnist", "--out", str(out), *ARGS, *extra)


def _run(command):
    return subprocess.run(command, capture_output=True, text=True, env=ENV, timeout=300)


def _wait_for_checkpoint(run, process, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if list_checkpoints(run):
            return
        time.sleep(0.05)
    detail = process.stderr.read() if process.poll() is not None else "still running"
    raise AssertionError(f"no checkpoint appeared: {detail}")


def test_a_second_lock_is_refused_naming_the_holder_and_release_frees_it(tmp_path):
    run = tmp_path / "new-run"
    first = RunLock(run).acquire()
    assert first.held and (run / LOCK_FILE).is_file()
    assert lock_holder(run)["pid"] == os.getpid()
    with pytest.raises(RunLockedError, match=f"process {os.getpid()} on host .* continue with --resume"):
        RunLock(run).acquire()  # flock conflicts between two open files, even in one process
    first.release()
    assert not first.held and not run.exists()  # the lock made the folder; nothing else was written, so it goes
    with RunLock(run) as second:
        assert second.held
        (run / "kept.txt").write_text("a run's file")
    assert not (run / LOCK_FILE).exists() and (run / "kept.txt").is_file()


def test_only_rank_0_holds_the_lock_under_torchrun(tmp_path, monkeypatch):
    monkeypatch.setenv("RANK", "1")
    assert not hold_run_lock(tmp_path / "run").held
    monkeypatch.setenv("RANK", "0")
    lock = hold_run_lock(tmp_path / "run")
    assert lock.held
    lock.release()


@pytest.mark.slow
def test_concurrent_writers_reader_and_sigkill(tmp_path):
    run = tmp_path / "run"
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    first = subprocess.Popen(_train(run, "--steps", "100000"), text=True, env=ENV, **pipes)
    try:
        _wait_for_checkpoint(run, first)
        for second in (_train(run, "--steps", "100000", "--resume"), _train(run, "--steps", "10", "--overwrite")):
            refused = _run(second)
            assert refused.returncode == 2, refused.stdout + refused.stderr
            assert "Traceback" not in refused.stderr
            assert f"is being written by process {first.pid} on host" in refused.stderr
            assert "ganzoo train vanilla --data mnist" in refused.stderr  # the holder's command
            assert first.poll() is None  # the first writer is untouched and still training
        assert list_checkpoints(run)  # --overwrite removed nothing

        reader = _run(_ganzoo("sample", str(run), "--out", str(tmp_path / "grid.png")))
        assert reader.returncode == 0, reader.stderr
        assert (tmp_path / "grid.png").is_file()
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=60)
    assert first.returncode == -signal.SIGKILL

    assert (run / LOCK_FILE).exists()  # the file stays after a SIGKILL, but the kernel dropped the lock
    reached = list_checkpoints(run)[-1].step
    resumed = _run(_train(run, "--steps", str(reached + 2), "--resume"))
    assert resumed.returncode == 0, resumed.stderr
    assert list_checkpoints(run)[-1].step == reached + 2
    assert not (run / LOCK_FILE).exists()


def test_a_bench_cell_being_written_is_refused(tmp_path):
    out = tmp_path / "grid"
    with RunLock(out / "vanilla--mnist--seed0"):
        grid = ["--recipes", "vanilla", "--data", "mnist", "--steps", "2", "--eval-n", "20", "--metrics", "fid"]
        result = CliRunner().invoke(app, ["bench", *grid, "--out", str(out), "-q"])
    assert result.exit_code == 2, result.output
    assert f"is being written by process {os.getpid()}" in result.output
    assert not (out / "vanilla--mnist--seed0" / "result.json").exists()  # not recorded as a failed cell
