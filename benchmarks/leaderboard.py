"""Regenerate the project's own leaderboard: `ganzoo bench` over the five recipes, then `ganzoo leaderboard`.

    GANZOO_DATA_ROOT=../shared/data python benchmarks/leaderboard.py             # run (or finish) the grid, then the page
    GANZOO_DATA_ROOT=../shared/data python benchmarks/leaderboard.py --page-only # only regenerate the page from the results

The grid: vanilla, dcgan, wgan-gp, cgan, lsgan x MNIST, Fashion-MNIST x seeds 0-2, each run
trained until its discriminator has seen 12,800 real images (200 generator steps at batch 64;
40 for wgan-gp's 5 critic steps) and scored on 5,000 samples. Results go to
benchmarks/results/leaderboard/<cell>/ (result.json, samples.png, metrics.jsonl are committed;
run/ with its checkpoint is not); the page to docs/leaderboard.md (+ .json and images), and the
top rows into README.md. Re-running skips finished cells, so an interrupted grid continues.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = "benchmarks/results/leaderboard"
BENCH = ["bench", "--recipes", "vanilla,dcgan,wgan-gp,cgan,lsgan", "--data", "mnist,fashion-mnist", "--images", "12800", "--seeds", "3", "--eval-n", "5000", "--out", RESULTS]
PAGE = ["leaderboard", RESULTS, "--out", "docs/leaderboard.md", "--readme", "README.md"]


def ganzoo(args: list[str]) -> int:
    print("+ ganzoo " + " ".join(args), flush=True)
    return subprocess.call([sys.executable, "-m", "ganzoo", *args], cwd=REPO)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page-only", action="store_true", help="skip the grid; regenerate the page from the committed results")
    parser.add_argument("--quiet", action="store_true", help="no per-run progress bars")
    args = parser.parse_args()
    if not args.page_only:
        code = ganzoo(BENCH + (["-q"] if args.quiet else []))
        if code not in (0, 1):  # 1: some cells failed; they are recorded and shown on the page
            sys.exit(code)
    sys.exit(ganzoo(PAGE))


if __name__ == "__main__":
    main()
