"""Data-parallel training with 2 CPU processes under torchrun (gloo)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

ARGS = ["--batch-size", "16", "--log-every", "2", "--sample-every", "100", "--checkpoint-every", "2", "-q"]


def _run(out, steps, nproc=1, *extra):
    ganzoo = ["-m", "ganzoo", "train", "vanilla", "--data", "mnist", "--out", str(out), "--steps", str(steps), *ARGS, *extra]
    if nproc > 1:
        command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", str(nproc), *ganzoo]
    else:
        command = [sys.executable, *ganzoo]
    env = {**os.environ, "GANZOO_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def _meta(out, step):
    return json.loads((out / "checkpoints" / f"step-{step:07d}.json").read_text())


@pytest.mark.slow
def test_two_processes_agree_and_resume_across_world_sizes(tmp_path):
    run = tmp_path / "ddp"
    done = _run(run, 4, 2)
    assert done.stdout.count("finished at step 4") == 1  # only rank 0 reports
    meta = _meta(run, 4)
    assert meta["world_size"] == 2 and meta["ranks_agree"] is True
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [2, 4]  # one writer, no duplicated lines

    _run(run, 6, 1, "--resume")  # written by 2 processes, continued by 1
    assert _meta(run, 6)["world_size"] == 1

    single = tmp_path / "single"
    _run(single, 2, 1)
    _run(single, 4, 2, "--resume")  # written by 1 process, continued by 2
    meta = _meta(single, 4)
    assert meta["world_size"] == 2 and meta["ranks_agree"] is True


def test_torchrun_without_out_is_refused(monkeypatch):
    from typer.testing import CliRunner

    from ganzoo.cli import app

    monkeypatch.setenv("WORLD_SIZE", "2")
    result = CliRunner().invoke(app, ["train", "vanilla", "--data", "mnist"])
    assert result.exit_code == 2 and "Under torchrun, pass --out" in result.output
