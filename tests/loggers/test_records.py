"""The run's side of the loggers: a third-party logger, a tracker that fails mid-run, a missing extra,
a roll-back, DDP (rank 0 only), recipe files and bench grids."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ganzoo import api
from ganzoo.cli import app
from ganzoo.discovery import build_registry, get_registry
from ganzoo.errors import ConfigError, GanzooWarning
from ganzoo.hookspecs import hookimpl
from ganzoo.loggers import Logger, scalars_of
from ganzoo.loggers import spec as logger_spec
from ganzoo.train.checkpoint import list_checkpoints

sys.path.insert(0, str(Path(__file__).resolve().parent))
from readers import TRACKERS, needs, offline_env, read_tensorboard  # noqa: E402


class MemoryLogger(Logger):
    """A third-party logger that keeps what it receives, across sessions, in ``MemoryLogger.received``;
    it raises on ``log_metrics`` from step ``fail_at`` on (once per session) when set."""

    received: list[tuple[str, int, object]] = []
    fail_at: int | None = None

    def start(self, context):
        self.context = context
        MemoryLogger.received.append(("start", context.logged_through, dict(context.state)))
        return {"id": "memory-run"}

    def log_hyperparams(self, params):
        MemoryLogger.received.append(("config", 0, params["steps"]))

    def log_metrics(self, step, metrics):
        if MemoryLogger.fail_at is not None and step >= MemoryLogger.fail_at:
            MemoryLogger.fail_at = None
            raise OSError(28, "No space left on device")
        MemoryLogger.received.append(("metrics", step, dict(metrics)))

    def log_image(self, step, tag, path):
        MemoryLogger.received.append(("image", step, Path(path).name))

    def flush(self):
        return True

    def rewind(self, step):
        MemoryLogger.received.append(("rewind", step, None))

    def finalize(self, status):
        MemoryLogger.received.append(("finalize", 0, status))


class MemoryPlugin:
    @hookimpl
    def ganzoo_register(self, registry):
        registry.add_logger("memory", MemoryLogger, description="keeps what it receives", requires=("json",), install="pip install x")


@pytest.fixture()
def registry():
    MemoryLogger.received, MemoryLogger.fail_at = [], None
    return build_registry(extra_plugins=[("memory", MemoryPlugin())])


def _of(kind: str) -> list[int]:
    return [step for what, step, _ in MemoryLogger.received if what == kind]


def test_scalars_are_the_numbers_of_a_record_and_of_its_tables():
    record = {"step": 4, "loss_d": 1.5, "ada_p": 0.25, "eval": {"fid": 80.0, "classes_covered": 9, "class_histogram": [1, 2]},
              "eval_protocol": {"n_fake": 100}, "event": "rollback", "flag": True, "nan": float("nan")}  # fmt: skip
    assert scalars_of(record) == {"loss_d": 1.5, "ada_p": 0.25, "eval/fid": 80.0, "eval/classes_covered": 9.0}


def test_a_third_party_logger_gets_every_record_grid_and_the_config(registry, tiny, tmp_path):
    run = tmp_path / "run"
    api.train("vanilla", data="mnist", out=run, logger=["memory"], registry=registry, **tiny)
    assert MemoryLogger.received[0] == ("start", 0, {}) and MemoryLogger.received[1] == ("config", 0, 6)
    assert _of("metrics") == [2, 4, 6] and _of("image") == [3, 6] and MemoryLogger.received[-1] == ("finalize", 0, "finished")
    logged = [m for what, _, m in MemoryLogger.received if what == "metrics"]
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert logged == [scalars_of(r) for r in records]
    assert json.loads((run / "trackers" / "state.json").read_text())["memory"] == {"state": {"id": "memory-run"}, "logged_through": 6}


def test_a_failing_tracker_warns_once_training_goes_on_and_a_resume_sends_what_it_missed(registry, tiny, tmp_path):
    run = tmp_path / "run"
    MemoryLogger.fail_at = 4
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        api.train("vanilla", data="mnist", out=run, logger=["memory"], registry=registry, **{**tiny, "steps": 9})
    failures = [w for w in caught if issubclass(w.category, GanzooWarning) and "memory logger failed" in str(w.message)]
    assert len(failures) == 1 and "No space left on device" in str(failures[0].message)
    assert list_checkpoints(run)[-1].step == 9  # training and checkpoints went on
    assert [json.loads(line)["step"] for line in (run / "metrics.jsonl").read_text().splitlines()] == [2, 4, 6, 8, 9]
    assert _of("metrics") == [2] and not _of("finalize")  # left out after its failure
    assert json.loads((run / "trackers" / "state.json").read_text())["memory"]["logged_through"] == 3  # its last flush

    MemoryLogger.received = []
    api.train("vanilla", data="mnist", out=run, resume=True, steps=12, registry=registry)
    assert MemoryLogger.received[0] == ("start", 3, {"id": "memory-run"})
    assert _of("metrics") == [4, 6, 8, 9, 10, 12] and _of("image") == [6, 9, 12]  # what it missed, then the rest


def test_a_roll_back_rewinds_the_loggers(registry, tiny, tmp_path, monkeypatch):
    from ganzoo.train.step import GanStep

    run = tmp_path / "run"
    config = api.configure("vanilla", data="mnist", logger=["memory"], on_nan="rollback", registry=registry, **tiny)
    trainer = api.prepare(config, out=run, registry=registry)
    original, calls = GanStep.step, {"n": 0}

    def diverging(self):
        stats = original(self)
        calls["n"] += 1
        if calls["n"] == 5:  # step 5: a NaN loss, after the checkpoint of step 3
            stats["loss_d"] = stats["loss_d"] * float("nan")
        return stats

    monkeypatch.setattr(GanStep, "step", diverging)
    trainer.fit()
    assert ("rewind", 3, None) in MemoryLogger.received
    assert _of("metrics") == [2, 4, 3, 4, 6]  # step 4 again after the rewind; the roll-back record at step 3 too


def test_a_missing_extra_is_refused_with_its_install_command_before_training(tmp_path, monkeypatch, data_root):
    monkeypatch.setattr(logger_spec, "find_spec", lambda name: None if name == "wandb" else object())
    run = tmp_path / "run"
    result = CliRunner().invoke(app, ["train", "vanilla", "--data", "mnist", "--out", str(run), "--logger", "wandb", "--steps", "2"])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) <= 3 and lines[0].startswith("error: --logger wandb needs 'wandb'")
    assert "pip install 'ganzoo[wandb]'" in result.output.replace("\n", " ")
    assert not run.exists()  # before anything ran
    with pytest.raises(ConfigError, match=r"pip install 'ganzoo\[wandb\]'"):
        api.configure("vanilla", data="mnist", logger=["wandb"])


def test_an_unknown_logger_lists_the_known_ones(data_root):
    result = CliRunner().invoke(app, ["train", "vanilla", "--data", "mnist", "--logger", "tensorbord", "--dry-run"])
    assert result.exit_code == 2 and "Did you mean 'tensorboard'" in result.output and "mlflow" in result.output


def test_loggers_are_listed_with_their_install_state():
    result = CliRunner().invoke(app, ["list", "loggers"], terminal_width=200)
    assert result.exit_code == 0
    for name in ("tensorboard", "wandb", "mlflow"):
        assert name in result.output
    assert {row["name"] for row in api.list_entries("loggers")} >= {"tensorboard", "wandb", "mlflow"}
    assert get_registry().logger("mlflow").install == "pip install 'ganzoo[mlflow]'"


@needs(*TRACKERS)
def test_a_recipe_file_and_the_cli_flag_choose_loggers(tmp_path, data_root):
    recipe = tmp_path / "tracked.toml"
    recipe.write_text('base = "vanilla"\nlogger = ["tensorboard"]\n')
    config = api.configure(str(recipe), data="mnist")
    assert config.logger == ("tensorboard",)
    result = CliRunner().invoke(app, ["train", "vanilla", "--data", "mnist", "--logger", "tensorboard,mlflow", "--logger", "wandb", "--dry-run"])
    assert result.exit_code == 0 and json.loads(result.output)["logger"] == ["tensorboard", "mlflow", "wandb"]


@pytest.mark.slow
@needs("tensorboard")
def test_under_ddp_only_rank_0_logs(tmp_path, data_root):
    run = tmp_path / "ddp"
    ganzoo = ["-m", "ganzoo", "train", "vanilla", "--data", "mnist", "--out", str(run), "--steps", "4", "--batch-size", "16",
              "--log-every", "2", "--sample-every", "2", "--checkpoint-every", "2", "--logger", "tensorboard", "-q"]  # fmt: skip
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2", *ganzoo]
    done = subprocess.run(command, capture_output=True, text=True, env={**offline_env(), "OMP_NUM_THREADS": "1"}, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(list((run / "trackers" / "tensorboard").glob("events.out.tfevents.*"))) == 1  # one writer
    back = read_tensorboard(run)
    assert back.steps("loss_d") == [2, 4] and back.images == [2, 4] and not back.duplicated()


@needs("mlflow")
def test_the_cells_of_a_bench_grid_share_an_mlflow_experiment_and_a_store(tmp_path, data_root, monkeypatch):
    from readers import OFFLINE_ENV, UNSET_ENV

    for key in UNSET_ENV:
        monkeypatch.delenv(key, raising=False)
    for key, value in OFFLINE_ENV.items():
        monkeypatch.setenv(key, value)
    out = tmp_path / "grid"
    args = ["bench", "--recipes", "vanilla", "--data", "mnist", "--seeds", "2", "--steps", "2", "--eval-n", "40", "--metrics", "fid",
            "--out", str(out), "--logger", "mlflow", "-q"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    from mlflow.tracking import MlflowClient

    client = MlflowClient(f"sqlite:///{out.resolve() / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("grid")
    runs = client.search_runs([experiment.experiment_id])
    assert sorted(r.info.run_name for r in runs) == ["vanilla--mnist--seed0", "vanilla--mnist--seed1"]
    assert all(r.data.tags["ganzoo.group"] == "grid" and r.info.status == "FINISHED" for r in runs)


def test_the_conformance_kit_checks_loggers(registry):
    from ganzoo.testing import check_logger, conformance_cases

    assert ("logger", "tensorboard") in conformance_cases("ganzoo")
    for name in ("tensorboard", "wandb", "mlflow", "memory"):
        assert all(r.ok for r in check_logger(name, registry)), name

    class NoInstall:
        @hookimpl
        def ganzoo_register(self, registry):
            registry.add_logger("bare", lambda: object(), requires=("aim",))

    results = check_logger("bare", build_registry(extra_plugins=[("bare", NoInstall())]))
    assert [r.ok for r in results] == [False, False]
    assert "no command" in results[0].detail and "without start" in results[1].detail
