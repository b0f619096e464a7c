"""Every recipe on MNIST for the same budget of real images: sample grids, speed and quality.

    GANZOO_DATA_ROOT=../shared/data python benchmarks/zoo.py --images 64000 --eval-n 2000

Each recipe trains until its discriminator has seen ``--images`` real images (steps =
images / (batch x critic steps)), then its generator is evaluated with the MNIST extractor
(FID, KID, classes covered) on ``--eval-n`` samples. Writes benchmarks/results/zoo.json,
benchmarks/results/zoo.md and one grid per recipe in benchmarks/results/zoo/.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import torch

from ganzoo.discovery import get_registry
from ganzoo.evaluate import evaluate_generator, load_reference
from ganzoo.train import Trainer, resolve_config
from records import invocation, merged_rows

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=64000)
    parser.add_argument("--recipes", default=",".join(get_registry().names("recipe")))
    parser.add_argument("--eval-n", type=int, default=2000)
    parser.add_argument("--data", default="mnist")
    parser.add_argument("--merge", action="store_true", help="keep the other recipes' rows of an existing zoo.json")
    args = parser.parse_args()
    command = invocation()
    registry = get_registry()
    spec, reference = load_reference(registry, args.data, "test")
    grids = RESULTS / "zoo"
    grids.mkdir(parents=True, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for recipe in args.recipes.split(","):
            base = registry.recipe(recipe)
            steps = max(1, args.images // (base.batch_size * base.d_steps))
            config = resolve_config(registry, args.data, recipe, steps=steps, log_every=max(1, steps // 10), sample_every=steps, checkpoint_every=steps, device="cpu")
            run = Path(tmp) / recipe
            start = time.perf_counter()
            trainer = Trainer(config, run, progress=False)
            result = trainer.fit()
            wall = time.perf_counter() - start
            shutil.copy(run / "samples" / f"step-{steps:07d}.png", grids / f"{recipe}.png")
            generator = trainer.gan.sampling_generator
            evaluation = evaluate_generator(generator, reference, dataset=spec, n=args.eval_n, metrics="fid,kid", n_real=args.eval_n)
            last = json.loads((run / "metrics.jsonl").read_text().splitlines()[-1])
            row = {
                "recipe": recipe, "steps": steps, "batch_size": config.batch_size, "d_steps": config.d_steps, "image_size": trainer.shapes.image_shape[-1],
                "wall_s": round(wall, 1), "images_per_s": round(result.images_per_s, 1), "loss_d": last["loss_d"], "loss_g": last["loss_g"],
                "fid": evaluation.metrics["fid"], "kid": evaluation.metrics["kid"], "classes_covered": evaluation.metrics.get("classes_covered"),
                "grid": f"zoo/{recipe}.png", "command": command,
            }  # fmt: skip
            rows.append(row)
            print(json.dumps(row), flush=True)
    if args.merge:
        rows = sorted(merged_rows(RESULTS / "zoo.json", rows, key=lambda r: r["recipe"]), key=lambda r: r["recipe"])
    record = {"command": command, "images_budget": args.images, "eval_protocol": evaluation.protocol, "rows": rows,
              "machine": {"cpus": os.cpu_count(), "torch": torch.__version__, "load_avg_at_end": os.getloadavg()}}  # fmt: skip
    (RESULTS / "zoo.json").write_text(json.dumps(record, indent=2) + "\n")
    commands = sorted({r["command"] for r in rows})
    lines = [f"Commands: {', '.join(f'`{c}`' for c in commands)}; every recipe sees {args.images} real images; FID/KID with ganzoo-mnist on {args.eval_n} samples vs the test split.", "",
             "| recipe | steps | images/s | wall (s) | FID | KID | classes covered | grid |", "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    lines += [f"| {r['recipe']} | {r['steps']} | {r['images_per_s']:.0f} | {r['wall_s']:.0f} | {r['fid']:.2f} | {r['kid']:.3f} | {r['classes_covered']} | ![{r['recipe']}]({r['grid']}) |" for r in rows]
    (RESULTS / "zoo.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
