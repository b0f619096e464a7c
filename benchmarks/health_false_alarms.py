"""False alarms of the training-health rules: the leaderboard's healthy runs, retrained with the checks on.

    GANZOO_DATA_ROOT=../shared/data python benchmarks/health_false_alarms.py --seeds 0

The leaderboard's cells (``benchmarks/results/leaderboard``: every recipe on MNIST and
Fashion-MNIST at its default budget, fp32) were trained before the health checks existed, so their
``metrics.jsonl`` holds no health records. This script trains the same cells again, one torch
thread each, with the default ``--health-every``, through ``ganzoo train`` (a finished cell is
skipped, an interrupted one resumed), then replays each run through ``ganzoo doctor``'s rules. Every
episode found on these runs is counted as a false alarm unless its grid shows the failure it names:
the leaderboard ranks them as working runs. Writes ``results/health_false_alarms.{json,md}`` after
every cell; run directories (with checkpoints) live in ``--runs``, outside the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from records import invocation  # noqa: E402

from ganzoo.api.doctor import doctor  # noqa: E402
from ganzoo.base.atomic import write_atomically, write_json_atomically  # noqa: E402
from ganzoo.bench.environment import hardware  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
LEADERBOARD = RESULTS / "leaderboard"


def leaderboard_cells(seeds: set[int]) -> list[dict]:
    """The (recipe, dataset, seed) cells of the committed leaderboard grid, for the chosen seeds."""
    cells = [json.loads((folder / "cell.json").read_text())["cell"] for folder in sorted(LEADERBOARD.iterdir()) if (folder / "cell.json").is_file()]
    return [c for c in cells if c["seed"] in seeds]


def train(cell: dict, run_dir: Path) -> float:
    """Train (or resume) one cell at the recipe's default budget with one thread; its wall time in seconds."""
    command = [sys.executable, "-m", "ganzoo", "train", cell["recipe"], "--data", cell["dataset"], "--seed", str(cell["seed"]), "--out", str(run_dir)]
    if (run_dir / "config.json").is_file():
        command.append("--resume")
    started = time.perf_counter()
    subprocess.run(command, check=True, env={**os.environ, "OMP_NUM_THREADS": "1"}, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def trained(cell: dict, run_dir: Path) -> float:
    """Train the cell unless an earlier invocation finished it; the training's wall time (kept beside the run)."""
    done = run_dir.with_name(run_dir.name + ".done.json")
    if not done.is_file():
        write_json_atomically(done, {"wall_s": round(train(cell, run_dir), 1)}, "the cell's record")
    return json.loads(done.read_text())["wall_s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0", help="comma-separated seeds of the leaderboard grid to retrain")
    parser.add_argument("--runs", default=str(Path.home() / ".cache" / "ganzoo-bench" / "health_false_alarms"))
    parser.add_argument("--out", default=str(RESULTS / "health_false_alarms"))
    args = parser.parse_args()
    seeds = {int(s) for s in args.seeds.split(",")}
    rows: list[dict] = []
    for cell in leaderboard_cells(seeds):
        run_dir = Path(args.runs) / f"{cell['recipe']}--{cell['dataset']}--seed{cell['seed']}"
        wall = trained(cell, run_dir)
        report = doctor(run_dir)
        rows.append({**cell, "wall_s": wall, "checks": report.checks, "last_step": report.last_step, "episodes": report.to_dict()["episodes"]})
        print(cell, "episodes:", len(report.episodes), flush=True)
        write(rows, args.out)


def write(rows: list[dict], out: str) -> None:
    """The results as JSON and a Markdown table (rewritten after every cell)."""
    env = hardware("cpu")
    alarms = sum(len(r["episodes"]) for r in rows)
    write_json_atomically(Path(out + ".json"), {"command": invocation(), "hardware": env, "false_alarms": alarms, "rows": rows}, "the results")
    lines = [
        "# Health rules on the leaderboard's runs", "",
        f"`{invocation()}` on {env.get('cpu', '?')}: each cell retrained at its default budget with the default health checks, one torch thread, then replayed by `ganzoo doctor`.", "",
        f"**{alarms} episode{'s' if alarms != 1 else ''} over {len(rows)} runs** ({sum(r['checks'] for r in rows)} health checks).", "",
        "| recipe | dataset | seed | steps | training (s) | health checks | episodes |", "|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for r in rows:
        found = "; ".join(f"{e['kind']} at step {e['start']}" for e in r["episodes"]) or "none"
        lines.append(f"| {r['recipe']} | {r['dataset']} | {r['seed']} | {r['last_step']} | {r['wall_s']:.0f} | {r['checks']} | {found} |")
    write_atomically(Path(out + ".md"), lambda tmp: tmp.write_text("\n".join(lines) + "\n"))


if __name__ == "__main__":
    main()
