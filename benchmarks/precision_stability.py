"""Every recipe under bf16 and fp16 for a few hundred steps: do the losses stay finite?

    GANZOO_DATA_ROOT=../shared/data python benchmarks/precision_stability.py --steps 200

Trains each recipe on MNIST in-process with the given precision (autocast; fp16 adds a
gradient scaler per optimiser) and records whether every logged loss stayed finite, the
last losses, fp16's final loss scales, and the wall time. Writes
benchmarks/results/precision_stability.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import torch

from ganzoo.discovery import get_registry
from ganzoo.train import Trainer, TrainingDiverged, resolve_config

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--recipes", default=",".join(get_registry().names("recipe")))
    parser.add_argument("--precisions", default="bf16,fp16")
    parser.add_argument("--out", type=Path, default=RESULTS / "precision_stability.json")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for recipe in args.recipes.split(","):
            for precision in args.precisions.split(","):
                config = resolve_config(get_registry(), "mnist", recipe, steps=args.steps, precision=precision, log_every=10, sample_every=args.steps, checkpoint_every=args.steps, device="cpu")
                run = Path(tmp) / f"{recipe}-{precision}"
                trainer = Trainer(config, run, progress=False)
                start = time.perf_counter()
                error = None
                try:
                    trainer.fit()
                except TrainingDiverged as diverged:
                    error = str(diverged)
                records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()] if (run / "metrics.jsonl").exists() else []
                finite = error is None and all(math.isfinite(r["loss_d"]) and math.isfinite(r["loss_g"]) for r in records)
                scales = {k: s.get_scale() for k, s in trainer.precision._scalers.items()}
                row = {"recipe": recipe, "precision": precision, "steps": trainer.step, "all_losses_finite": finite, "error": error,
                       "last": {k: records[-1][k] for k in ("loss_d", "loss_g")} if records else None, "loss_scales": scales,
                       "wall_s": round(time.perf_counter() - start, 1)}  # fmt: skip
                rows.append(row)
                print(json.dumps(row), flush=True)
    record = {"command": "python benchmarks/precision_stability.py " + " ".join(sys.argv[1:]), "rows": rows, "machine": {"cpus": os.cpu_count(), "torch": torch.__version__}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
