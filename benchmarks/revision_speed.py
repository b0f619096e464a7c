"""Training images/s of two revisions of ganzoo side by side: did a change make the default recipes slower?

    GANZOO_DATA_ROOT=../shared/data python benchmarks/revision_speed.py --before f3cd3e0 --after HEAD \
        --recipes vanilla,dcgan,wgan-gp,cgan,lsgan,sngan --steps 250 --rounds 2

Each revision is exported (``git archive``) into a temporary folder and imported from there
(``PYTHONPATH`` = its root and its ``plugins/``), so both run the same installed dependencies. For
each round and recipe, ``ganzoo train RECIPE --data mnist --steps N`` runs once per revision,
alternating which goes first, each in its own process with one torch thread. A run's images/s is
the steady rate of its ``metrics.jsonl`` (real images through D per second of training, the first
logging window left out); the table reports each revision's median over rounds and after/before.
Writes ``results/revision_speed.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from records import invocation  # noqa: E402

from ganzoo.base.atomic import write_atomically, write_json_atomically  # noqa: E402
from ganzoo.bench.environment import hardware  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
LOG_EVERY = 50


def export(revision: str, into: Path) -> tuple[Path, str]:
    """The tree of ``revision`` unpacked into ``into``, and its full commit id."""
    commit = subprocess.run(["git", "rev-parse", revision], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    archive = into / "tree.tar"
    subprocess.run(["git", "archive", "--format=tar", "-o", str(archive), commit], cwd=ROOT, check=True)
    tree = into / commit[:12]
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    return tree, commit


def steady_rate(metrics: Path) -> float:
    """Images/s over every logging window but the first (start-up and allocator warm-up)."""
    records = [json.loads(line) for line in metrics.read_text().splitlines()]
    windows = [r for r in records if "train_s" in r][1:]
    images = sum(r["images_per_s"] * r["train_s"] for r in windows)
    return images / sum(r["train_s"] for r in windows)


def train_once(tree: Path, recipe: str, steps: int, out: Path) -> float:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree), str(tree / "plugins")]), "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "ganzoo", "train", recipe, "--data", "mnist", "--steps", str(steps), "--out", str(out)]
    command += ["--log-every", str(LOG_EVERY), "--sample-every", str(10 * steps), "--checkpoint-every", str(10 * steps), "-q"]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{recipe} at {tree.name} failed:\n{done.stderr[-2000:]}")
    return steady_rate(out / "metrics.jsonl")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="a git revision (e.g. a commit before the change)")
    parser.add_argument("--after", default="HEAD")
    parser.add_argument("--recipes", default="vanilla,dcgan,wgan-gp,cgan,lsgan,sngan")
    parser.add_argument("--steps", type=int, default=250)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", type=Path, default=RESULTS / "revision_speed.json")
    args = parser.parse_args(argv)
    recipes = [r for r in args.recipes.split(",") if r]
    rates: dict[str, dict[str, list[float]]] = {r: {"before": [], "after": []} for r in recipes}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        trees, commits = {}, {}
        for which in ("before", "after"):
            folder = tmp / which
            folder.mkdir()
            trees[which], commit = export(getattr(args, which), folder)
            commits[which] = commit
            print(f"{which}: {getattr(args, which)} = {commit}", flush=True)
        for round_ in range(args.rounds):
            for recipe in recipes:
                order = ("before", "after") if round_ % 2 == 0 else ("after", "before")
                for which in order:
                    out = tmp / f"{which}-{recipe}-{round_}"
                    rate = train_once(trees[which], recipe, args.steps, out)
                    rates[recipe][which].append(rate)
                    print(f"round {round_ + 1} {recipe} {which}: {rate:.0f} images/s", flush=True)
    hw = hardware("cpu")
    rows = []
    for recipe in recipes:
        before, after = statistics.median(rates[recipe]["before"]), statistics.median(rates[recipe]["after"])
        rows.append({"recipe": recipe, "before": before, "after": after, "ratio": after / before, "runs": rates[recipe]})
    result = {"command": invocation(), "before": args.before, "after": args.after, "commits": commits, "steps": args.steps, "rounds": args.rounds, "hardware": hw, "rows": rows}
    write_json_atomically(args.out, result)
    lines = [
        "# Training speed of two revisions, side by side",
        "",
        f"<!-- generated by `{invocation()}` -->",
        "",
        f"`{args.before}` (before, {commits['before'][:7]}) against `{args.after}` (after, {commits['after'][:7]}): `ganzoo train RECIPE --data mnist --steps {args.steps}`, "
        f"{args.rounds} rounds alternating the order, one torch thread each, on {hw.get('cpu', '?')}. "
        "Images/s = real images through D per second of training (first logging window left out); median over rounds.",
        "",
        "| recipe | before images/s | after images/s | after / before |",
        "|---|---|---|---|",
    ]
    lines += [f"| {r['recipe']} | {r['before']:.0f} | {r['after']:.0f} | {r['ratio']:.2f} |" for r in rows]
    write_atomically(args.out.with_suffix(".md"), lambda tmp: tmp.write_text("\n".join(lines) + "\n"))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
