"""Seconds of one DCGAN-64 forward and backward (G then D, 128 images, one thread) by precision and memory layout.

    OMP_NUM_THREADS=1 python benchmarks/cpu_precision.py

What ``--precision bf16`` and ``--channels-last`` buy on this CPU before a long run: on a CPU without native bf16
(no ``avx512_bf16`` or ``amx_bf16`` flag) autocast emulates bf16, and ``ganzoo train`` warns about it. Writes
``benchmarks/results/cpu_precision.json`` (the median of ``--repeats`` timed passes after one warm-up).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch
from emoji import machine  # benchmarks/emoji.py: the CPU, its bf16 flags, the threads
from records import invocation

from ganzoo.discovery import get_registry
from ganzoo.train.precision import cpu_has_native_bf16

OUT = Path(__file__).resolve().parent / "results" / "cpu_precision.json"


def seconds_per_pass(width: int, bf16: bool, channels_last: bool, repeats: int, batch: int = 128) -> float:
    registry = get_registry()
    torch.manual_seed(0)
    G = registry.build_part("generator", "dcgan", latent_dim=100, image_shape=(3, 64, 64), num_classes=0, width=width)
    D = registry.build_part("discriminator", "dcgan", image_shape=(3, 64, 64), num_classes=0, width=width)
    if channels_last:
        G, D = G.to(memory_format=torch.channels_last), D.to(memory_format=torch.channels_last)
    times = []
    for _ in range(repeats + 1):
        start = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            score = D(G(torch.randn(batch, 100))).float().mean()
        score.backward()
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--widths", default="32", help="comma-separated network widths (64 is the paper's; emulated bf16 at 64 takes ~90 s a pass)")
    args = parser.parse_args()
    rows = []
    for width in [int(w) for w in args.widths.split(",")]:
        for bf16 in (False, True):
            for channels_last in (False, True):
                rows.append({"width": width, "precision": "bf16" if bf16 else "fp32", "channels_last": channels_last, "seconds": round(seconds_per_pass(width, bf16, channels_last, args.repeats), 3)})
                print(json.dumps(rows[-1]), flush=True)
    record = {"command": invocation(), "machine": machine(), "native_bf16": cpu_has_native_bf16(), "torch_threads": torch.get_num_threads(), "rows": rows}
    OUT.write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
