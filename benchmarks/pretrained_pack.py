"""Build the pretrained packs from the leaderboard's seed-0 runs, and measure what 8-bit weights cost.

    # 1. train the leaderboard's seed-0 cells, keeping their runs (about 25 min on a 2-core CPU):
    GANZOO_DATA_ROOT=../shared/data ganzoo bench --eval-n 5000 --metrics fid,kid,is --out RUNS \\
        --recipes vanilla,dcgan,wgan-gp,cgan,lsgan,sngan --data mnist,fashion-mnist --seed-list 0 -q
    # 2. pack them (ganzoo's recipes into ganzoo/pretrained/packs, sngan into its plugin's package):
    GANZOO_DATA_ROOT=../shared/data python benchmarks/pretrained_pack.py --runs RUNS

Each pack is scored with the leaderboard's protocol (5,000 samples, seed 0, the dataset's own
classifier features) from its stored weights; the card puts that beside the leaderboard's
row for the same cell and the mean ± std over its three seeds. The table of all packs goes to
benchmarks/results/pretrained_pack.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from records import invocation, merged_rows  # benchmarks/records.py

from ganzoo.api.evaluation import evaluate
from ganzoo.api.model import GanModel, load
from ganzoo.base.layout import CONFIG_FILE
from ganzoo.discovery import get_registry
from ganzoo.loading import load_pack
from ganzoo.pretrained.pack import GRID_FILE, QUANTIZATIONS, write_card, write_pack
from ganzoo.pretrained.spec import PretrainedSpec

REPO = Path(__file__).resolve().parent.parent
LEADERBOARD = REPO / "benchmarks" / "results" / "leaderboard"
#: Where each distribution keeps its packs: a pack ships with the plugin that provides its recipe.
PACK_FOLDERS = {
    "ganzoo": REPO / "ganzoo" / "pretrained" / "packs",
    "ganzoo-sngan": REPO / "plugins" / "ganzoo-sngan" / "ganzoo_sngan" / "pretrained",
}
SCORED = ("fid", "kid", "is", "classes_covered", "conditional_accuracy", "intra_fid")
PROTOCOL = dict(n=5000, metrics="fid,kid,is", seed=0)
DATASET_TITLES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}


def _scores(metrics: dict) -> dict:
    return {key: metrics[key] for key in SCORED if metrics.get(key) is not None}


def _seed_spread(recipe: str, dataset: str) -> dict:
    """Mean and std of each score over the committed leaderboard's seeds of one recipe x dataset."""
    cells = [json.loads(p.read_text()) for p in sorted(LEADERBOARD.glob(f"{recipe}--{dataset}--seed*/result.json"))]
    done = [c["metrics"] for c in cells if c.get("status") == "done"]
    spread = {}
    for key in SCORED:
        values = [m[key] for m in done if m.get(key) is not None]
        if len(values) >= 2:
            spread[key] = {"mean": statistics.mean(values), "std": statistics.stdev(values), "seeds": len(values)}
    return spread


def pack_cell(cell_dir: Path, quantization: str) -> dict:
    """Write one cell's pack; returns its row of the results table."""
    result = json.loads((cell_dir / "result.json").read_text())
    recipe, dataset, seed = result["cell"]["recipe"], result["cell"]["dataset"], result["cell"]["seed"]
    registry = get_registry()
    distribution = next(p.distribution for p in registry.plugins if p.name == registry.entry("recipe", recipe).plugin)
    name = f"{recipe}-{dataset}"
    out_dir = PACK_FOLDERS[distribution] / name
    run = load(cell_dir / "run")
    published = json.loads((LEADERBOARD / cell_dir.name / "result.json").read_text())
    training = result["training"]
    card = {
        "name": name,
        "description": f"{recipe} trained on {DATASET_TITLES.get(dataset, dataset)} for {training['steps']} steps (the leaderboard's seed-{seed} cell), "
        f"{quantization} weights.",
        "recipe": recipe,
        "dataset": dataset,
        "seed": seed,
        "step": run.step,
        "ema": run.ema,
        "training": {
            "command": published["command"],  # the leaderboard's; the pack's run re-ran this cell with it
            "retrained_with": result["command"],
            **{k: training[k] for k in ("steps", "batch_size", "generator", "discriminator", "loss")},
            "train_s": published.get("train_wall_s"),
            "images_per_s": published.get("images_per_s"),
            "hardware": published.get("hardware", {}).get("cpu") or published.get("hardware", {}).get("device", "?"),
        },
        "protocol": "5,000 samples (seed 0) against 5,000 test images, the dataset's own classifier features (ganzoo eval NAME --n 5000)",
    }
    record = json.loads((cell_dir / "run" / CONFIG_FILE).read_text())
    card = write_pack(out_dir, run.generator, record, card, quantization)
    spec = PretrainedSpec(name, str(out_dir), sha256=card["weights"]["sha256"])
    loaded = load_pack(spec, registry)
    generator, config = loaded.generator, loaded.config
    packed = GanModel(generator, config, source=name, step=run.step, ema=run.ema, card=card)
    packed.grid(80 if packed.num_classes else 64).save(out_dir / GRID_FILE)
    pack_scores = _scores(evaluate(packed, **PROTOCOL).metrics)
    run_scores = _scores(evaluate(run, **PROTOCOL).metrics)
    spread = _seed_spread(recipe, dataset)
    card["scores"] = {
        f"leaderboard, seed {seed} (float32)": _scores(published["metrics"]),
        "this run retrained (float32)": run_scores,
        f"this pack ({quantization})": pack_scores,
    }
    card["leaderboard_seeds"] = spread
    write_card(out_dir, card)
    fid = pack_scores.get("fid")
    within = None
    if "fid" in spread and fid is not None:
        within = abs(fid - spread["fid"]["mean"]) <= 2 * spread["fid"]["std"]
    return {
        "name": name,
        "folder": str(out_dir.relative_to(REPO)),
        "bytes": card["weights"]["bytes"],
        "leaderboard_fid_seed0": published["metrics"].get("fid"),
        "retrained_fid": run_scores.get("fid"),
        "pack_fid": fid,
        "leaderboard_fid_mean": spread.get("fid", {}).get("mean"),
        "leaderboard_fid_std": spread.get("fid", {}).get("std"),
        "pack_fid_within_2_std": within,
        "pack_classes_covered": pack_scores.get("classes_covered"),
        "pack_conditional_accuracy": pack_scores.get("conditional_accuracy"),
    }


def _markdown(rows: list[dict], command: str) -> str:
    total = sum(r["bytes"] for r in rows)
    lines = [
        "# Pretrained packs: 8-bit weights against the leaderboard",
        "",
        f"Command: `{command}`",
        "",
        "FID on 5,000 samples (seed 0) with the dataset's own classifier features, as the leaderboard. "
        "'within' = the pack's FID lies within 2 std of the leaderboard's mean over 3 seeds.",
        "",
        "| pack | bytes | leaderboard FID (seed 0) | retrained float32 FID | pack FID | leaderboard mean ± std | within | classes | cond. acc. |",
        "|---|---|---|---|---|---|---|---|---|",
    ]

    def f(value, digits=2):
        return "–" if value is None else f"{value:.{digits}f}"

    for r in rows:
        spread = f"{f(r['leaderboard_fid_mean'])} ± {f(r['leaderboard_fid_std'])}"
        lines.append(
            f"| {r['name']} | {r['bytes']:,} | {f(r['leaderboard_fid_seed0'])} | {f(r['retrained_fid'])} | {f(r['pack_fid'])} | {spread} | "
            f"{r['pack_fid_within_2_std']} | {r['pack_classes_covered']} | {f(r['pack_conditional_accuracy'], 3)} |"
        )
    lines += ["", f"Total weights: {total:,} bytes ({total / 2**20:.1f} MiB) in {len(rows)} packs.", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=Path, required=True, help="a `ganzoo bench --out` folder holding the seed-0 cells with their run/")
    parser.add_argument("--quantization", choices=QUANTIZATIONS, default="int8")
    parser.add_argument("--only", default="", help="comma-separated pack names (default: every seed-0 cell in --runs)")
    args = parser.parse_args()
    only = {n for n in args.only.split(",") if n}
    rows = []
    for cell_dir in sorted(args.runs.glob("*--seed0")):
        recipe, dataset, _ = cell_dir.name.split("--")
        if (only and f"{recipe}-{dataset}" not in only) or not (cell_dir / "result.json").exists():
            continue
        print(f"packing {cell_dir.name}", flush=True)
        rows.append(pack_cell(cell_dir, args.quantization))
        print(json.dumps(rows[-1]), flush=True)
    command = invocation()
    results = REPO / "benchmarks" / "results" / "pretrained_pack.json"
    rows = sorted(merged_rows(results, rows, key=lambda row: row["name"]), key=lambda row: row["name"])
    results.write_text(json.dumps({"command": command, "rows": rows}, indent=2) + "\n")
    results.with_suffix(".md").write_text(_markdown(rows, command))


if __name__ == "__main__":
    main()
