"""How long each recipe's default run (`ganzoo train RECIPE --data mnist`) takes on this machine.

    GANZOO_DATA_ROOT=../shared/data python benchmarks/default_run_time.py [--recipes dcgan,cgan] [--threads 2]

A full default run of every recipe costs half an hour of the whole machine, so each recipe is
timed twice through the real command, for SHORT and LONG generator steps (start-up, sample
grids and checkpoints included); the difference gives the seconds per step, and the projection
for the default run is ``wall(LONG) + (default steps - LONG) x s/step``. The full default runs
themselves are timed by `ganzoo bench` in the leaderboard cells (benchmarks/results/leaderboard),
often beside other jobs. Writes benchmarks/results/default_run_time.json and .md with the
command and the CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from records import invocation

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "benchmarks/results/default_run_time"
RECIPES = "vanilla,dcgan,wgan-gp,cgan,lsgan,sngan"
SHORT, LONG = 50, 250


def cpu_name() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def timed_run(recipe: str, steps: int, threads: int) -> float:
    """Wall seconds of `ganzoo train RECIPE --data mnist --steps N` in a fresh process."""
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "ganzoo", "train", recipe, "--data", "mnist", "--steps", str(steps), "--out", f"{tmp}/run", "-q"]
        env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
        started = time.perf_counter()
        subprocess.run(command, cwd=REPO, env=env, check=True, capture_output=True)
        return time.perf_counter() - started


def default_steps(recipe: str) -> int:
    from ganzoo.discovery import get_registry

    return get_registry().recipe(recipe).steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", default=RECIPES)
    parser.add_argument("--threads", type=int, default=2, help="torch threads of each run (default: 2, the whole machine)")
    args = parser.parse_args()
    rows = []
    for recipe in args.recipes.split(","):
        short, long = timed_run(recipe, SHORT, args.threads), timed_run(recipe, LONG, args.threads)
        per_step = (long - short) / (LONG - SHORT)
        steps = default_steps(recipe)
        projected = long + (steps - LONG) * per_step
        rows.append({"recipe": recipe, "default_steps": steps, "s_per_step": round(per_step, 4), "wall_short_s": round(short, 1),
                     "wall_long_s": round(long, 1), "projected_default_run_s": round(projected, 1)})  # fmt: skip
        print(f"{recipe:>8}: {per_step * 1000:.0f} ms/step, default run of {steps} steps ~ {projected / 60:.1f} min", flush=True)
    command = invocation()
    record = {"command": command, "cpu": cpu_name(), "cpu_count": os.cpu_count(), "threads": args.threads, "rows": rows}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n")
    lines = [
        "# Default run time per recipe (MNIST)",
        "",
        f"Made by `{command}` on {record['cpu']} ({record['cpu_count']} cores, {args.threads} torch threads). "
        f"Each recipe was run for {SHORT} and {LONG} steps with `ganzoo train`; the projection adds the remaining steps at the measured rate.",
        "",
        "| recipe | default steps | s / step | projected default run |",
        "|---|---|---|---|",
    ]
    lines += [f"| {r['recipe']} | {r['default_steps']} | {r['s_per_step']:.3f} | {r['projected_default_run_s'] / 60:.1f} min |" for r in rows]
    OUT.with_suffix(".md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
