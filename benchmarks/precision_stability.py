"""Every recipe under fp32, bf16 and fp16 for a few hundred steps: do the losses stay finite?

    GANZOO_DATA_ROOT=../shared/data python benchmarks/precision_stability.py --recipes vanilla,cgan --steps 300 --merge
    GANZOO_DATA_ROOT=../shared/data python benchmarks/precision_stability.py --recipes dcgan,lsgan,wgan-gp --steps 300 --width 8 --batch-size 16 --merge

Trains each recipe on MNIST in-process with the given precision (autocast; fp16 adds a
gradient scaler per optimiser) and records whether every logged loss stayed finite, the
last losses, fp16's final loss scales, and the wall time. ``--width`` narrows the networks
that take a ``width`` (the convolutional ones): this CPU has no bf16/fp16 instructions, so a
reduced-precision convolution at the canonical width 64 costs seconds per step, and a few
hundred steps of every recipe fit in minutes only at a small width. Writes
benchmarks/results/precision_stability.json and .md (``--merge`` keeps the rows this run does not redo).
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import os
import tempfile
import time
from pathlib import Path

import torch

from ganzoo.base.layout import METRICS_FILE
from ganzoo.discovery import get_registry
from ganzoo.train import Trainer, TrainingDiverged, resolve_config
from records import invocation, merged_rows

RESULTS = Path(__file__).resolve().parent / "results"
PRECISIONS = ("fp32", "bf16", "fp16")


def write_table(record: dict, path: Path) -> None:
    """The results as a markdown table: one row per recipe and precision, with the commands."""
    commands = sorted({r["command"] for r in record["rows"]})
    lines = [f"Commands: {', '.join(f'`{c}`' for c in commands)}. Losses are the last logged values (MNIST; width: the convolutional networks' base channels).", "",
             "| recipe | precision | steps | batch | width | all losses finite | last loss D / G | final loss scales | wall (s) |", "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for r in record["rows"]:
        scales = ", ".join(f"{name} {scale:g}" for name, scale in r["loss_scales"].items()) or "–"
        last = f"{r['last']['loss_d']:.3f} / {r['last']['loss_g']:.3f}" if r["last"] else "–"
        lines.append(f"| {r['recipe']} | {r['precision']} | {r['steps']} | {r['batch_size']} | {r['width'] or 'recipe'} | {'yes' if r['all_losses_finite'] else 'no: ' + str(r['error'])} | {last} | {scales} | {r['wall_s']} |")
    path.write_text("\n".join(lines) + "\n")


def width_options(registry, recipe: str, width: int) -> dict:
    """``{"generator_options": ..., "discriminator_options": ...}`` setting ``width`` where the part takes one."""
    if not width:
        return {}
    base = registry.recipe(recipe)
    options = {}
    for part, spec in (("generator", registry.generator(base.generator)), ("discriminator", registry.discriminator(base.discriminator))):
        if "width" in inspect.signature(spec.factory).parameters:
            options[f"{part}_options"] = {**getattr(base, f"{part}_options"), "width": width}
    return options


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--recipes", default=",".join(get_registry().names("recipe")))
    parser.add_argument("--precisions", default="fp32,bf16,fp16")
    parser.add_argument("--width", type=int, default=0, help="base channels of the networks that take a width (0 = the recipe's)")
    parser.add_argument("--batch-size", type=int, default=None, help="real images per step (default: the recipe's)")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0 = torch's default)")
    parser.add_argument("--out", type=Path, default=RESULTS / "precision_stability.json")
    parser.add_argument("--merge", action="store_true", help="keep the rows of an existing results file that this run does not redo")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    command = invocation()
    registry = get_registry()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for recipe in args.recipes.split(","):
            for precision in args.precisions.split(","):
                config = resolve_config(registry, "mnist", recipe, steps=args.steps, precision=precision, batch_size=args.batch_size, log_every=10, sample_every=args.steps, checkpoint_every=args.steps, device="cpu", **width_options(registry, recipe, args.width))
                run = Path(tmp) / f"{recipe}-{precision}"
                trainer = Trainer(config, run, progress=False)
                start = time.perf_counter()
                error = None
                try:
                    trainer.fit()
                except TrainingDiverged as diverged:
                    error = str(diverged)
                records = [json.loads(line) for line in (run / METRICS_FILE).read_text().splitlines()] if (run / METRICS_FILE).exists() else []
                finite = error is None and all(math.isfinite(r["loss_d"]) and math.isfinite(r["loss_g"]) for r in records)
                scales = {k: s.get_scale() for k, s in trainer.gan.precision._scalers.items()}
                row = {"recipe": recipe, "precision": precision, "steps": trainer.step, "batch_size": config.batch_size, "width": args.width or None, "command": command, "all_losses_finite": finite, "error": error,
                       "last": {k: records[-1][k] for k in ("loss_d", "loss_g")} if records else None, "loss_scales": scales,
                       "wall_s": round(time.perf_counter() - start, 1)}  # fmt: skip
                rows.append(row)
                print(json.dumps(row), flush=True)
    if args.merge:
        rows = merged_rows(args.out, rows, key=lambda r: (r["recipe"], r["precision"]))
    rows.sort(key=lambda r: (r["recipe"], PRECISIONS.index(r["precision"])))
    record = {"rows": rows, "machine": {"cpus": os.cpu_count(), "torch": torch.__version__, "threads": torch.get_num_threads()}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    write_table(record, args.out.with_suffix(".md"))


if __name__ == "__main__":
    main()
