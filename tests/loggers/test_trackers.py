"""Each built-in tracker receives what metrics.jsonl records, the sample grids and the configuration,
read back with the tracker's own reader; a resume, and a SIGKILL then a resume, leave one point per step."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from readers import OFFLINE_ENV, READERS, TRACKERS, UNSET_ENV, each_tracker, needs, offline_env, state  # noqa: E402

from ganzoo import api  # noqa: E402
from ganzoo.train.checkpoint import list_checkpoints  # noqa: E402


@pytest.fixture()
def offline(monkeypatch):
    """W&B offline and MLflow on a SQLite file beside the run, for in-process training."""
    for key in UNSET_ENV:
        monkeypatch.delenv(key, raising=False)
    for key, value in OFFLINE_ENV.items():
        monkeypatch.setenv(key, value)


def _records(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines() if line.strip()]


def _steps_with(run: Path, key: str) -> list[int]:
    return [r["step"] for r in _records(run) if key in r]


@pytest.mark.parametrize("tracker", each_tracker())
def test_a_run_reaches_the_tracker_with_scalars_grids_config_and_evaluations(tracker, tiny, tmp_path, offline):
    run = tmp_path / "run"
    options = {**tiny, "eval_every": 3, "eval_n": 100, "eval_metrics": "fid"}
    api.train("vanilla", data="mnist", out=run, logger=[tracker], **options)
    back = READERS[tracker](run)
    assert back.steps("loss_d") == back.steps("loss_g") == _steps_with(run, "loss_d") == [2, 4, 6]
    assert back.steps("images_per_s") == [2, 4, 6] and back.steps("d_real") == [2, 4, 6]  # every scalar of a record
    assert back.steps("eval/fid") == back.steps("eval/classes_covered") == _steps_with(run, "eval") == [3, 6]
    assert "eval_protocol/n_fake" not in back.scalars  # the protocol is not a metric
    assert back.images == [3, 6]
    assert str(back.config["lr_g"]) == "0.0002" and str(back.config["steps"]) == "6"
    assert not back.duplicated()
    assert state(run)[tracker]["logged_through"] == 6


@needs(*TRACKERS)
def test_a_resumed_run_continues_the_same_tracker_runs(tiny, tmp_path, offline):
    run = tmp_path / "run"
    api.train("vanilla", data="mnist", out=run, logger=list(TRACKERS), **tiny)
    first = {name: dict(saved["state"]) for name, saved in state(run).items()}
    api.train("vanilla", data="mnist", out=run, resume=True, steps=10)  # the loggers come from the run's config
    assert {name: saved["state"] for name, saved in state(run).items()} == first  # same W&B id, same MLflow run
    for tracker in TRACKERS:
        back = READERS[tracker](run)
        assert back.steps("loss_d") == [2, 4, 6, 8, 10], tracker
        assert back.images == [3, 6, 9, 10], tracker
        assert not back.duplicated(), tracker


@needs("tensorboard")
def test_a_logger_added_on_resume_gets_the_run_from_the_start(tiny, tmp_path, offline):
    run = tmp_path / "run"
    api.train("vanilla", data="mnist", out=run, **tiny)
    api.train("vanilla", data="mnist", out=run, resume=True, steps=8, logger=["tensorboard"])
    back = READERS["tensorboard"](run)
    assert back.steps("loss_d") == [2, 4, 6, 8] and back.images == [3, 6, 8]


# -- a SIGKILL after a checkpoint, then --resume ------------------------------------------------
ARGS = ["--batch-size", "16", "--log-every", "1", "--sample-every", "5", "--checkpoint-every", "10", "--keep", "2", "-q"]


def _train(run: Path, tracker: str, steps: int, *extra: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "ganzoo", "train", "vanilla", "--data", "mnist", "--out", str(run), "--steps", str(steps),
               "--logger", tracker, *ARGS, *extra]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=offline_env())


def _kill_after_a_checkpoint(run: Path, process: subprocess.Popen, timeout: float = 240) -> int:
    """SIGKILL once a checkpoint is written and 3 more steps are logged (their points reached the tracker);
    returns the checkpoint's step."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        found = list_checkpoints(run)
        if found and (run / "metrics.jsonl").exists():
            last = max((r["step"] for r in _records(run)), default=0)
            if last >= found[-1].step + 3:
                process.send_signal(signal.SIGKILL)
                break
        time.sleep(0.01)
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, process.stderr.read()
    return list_checkpoints(run)[-1].step


@pytest.mark.parametrize("tracker", each_tracker())
def test_a_sigkill_then_resume_leaves_one_point_per_logged_step(tracker, tmp_path, data_root):
    run = tmp_path / "run"
    checkpoint = _kill_after_a_checkpoint(run, _train(run, tracker, 100_000))
    assert max(r["step"] for r in _records(run)) > checkpoint  # points after the checkpoint reached the tracker, then the kill
    final = checkpoint + 7
    resumed = _train(run, tracker, final, "--resume")
    assert resumed.wait(timeout=300) == 0, resumed.stderr.read()
    assert "warning" not in resumed.stderr.read()
    back = READERS[tracker](run)
    logged = list(range(1, final + 1))
    assert _steps_with(run, "loss_d") == logged
    assert back.steps("loss_d") == back.steps("loss_g") == logged  # each step once: none twice, none lost
    assert back.images == sorted({*range(5, final + 1, 5), final})
    assert not back.duplicated()
