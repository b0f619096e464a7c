"""Size and CPU cost of the networks the recipes' tables pick by resolution (docs/resolutions.md).

For every (generator, discriminator, side) that a recipe's ``by_resolution`` table names, at the
parts' registered (the papers') widths: the parameters of G and D, and the time of one G+D
forward and backward pass over ``--batch`` generated and ``--batch`` random real images, best of
``--repeats`` after one warm-up, on one CPU thread. Writes benchmarks/results/resolution_nets.json.

    OMP_NUM_THREADS=1 python benchmarks/resolution_nets.py
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import time
from pathlib import Path

import torch

from ganzoo.discovery import get_registry

OUT = Path(__file__).resolve().parent / "results" / "resolution_nets.json"


def cpu_name() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []:
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def pairs(registry) -> list[tuple[str, str, int, int]]:
    """Every (generator, discriminator, side, classes) some recipe's table trains, sorted (10 classes for a conditional recipe)."""
    found = set()
    for name in registry.names("recipe"):
        recipe = registry.recipe(name)
        for side in recipe.by_resolution:
            row = recipe.defaults_for((3, int(side), int(side)))
            classes = 10 if row.get("conditional", recipe.conditional) else 0
            found.add((row.get("generator", recipe.generator), row.get("discriminator", recipe.discriminator), int(side), classes))
    return sorted(found)


def measure(registry, generator: str, discriminator: str, side: int, classes: int, batch: int, repeats: int) -> dict:
    torch.manual_seed(0)
    G = registry.build_part("generator", generator, latent_dim=100, image_shape=(3, side, side), num_classes=classes)
    D = registry.build_part("discriminator", discriminator, image_shape=(3, side, side), num_classes=classes)
    real = torch.rand(batch, 3, side, side) * 2 - 1
    labels = torch.arange(batch) % classes if classes else None

    def step() -> None:
        score = D(G(torch.randn(batch, 100), labels), labels).mean() + D(real, labels).mean()
        score.backward()

    step()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    best = min(times)
    return {
        "generator": generator, "discriminator": discriminator, "side": side, "classes": classes,
        "generator_params": sum(p.numel() for p in G.parameters()), "discriminator_params": sum(p.numel() for p in D.parameters()),
        "seconds_per_pass": round(best, 4), "images_per_second": round(batch / best, 1),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(1)
    registry = get_registry()
    rows = [measure(registry, g, d, side, classes, args.batch, args.repeats) for g, d, side, classes in pairs(registry)]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=OUT.parent).stdout.strip()
    result = {
        "what": "one G+D forward and backward pass per row (latent size 100, the parts' registered widths), fp32, 1 CPU thread, best of repeats after a warm-up",
        "cpu": cpu_name(), "torch": torch.__version__, "commit": commit, "batch": args.batch, "repeats": args.repeats, "rows": rows,
    }  # fmt: skip
    OUT.write_text(json.dumps(result, indent=1) + "\n")
    for row in rows:
        print(f"{row['generator']:>15} x {row['discriminator']:<15} {row['side']:>3} px {row['classes']:>2} classes  G {row['generator_params'] / 1e6:5.2f}M  "
              f"D {row['discriminator_params'] / 1e6:5.2f}M  {row['images_per_second']:7.1f} img/s")  # fmt: skip


if __name__ == "__main__":
    main()
