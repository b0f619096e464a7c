"""How long a 10k-sample evaluation with the MNIST extractor takes on this machine.

    GANZOO_DATA_ROOT=../shared/data python benchmarks/eval_speed.py --n 10000

Times FID+KID+IS, and precision/recall separately, on 10k generated-like images (the MNIST
train split stands in for samples) against the 10k test split, feature extraction of the
samples included: once with an empty reference cache and once with the reference statistics
cached. Writes benchmarks/results/eval_speed.json.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import torch

from ganzoo.discovery import get_registry
from ganzoo.evaluate import evaluate_images, load_reference
from records import invocation

RESULTS = Path(__file__).resolve().parent / "results"


def timed(fake, reference, spec, metrics, cache_dir, n):
    start = time.perf_counter()
    result = evaluate_images(fake, reference, dataset=spec, metrics=metrics, n_real=n, cache_dir=cache_dir)
    return round(time.perf_counter() - start, 2), {k: v for k, v in result.metrics.items() if isinstance(v, float)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--out", type=Path, default=RESULTS / "eval_speed.json")
    args = parser.parse_args()
    spec, test = load_reference(get_registry(), "mnist", "test")
    _, train = load_reference(get_registry(), "mnist", "train")
    fake = train.images[: args.n]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for metrics in ("fid,kid,is", "prc"):
            cache = Path(tmp) / metrics.replace(",", "-")
            cold, values = timed(fake, test, spec, metrics, cache, args.n)
            warm, _ = timed(fake, test, spec, metrics, cache, args.n)
            rows.append({"metrics": metrics, "seconds_empty_cache": cold, "seconds_reference_cached": warm, "values": values})
            print(f"{metrics:12s} {cold:6.2f} s (empty cache)  {warm:6.2f} s (reference cached)", flush=True)
    record = {
        "command": invocation(),
        "n_fake": args.n,
        "n_real": args.n,
        "feature_extractor": "ganzoo-mnist",
        "rows": rows,
        "machine": {"cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(), "load_avg_at_end": os.getloadavg()},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
