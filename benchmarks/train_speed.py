"""Time `ganzoo train vanilla --data mnist` for a fixed number of steps and report images/s.

Usage (from the repository root, with the project installed):

    GANZOO_DATA_ROOT=../shared/data python benchmarks/train_speed.py --steps 2000 --repeats 3

Writes benchmarks/results/train_speed.json. "images/s" counts real images through the
discriminator per second (batch size x discriminator steps per generator step); the steady
rate excludes the first logging window (start-up, allocator warm-up).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from records import invocation

from ganzoo.base.layout import METRICS_FILE

RESULTS = Path(__file__).resolve().parent / "results"


def run_once(recipe: str, data: str, steps: int, extra: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        command = [sys.executable, "-m", "ganzoo", "train", recipe, "--data", data, "--steps", str(steps), "--out", str(out), "-q", "--log-every", "100", *extra]
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, text=True)
        wall = time.perf_counter() - start
        records = [json.loads(line) for line in (out / METRICS_FILE).read_text().splitlines()]
    rates = [r["images_per_s"] for r in records if "images_per_s" in r]
    steady = rates[1:] or rates
    return {"wall_s": round(wall, 2), "steady_images_per_s": round(statistics.median(steady), 1), "final_loss_d": records[-1]["loss_d"], "final_loss_g": records[-1]["loss_g"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", default="vanilla")
    parser.add_argument("--data", default="mnist")
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS / "train_speed.json")
    args, extra = parser.parse_known_args()
    runs = [run_once(args.recipe, args.data, args.steps, extra) for _ in range(args.repeats)]
    result = {
        "command": invocation(),
        "recipe": args.recipe,
        "data": args.data,
        "steps": args.steps,
        "runs": runs,
        "median_steady_images_per_s": statistics.median(r["steady_images_per_s"] for r in runs),
        "median_wall_s": statistics.median(r["wall_s"] for r in runs),
        "machine": {"cpus": os.cpu_count(), "torch": torch.__version__, "threads": torch.get_num_threads(), "platform": platform.platform(), "load_avg_at_end": os.getloadavg()},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
