"""The command line end to end through typer's runner, and once as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file
from typer.testing import CliRunner

from ganzoo import __version__
from ganzoo.cli import app

runner = CliRunner()
TINY = ["--steps", "4", "--batch-size", "16", "--log-every", "2", "--sample-every", "2", "--checkpoint-every", "2", "-q"]


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture()
def trained_run(tmp_path):
    run = tmp_path / "run"
    result = invoke("train", "vanilla", "--data", "mnist", "--out", run, *TINY)
    assert result.exit_code == 0, result.output
    return run


def test_version_and_help():
    assert invoke("--version").output.strip() == f"ganzoo {__version__}"
    for command in ("train", "sample", "list", "plugins"):
        result = invoke(command, "--help")
        assert result.exit_code == 0 and "Usage" in result.output


def test_train_writes_a_run_and_resume_continues(trained_run):
    assert (trained_run / "samples" / "step-0000004.png").is_file()
    result = invoke("train", "vanilla", "--data", "mnist", "--out", trained_run, "--resume", *TINY[:-1], "-q", "--steps", "6")
    assert result.exit_code == 0, result.output
    assert "finished at step 6" in result.output
    steps = [json.loads(line)["step"] for line in (trained_run / "metrics.jsonl").read_text().splitlines()]
    assert steps == [2, 4, 6]


def test_sample_png_and_safetensors(trained_run, tmp_path):
    result = invoke("sample", trained_run, "--out", tmp_path / "grid.png", "--n", "16")
    assert result.exit_code == 0, result.output and (tmp_path / "grid.png").is_file()
    result = invoke("sample", trained_run, "--out", tmp_path / "x.safetensors", "--n", "10", "--seed", "3")
    assert result.exit_code == 0, result.output
    tensors = load_file(str(tmp_path / "x.safetensors"))
    assert tensors["images"].dtype == torch.uint8 and tensors["images"].shape == (10, 1, 28, 28)
    assert tensors["labels"].dtype == torch.int64 and tensors["labels"].tolist() == [-1] * 10
    again = invoke("sample", trained_run, "--out", tmp_path / "y.safetensors", "--n", "10", "--seed", "3")
    assert again.exit_code == 0
    assert torch.equal(load_file(str(tmp_path / "y.safetensors"))["images"], tensors["images"])  # seeded


def test_list_filters_by_kind_and_pattern():
    result = invoke("list", "recipes", "van*")
    assert result.exit_code == 0 and "vanilla" in result.output and "mnist" not in result.output
    result = invoke("list", "datasets")
    assert "fashion-mnist" in result.output and "mnist" in result.output
    result = invoke("list", "*mnist*")  # a pattern alone searches every kind: datasets and pretrained generators
    kinds = {line.split("│")[1].strip() for line in result.output.splitlines() if line.startswith("│")} - {""}
    assert kinds == {"dataset", "pretrained"} and "fashion-mnist" in result.output and "cgan-mnist" in result.output


def test_plugins_lists_the_builtins():
    result = invoke("plugins")
    assert result.exit_code == 0 and "vanilla" in result.output and "ok" in result.output


def test_dry_run_prints_the_resolved_config(tmp_path):
    result = invoke("train", "vanilla", "--data", "mnist", "--dry-run", "--lr-g", "0.001")
    assert result.exit_code == 0
    config = json.loads(result.output)
    assert config["lr_g"] == 0.001 and config["generator"] == "mlp"


def test_console_script_runs_as_a_process(tmp_path):
    env = {**os.environ, "GANZOO_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-m", "ganzoo", "train", "nope", "--data", "mnist"], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 2 and "Unknown recipe 'nope'" in done.stderr and "Traceback" not in done.stderr
