"""Regenerate the project's own leaderboard: `ganzoo bench` over every recipe, then `ganzoo leaderboard`.

    GANZOO_DATA_ROOT=../shared/data python benchmarks/leaderboard.py              # run (or finish) the grid, then the page
    GANZOO_DATA_ROOT=../shared/data python benchmarks/leaderboard.py --page-only  # only regenerate the page from the results
    GANZOO_DATA_ROOT=../shared/data python benchmarks/leaderboard.py --recipes dcgan --data mnist --seed-list 1  # one part

The grid: vanilla, dcgan, wgan-gp, cgan, lsgan, sngan x MNIST, Fashion-MNIST x seeds 0-2, each
run at its recipe's default budget (what `ganzoo train RECIPE` trains, so every cell is a
trained model at the cost a user pays) and scored on 5,000 samples. Results go to
benchmarks/results/leaderboard/<cell>/ (result.json, samples.png, metrics.jsonl are committed;
run/ with its checkpoint is not); the page to docs/leaderboard.md (+ .json and images), and the
top rows into README.md. Re-running skips finished cells, so the grid can be run in parts
(benchmarks/quality.py trains the seed-0 MNIST cells into the same folder).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = "benchmarks/results/leaderboard"
RECIPES = "vanilla,dcgan,wgan-gp,cgan,lsgan,sngan"
BENCH = ["bench", "--eval-n", "5000", "--metrics", "fid,kid,is", "--out", RESULTS]
PAGE = ["leaderboard", RESULTS, "--out", "docs/leaderboard.md", "--readme", "README.md"]


def ganzoo(args: list[str]) -> int:
    print("+ ganzoo " + " ".join(args), flush=True)
    return subprocess.call([sys.executable, "-m", "ganzoo", *args], cwd=REPO)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page-only", action="store_true", help="skip the grid; regenerate the page from the committed results")
    parser.add_argument("--quiet", action="store_true", help="no per-run progress bars")
    parser.add_argument("--recipes", default=RECIPES, help=f"recipes of this part of the grid (default: {RECIPES})")
    parser.add_argument("--data", default="mnist,fashion-mnist", help="datasets of this part (default: mnist,fashion-mnist)")
    parser.add_argument("--seed-list", default="0,1,2", help="seeds of this part (default: 0,1,2)")
    args = parser.parse_args()
    if not args.page_only:
        part = ["--recipes", args.recipes, "--data", args.data, "--seed-list", args.seed_list]
        code = ganzoo(BENCH + part + (["-q"] if args.quiet else []))
        if code not in (0, 1):  # 1: some cells failed; they are recorded and shown on the page
            sys.exit(code)
    sys.exit(ganzoo(PAGE))


if __name__ == "__main__":
    main()
