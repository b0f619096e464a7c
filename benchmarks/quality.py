"""Guard the families' quality: every recipe's default run, one seed, checked against thresholds.

    GANZOO_DATA_ROOT=../shared/data python benchmarks/quality.py                  # every recipe on MNIST
    GANZOO_DATA_ROOT=../shared/data python benchmarks/quality.py --recipes cgan --data mnist,fashion-mnist
    GANZOO_DATA_ROOT=../shared/data python benchmarks/quality.py --check-only     # re-check the results on disk

Each (recipe, dataset) is one `ganzoo bench` cell at the recipe's default budget (what
`ganzoo train RECIPE` trains), seed 0, scored on 5000 samples. The cells live in the
leaderboard's results folder, so a cell trained for one serves the other. The check compares
FID, classes covered and, for conditional recipes, conditional accuracy with THRESHOLDS (set
from measured runs, with a margin: see docs/families.md), writes benchmarks/results/quality.json
and quality.md (with the command), and exits 1 when any family misses one.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

from records import invocation

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks/results/leaderboard"
REPORT = REPO / "benchmarks/results/quality"
DOCS = REPO / "docs/families.md"
DOCS_START, DOCS_END = "<!-- quality:start -->", "<!-- quality:end -->"
RECIPES = "vanilla,dcgan,wgan-gp,cgan,lsgan,sngan"

#: What a default run must reach, per dataset: recipe -> metric -> bound. "*" applies to every
#: recipe. FID and intra-FID are upper bounds; the others lower bounds. The FID bounds are the
#: worst of the three default-run seeds measured on MNIST (5000 samples, 2 torch threads,
#: 2026-11-29, benchmarks/results/leaderboard) with a margin of about 1.3x: FID vanilla 158-182,
#: dcgan 37-41, wgan-gp 90-118, cgan 21-24 (intra-FID 24.8-25.4, conditional accuracy
#: 0.991-0.994, worst class 0.968-0.986), lsgan 60-66, sngan 141-178. Coverage and the
#: conditional accuracy of every class are the issue's own bars (>= 9 classes, >= 95%).
#: Fashion-MNIST has coverage bounds only.
THRESHOLDS: dict[str, dict[str, dict[str, float]]] = {
    "mnist": {
        "*": {"classes_covered": 9},
        "vanilla": {"fid": 235.0},
        "dcgan": {"fid": 55.0},
        "wgan-gp": {"fid": 150.0},
        "cgan": {"fid": 32.0, "intra_fid": 33.0, "conditional_accuracy": 0.95, "worst_class_accuracy": 0.95},
        "lsgan": {"fid": 85.0},
        "sngan": {"fid": 230.0},
    },
    "fashion-mnist": {"*": {"classes_covered": 9}},
}
UPPER_BOUNDS = {"fid", "intra_fid", "kid"}


def thresholds_for(recipe: str, dataset: str) -> dict[str, float]:
    """The bounds of one recipe on one dataset (the dataset's "*" entry, then the recipe's own)."""
    table = THRESHOLDS.get(dataset, {})
    return {**table.get("*", {}), **table.get(recipe, {})}


def check(result: dict, bounds: dict[str, float]) -> list[str]:
    """The bounds a finished cell misses, as readable sentences (empty when it passes)."""
    misses = []
    for metric, bound in bounds.items():
        value = result.get("metrics", {}).get(metric)
        if value is None:
            misses.append(f"{metric} was not measured")
        elif (value > bound) if metric in UPPER_BOUNDS else (value < bound):
            relation = "above" if metric in UPPER_BOUNDS else "below"
            misses.append(f"{metric} {value:.3g} is {relation} {bound:g}")
    return misses


def row_for(cell_dir: Path, recipe: str, dataset: str) -> dict:
    """One report row: the cell's measurements and what it misses."""
    try:
        result = json.loads((cell_dir / "result.json").read_text())
    except (OSError, ValueError):
        result = None
    bounds = thresholds_for(recipe, dataset)
    if result is None or result.get("status") != "done":
        error = (result or {}).get("error", "not run")
        return {"recipe": recipe, "dataset": dataset, "passed": False, "misses": [f"no finished run ({error})"], "thresholds": bounds}
    metrics = result["metrics"]
    keep = ("fid", "classes_covered", "conditional_accuracy", "worst_class_accuracy", "intra_fid", "is")
    return {
        "recipe": recipe,
        "dataset": dataset,
        "steps": result["training"]["steps"],
        "train_wall_s": result.get("train_wall_s"),
        "images_per_s": result.get("images_per_s"),
        "hardware": result.get("hardware"),
        **{k: metrics[k] for k in keep if k in metrics},
        "thresholds": bounds,
        "misses": check(result, bounds),
        "passed": not check(result, bounds),
        "samples": str((cell_dir / "samples.png").relative_to(REPO)) if cell_dir.is_relative_to(REPO) else str(cell_dir / "samples.png"),
    }


def machine(row: dict) -> str:
    """", on AMD EPYC with 1 torch thread": where a cell's time was measured (empty when unknown)."""
    hardware = row.get("hardware") or {}
    if not hardware.get("cpu"):
        return ""
    threads = hardware.get("torch_threads")
    return f", {hardware['cpu']}" + (f" with {threads} torch thread{'s' if threads != 1 else ''}" if threads else "")


def markdown(rows: list[dict], command: str) -> str:
    lines = [
        "# Quality guard: every recipe's default run, seed 0",
        "",
        f"Made by `{command}`. FID and intra-FID use the dataset's domain classifier features (5000 samples); "
        "classes covered counts classes holding at least 20% of their uniform share of the samples. "
        "Train (s) is the cell's training time where it ran (CPU and threads in its result.json); "
        "benchmarks/results/default_run_time.md times each default run on an idle machine.",
        "",
        "| recipe | dataset | steps | train (s) | FID | classes covered | cond. accuracy | intra-FID | thresholds | verdict |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        def fmt(key, digits=1):
            value = r.get(key)
            return f"{value:.{digits}f}" if isinstance(value, float) else ("–" if value is None else str(value))

        bounds = ", ".join(f"{k} {'≤' if k in UPPER_BOUNDS else '≥'} {v:g}" for k, v in r["thresholds"].items())
        verdict = "pass" if r["passed"] else "**miss**: " + "; ".join(r["misses"])
        lines.append(
            f"| {r['recipe']} | {r['dataset']} | {fmt('steps')} | {fmt('train_wall_s', 0)} | {fmt('fid')} | {fmt('classes_covered')} "
            f"| {fmt('conditional_accuracy', 3)} | {fmt('intra_fid')} | {bounds} | {verdict} |"
        )
    return "\n".join(lines) + "\n"


def update_docs(rows: list[dict], command: str, docs: Path = DOCS) -> None:
    """Write each family's grid and numbers into ``docs`` between the quality markers
    (grids copied to docs/families/RECIPE-DATASET.png), so the page shows what the guard saw."""
    text = docs.read_text()
    if DOCS_START not in text or DOCS_END not in text:
        raise SystemExit(f"{docs} has no {DOCS_START} ... {DOCS_END} block to fill")
    assets = docs.parent / docs.stem
    assets.mkdir(exist_ok=True)
    lines = [DOCS_START, f"<!-- generated by `{command}`; edit benchmarks/quality.py, not this block -->", ""]
    for r in rows:
        title = f"### {r['recipe']} on {r['dataset']}"
        if "fid" not in r:
            lines += [title, "", f"Not measured yet ({'; '.join(r['misses'])}).", ""]
            continue
        image = assets / f"{r['recipe']}-{r['dataset']}.png"
        shutil.copyfile(REPO / r["samples"], image)
        numbers = [f"FID {r['fid']:.1f}", f"classes covered {r['classes_covered']}/10"]
        if "conditional_accuracy" in r:
            numbers.append(f"conditional accuracy {r['conditional_accuracy']:.3f}")
        if "intra_fid" in r:
            numbers.append(f"intra-FID {r['intra_fid']:.1f}")
        numbers.append(f"{r['steps']} steps in {r['train_wall_s']:.0f} s ({r['images_per_s']:.0f} images/s{machine(r)})")
        lines += [title, "", f"![{r['recipe']} samples on {r['dataset']}]({docs.stem}/{image.name})", "", ", ".join(numbers) + ".", ""]
    start, end = text.index(DOCS_START), text.index(DOCS_END)
    docs.write_text(text[:start] + "\n".join(lines) + text[end:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", default=RECIPES, help="comma-separated recipes to train (default: every built-in and sngan); "
                        "the report covers every recipe whose cell exists")
    parser.add_argument("--data", default="mnist", help="comma-separated datasets (default: mnist)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="the bench results folder (default: the leaderboard's)")
    parser.add_argument("--report", type=Path, default=REPORT, help="report path without suffix (.json and .md are written)")
    parser.add_argument("--steps", type=int, help="override the default budget (smoke runs only: the thresholds are for the default)")
    parser.add_argument("--eval-n", type=int, default=5000, help="samples per evaluation (default: 5000, as the leaderboard)")
    parser.add_argument("--check-only", action="store_true", help="do not train; check the results already on disk")
    parser.add_argument("--quiet", action="store_true", help="no per-run progress bars")
    parser.add_argument("--no-docs", action="store_true", help="do not update docs/families.md (smoke runs)")
    args = parser.parse_args()
    recipes, datasets = args.recipes.split(","), args.data.split(",")
    reported = recipes + [r for r in RECIPES.split(",") if r not in recipes]  # cells trained earlier are checked too
    if not args.check_only:
        bench = ["bench", "--recipes", args.recipes, "--data", args.data, "--seed-list", "0", "--eval-n", str(args.eval_n),
                 "--metrics", "fid,kid,is", "--out", str(args.out)]  # fmt: skip
        if args.steps:
            bench += ["--steps", str(args.steps)]
        code = subprocess.call([sys.executable, "-m", "ganzoo", *bench, *(["-q"] if args.quiet else [])], cwd=REPO)
        if code not in (0, 1):  # 1: some cells failed; they are reported below
            sys.exit(code)
    rows = [row_for(args.out / f"{recipe}--{dataset}--seed0", recipe, dataset) for dataset in datasets for recipe in reported]
    if args.steps:  # a smoke run checks only what it trained
        rows = [row for row in rows if row["recipe"] in recipes]
    command = invocation()
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.with_suffix(".json").write_text(json.dumps({"command": command, "rows": rows}, indent=2) + "\n")
    args.report.with_suffix(".md").write_text(markdown(rows, command))
    if not args.no_docs:
        update_docs(rows, command)
    for r in rows:
        print(f"{r['recipe']:>8} {r['dataset']:<14} {'pass' if r['passed'] else 'MISS: ' + '; '.join(r['misses'])}")
    sys.exit(0 if all(r["passed"] for r in rows) else 1)


if __name__ == "__main__":
    main()
