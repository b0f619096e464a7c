"""Stacked-MNIST with the remedies under data parallelism: 2 CPU processes under torchrun (gloo)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

TINY = ["--data", "stacked-mnist", "--limit", "256", "--steps", "3", "--batch-size", "16", "--log-every", "1", "--checkpoint-every", "3", "--sample-every", "100", "-q"]


def _torchrun(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2", "-m", "ganzoo", "train", *args]
    env = {**os.environ, "GANZOO_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        ("cgan", "--loss", "bce+mode-seeking"),  # a second generator forward per step under DDP
        ("vanilla", "--discriminator", "pacgan", "--set", "discriminator.pack=4", "--set", "discriminator.mbstd=true"),
    ],
    ids=["cgan+mode-seeking", "vanilla+pacgan4+mbstd"],
)
def test_two_processes_train_the_remedies_and_agree(args, tmp_path, data_root):
    done = _torchrun(*args, "--out", str(tmp_path / "run"), *TINY)
    assert done.returncode == 0, done.stdout + done.stderr
    meta = json.loads((tmp_path / "run" / "checkpoints" / "step-0000003.json").read_text())
    assert meta["world_size"] == 2 and meta["ranks_agree"] is True
    records = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [1, 2, 3]
