"""RaGAN + lazy R1 with ADA under data parallelism: 2 CPU processes under torchrun (gloo)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_two_processes_train_ragan_r1_with_ada_and_agree(tmp_path):
    run = tmp_path / "ddp"
    ganzoo = [
        "-m",
        "ganzoo",
        "train",
        "vanilla",
        "--data",
        "mnist",
        "--out",
        str(run),
        "--steps",
        "4",
        "--batch-size",
        "16",
    ]
    ganzoo += [
        "--loss",
        "ragan+r1",
        "--augment",
        "ada",
        "--log-every",
        "1",
        "--checkpoint-every",
        "4",
        "--sample-every",
        "100",
        "-q",
    ]
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2", *ganzoo]
    env = {**os.environ, "GANZOO_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    meta = json.loads((run / "checkpoints" / "step-0000004.json").read_text())
    assert meta["world_size"] == 2 and meta["ranks_agree"] is True, meta.get("ranks_disagree_on")
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [1, 2, 3, 4]
    # ADA's r_t is averaged over both processes at its 4th D update; R1 fired at the first
    assert records[-1]["ada_rt"] != 0 and -1 <= records[-1]["ada_rt"] <= 1 and records[0]["r1"] > 0
    assert set(meta["state"]["augment"]) == {"p", "rt", "sign_sum", "count"} and "r1" in meta["state"]["loss"]
