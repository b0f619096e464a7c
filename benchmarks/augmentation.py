"""Augmentation on a reduced training set: FID with and without --augment diffaugment / ada.

    GANZOO_DATA_ROOT=../shared/data python benchmarks/augmentation.py --recipe dcgan --limit 2000 --steps 3000

Trains RECIPE on the first ``--limit`` training images of each dataset, once per augmentation
(``none`` = without) and seed, for the same number of steps, then evaluates the generator (EMA
when the recipe has one) with the dataset's own feature extractor (ganzoo-mnist /
ganzoo-fashion-mnist) on ``--eval-n`` samples against the test split, so a generator that
memorises its 2000 images is not rewarded. Writes benchmarks/results/augmentation.json and
augmentation.md (``--out`` changes the stem), each row with the command that produced it.

``--eval-every K`` also records FID every K steps of each run; ``--runs DIR`` keeps the runs,
and ``--resume --runs DIR --steps N`` continues them to N steps (a longer budget without
training the first steps again).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import torch

from ganzoo.base.layout import METRICS_FILE
from ganzoo.discovery import get_registry
from ganzoo.evaluate import evaluate_generator, load_reference
from ganzoo.train import Trainer, resolve_config
from ganzoo.train.part_options import parse_assignments
from records import invocation, merged_rows

RESULTS = Path(__file__).resolve().parent / "results"


def _key(row: dict) -> tuple:
    return (row["recipe"], row["data"], row["limit"], row["steps"], _label(row), row["seed"])


def _label(row: dict) -> str:
    """``diffaugment`` or, with options, ``diffaugment (policy=translation)``."""
    options = row.get("augment_options") or {}
    return row["augment"] + (f" ({', '.join(f'{k}={v}' for k, v in sorted(options.items()))})" if options else "")


def _train_and_evaluate(args, registry, data: str, augment: str, seed: int, reference, spec, run: Path) -> dict:
    options = {} if augment == "none" else args.options
    config = resolve_config(
        registry, data, args.recipe, steps=args.steps, limit=args.limit, seed=seed,
        augment=None if augment == "none" else augment, augment_options=options,
        log_every=max(1, args.steps // 20), sample_every=args.steps, checkpoint_every=args.steps, device=args.device,
        eval_every=args.eval_every, eval_n=args.eval_n, eval_metrics="fid",
    )  # fmt: skip
    start = time.perf_counter()
    trainer = Trainer(config, run, progress=False, resume=args.resume)
    result = trainer.fit()
    wall = time.perf_counter() - start
    generator = trainer.gan.sampling_generator
    evaluation = evaluate_generator(
        generator, reference, dataset=spec, n=args.eval_n, metrics="fid,kid", n_real=args.eval_n
    )
    records = [json.loads(line) for line in (run / METRICS_FILE).read_text().splitlines()]
    last = [r for r in records if "loss_d" in r][-1]
    curve = {r["step"]: round(r["eval"]["fid"], 2) for r in records if "eval" in r}
    return {
        "recipe": args.recipe, "data": data, "limit": args.limit, "steps": args.steps, "augment": augment, "seed": seed,
        "augment_options": options, "fid": evaluation.metrics["fid"], "kid": evaluation.metrics["kid"], "ada_p": last.get("ada_p"),
        "fid_during_training": curve, "last_losses": {k: round(v, 4) for k, v in last.items() if k.startswith("loss_")},
        "resumed": args.resume, "wall_s": round(wall, 1), "images_per_s": round(result.images_per_s, 1),
        "eval_protocol": evaluation.protocol,
    }  # fmt: skip


def _table(rows: list[dict]) -> list[str]:
    """Mean FID per (recipe, data, images, steps, augment) over seeds, with the spread."""
    curves = any(r.get("fid_during_training") for r in rows)
    lines = [
        "| recipe | data | images | steps | augment | seeds | FID (mean) | FID (min-max) | KID (mean) | final ADA p |"
        + (" FID during training (step: FID, first seed) |" if curves else ""),
        "|---|---|---|---|---|---|---|---|---|---|" + ("---|" if curves else ""),
    ]
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault((row["recipe"], row["data"], row["limit"], row["steps"], _label(row)), []).append(row)
    for (recipe, data, limit, steps, augment), group in sorted(groups.items()):
        fids = [r["fid"] for r in group]
        p = [r["ada_p"] for r in group if r["ada_p"] is not None]
        line = (
            f"| {recipe} | {data} | {limit} | {steps} | {augment} | {len(group)} | {statistics.mean(fids):.2f} | "
            f"{min(fids):.2f}-{max(fids):.2f} | {statistics.mean(r['kid'] for r in group):.4f} | "
            f"{f'{statistics.mean(p):.2f}' if p else '-'} |"
        )
        if curves:
            curve = group[0].get("fid_during_training") or {}
            line += " " + (", ".join(f"{step}: {fid:.1f}" for step, fid in curve.items()) or "-") + " |"
        lines.append(line)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", default="dcgan")
    parser.add_argument("--data", default="mnist,fashion-mnist", help="comma-separated datasets")
    parser.add_argument("--limit", type=int, default=2000, help="training images used (the first N)")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--augments", default="none,diffaugment,ada", help="comma-separated; 'none' trains without")
    parser.add_argument("--set", dest="settings", action="append", default=[], metavar="OPTION=VALUE",
                        help="an option of the augmentations (repeatable), e.g. --set policy=translation")  # fmt: skip
    parser.add_argument("--seeds", default="0", help="comma-separated seeds")
    parser.add_argument("--eval-n", type=int, default=2000)
    parser.add_argument(
        "--eval-every", type=int, default=0, help="also record FID every K steps of each run (0: at the end only)"
    )
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", default="augmentation", help="results file stem in benchmarks/results/")
    parser.add_argument("--runs", help="keep the run directories (grids, metrics) in this folder")
    parser.add_argument(
        "--resume", action="store_true", help="continue the runs kept in --runs up to --steps (a longer budget)"
    )
    parser.add_argument(
        "--merge", action="store_true", help="keep the rows of an existing results file that this run does not redo"
    )
    args = parser.parse_args()
    if args.resume and not args.runs:
        parser.error("--resume continues the runs of --runs DIR; name that folder")
    args.options = parse_assignments([f"augment.{setting}" for setting in args.settings]).get("augment", {})
    command = invocation()
    registry = get_registry()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.runs) if args.runs else Path(tmp)
        for data in args.data.split(","):
            spec, reference = load_reference(registry, data, "test")
            for augment in args.augments.split(","):
                for seed in (int(s) for s in args.seeds.split(",")):
                    run = root / f"{data}-{args.limit}-{augment}-{seed}"
                    row = {
                        **_train_and_evaluate(args, registry, data, augment, seed, reference, spec, run),
                        "command": command,
                    }
                    rows.append(row)
                    print(json.dumps({k: v for k, v in row.items() if k != "eval_protocol"}), flush=True)
    path = RESULTS / f"{args.out}.json"
    if args.merge:
        rows = merged_rows(path, rows, key=_key)
    record = {
        "command": command,
        "rows": rows,
        "machine": {"cpus": os.cpu_count(), "torch": torch.__version__, "load_avg_at_end": os.getloadavg()},
    }
    path.write_text(json.dumps(record, indent=2) + "\n")
    commands = sorted({r["command"] for r in rows})
    head = [
        f"Commands: {', '.join(f'`{c}`' for c in commands)}.",
        f"FID/KID with the dataset's extractor on {args.eval_n} samples against the test split; "
        "training on the first --limit images only.",
        "",
    ]
    (RESULTS / f"{args.out}.md").write_text("\n".join(head + _table(rows)) + "\n")


if __name__ == "__main__":
    main()
