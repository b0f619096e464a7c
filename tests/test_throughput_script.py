"""benchmarks/throughput.py runs both loops on the device it is given (smoke test on the CPU; no GPU in CI)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "throughput.py"
ENV = {**os.environ, "GANZOO_OFFLINE": "1", "OMP_NUM_THREADS": "1"}


def _throughput(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, str(SCRIPT), "--recipes", "vanilla", "--variants", "fp32", "--rounds", "1", "--workers", "0", *args]
    return subprocess.run(command, capture_output=True, text=True, env=ENV, timeout=600)


@pytest.mark.slow
def test_both_loops_run_on_the_given_device(tmp_path, data_root):
    done = _throughput("--steps", "2", "--device", "cpu", "--out", str(tmp_path / "t.json"))
    assert done.returncode == 0, done.stderr
    result = json.loads((tmp_path / "t.json").read_text())
    assert result["hardware"]["device"] == "cpu" and "--device cpu" in result["command"]
    assert [row["setting"] for row in result["rows"]] == ["ganzoo fp32", "plain loop (0 workers)"]
    assert all(row["images_per_s"] > 0 for row in result["rows"])
    assert "Device: cpu" in (tmp_path / "t.md").read_text()


def test_an_absent_device_is_refused_before_anything_runs(tmp_path):
    done = _throughput("--steps", "2", "--device", "tpu", "--out", str(tmp_path / "t.json"))
    assert done.returncode == 2 and "--device 'tpu' is not a device ganzoo understands" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "t.json").exists()
