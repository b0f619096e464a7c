"""benchmarks/stacked_mnist.py on a smoke budget: real-data ceiling, baseline grid, remedies on the weakest, table; resumable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "benchmarks" / "stacked_mnist.py"
ENV = {**os.environ, "GANZOO_OFFLINE": "1", "OMP_NUM_THREADS": "1"}


def _run(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    command = [
        sys.executable, str(SCRIPT), "--recipes", "vanilla,dcgan", "--remedies", "pacgan2,mbstd", "--weakest", "1", "--seeds", "1",
        "--steps", "2", "--eval-n", "40", "--metrics", "fid", "--real-n", "200", "--out", str(tmp_path / "cells"), "--table", str(tmp_path / "t.md"), *extra,
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, env=ENV, timeout=600)


def test_a_smoke_run_fills_the_table_and_resumes(tmp_path, data_root):
    done = _run(tmp_path)
    assert done.returncode == 0, done.stderr
    table = json.loads((tmp_path / "t.json").read_text())
    assert [r["recipe"] for r in table["recipes"]] == ["vanilla", "dcgan"] and table["weakest"] in (["vanilla"], ["dcgan"])
    weak = table["weakest"][0]
    assert [r["recipe"] for r in table["remedies"]] == [f"{weak}.pacgan2", f"{weak}.mbstd"]
    assert all(r["modes"]["mean"] >= 1 and r["kl"]["mean"] >= 0 for r in table["recipes"] + table["remedies"])
    assert table["real"]["test"]["triple_accuracy"] > 0.9 and table["real"]["test"]["classified"]["modes"] > 100
    page = (tmp_path / "t.md").read_text()
    assert "--steps 2" in page and "PacDCGAN2 | 1000.0 ± 0.00 | 0.06 ± 0.003" in page and "## Remedies on the weakest (" in page
    cells = sorted(p.name for p in (tmp_path / "cells").iterdir() if p.is_dir())
    assert cells == sorted(f"{r}--stacked-mnist--seed0" for r in ["vanilla", "dcgan", f"{weak}.pacgan2", f"{weak}.mbstd"])
    before = (tmp_path / "cells" / cells[0] / "result.json").read_text()
    again = _run(tmp_path)  # every cell is done: nothing trains again
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "cells" / cells[0] / "result.json").read_text() == before
