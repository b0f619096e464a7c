"""benchmarks/quality.py, the families' quality guard: its checks, and its mechanics on a smoke budget."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "benchmarks"))

import quality  # noqa: E402


def test_bounds_combine_the_dataset_default_and_the_recipe():
    bounds = quality.thresholds_for("cgan", "mnist")
    assert bounds["classes_covered"] >= 9 and bounds["conditional_accuracy"] >= 0.95 and "fid" in bounds
    assert "conditional_accuracy" not in quality.thresholds_for("dcgan", "mnist")


def test_check_names_every_missed_bound():
    result = {"metrics": {"fid": 80.0, "classes_covered": 10, "conditional_accuracy": 0.9}}
    misses = quality.check(result, {"fid": 60.0, "classes_covered": 9, "conditional_accuracy": 0.95, "intra_fid": 100.0})
    assert misses == ["fid 80 is above 60", "conditional_accuracy 0.9 is below 0.95", "intra_fid was not measured"]
    assert quality.check(result, {"fid": 90.0, "classes_covered": 10}) == []


def test_a_smoke_run_trains_reports_and_fails_the_thresholds(tmp_path, data_root):
    """Two steps cannot draw digits: the guard must train the cell, write its report, and exit 1."""
    report = tmp_path / "quality"
    command = [sys.executable, "benchmarks/quality.py", "--recipes", "vanilla", "--data", "mnist", "--steps", "2", "--eval-n", "50",
               "--out", str(tmp_path / "results"), "--report", str(report), "--quiet", "--no-docs"]  # fmt: skip
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"}, timeout=600)
    assert done.returncode == 1, done.stdout + done.stderr
    rows = json.loads(report.with_suffix(".json").read_text())
    (row,) = rows["rows"]
    assert row["recipe"] == "vanilla" and row["steps"] == 2 and not row["passed"]
    assert any(miss.startswith("fid") for miss in row["misses"])
    assert "benchmarks/quality.py --recipes vanilla" in rows["command"]
    assert "**miss**" in report.with_suffix(".md").read_text()
    # --check-only re-reads the same cell without training it again
    again = subprocess.run([*command, "--check-only"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert again.returncode == 1 and json.loads(report.with_suffix(".json").read_text())["rows"][0]["fid"] == row["fid"]
