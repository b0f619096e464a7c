"""Quality at equal budget: each recipe trained by ganzoo and by a plain PyTorch loop, both evaluated.

    GANZOO_DATA_ROOT=../shared/data python benchmarks/quality_vs_plain.py --recipes vanilla,cgan,dcgan,lsgan --steps 2000
    GANZOO_DATA_ROOT=../shared/data python benchmarks/quality_vs_plain.py --recipes wgan-gp --steps 400 --merge
    GANZOO_DATA_ROOT=../shared/data python benchmarks/quality_vs_plain.py --recipes dcgan --seeds 1 --first-seed 1 --merge  # one more seed, beside other processes
    python benchmarks/quality_vs_plain.py --table-only  # rewrite the .md from the JSON

For each recipe, ganzoo's trainer and the plain loop of ``plain_loops.py`` (torchvision MNIST
with Resize/ToTensor/Normalize, a DataLoader, default Adam, the paper's objective written
inline) train the same networks from the same initial weights for the same number of
generator steps at the recipe's batch size and critic steps. Both generators are then
sampled with the same seed and scored by the same evaluator call (ganzoo-mnist features,
``--eval-n`` samples against as many test images). Writes
benchmarks/results/quality_vs_plain.json/.md and the two grids per recipe (seed 0) in
benchmarks/results/quality_vs_plain/. WGAN-GP's 400 generator steps are 2000 critic steps, the
same real images as the other recipes' 2000 steps.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from plain_loops import PlainLoop, mnist_loader  # noqa: E402
from records import invocation, merged_rows  # noqa: E402

from ganzoo.data.root import resolve_data_root  # noqa: E402
from ganzoo.discovery import get_registry  # noqa: E402
from ganzoo.evaluate import evaluate_generator, load_reference  # noqa: E402
from ganzoo.train import Trainer, resolve_config  # noqa: E402
from ganzoo.train.build import build_discriminator, build_generator  # noqa: E402
from ganzoo.train.images import save_grid  # noqa: E402
from ganzoo.sampling import grid_labels, sample_images  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
GRIDS = RESULTS / "quality_vs_plain"
METRICS = ("fid", "kid", "classes_covered", "conditional_accuracy")


def _spread(values: list[float], digits: int = 2) -> str:
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{statistics.fmean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}"


def save_sample_grid(generator: torch.nn.Module, path: Path) -> None:
    """64 samples (8 per class, one row per class, when conditional) with seed 0."""
    labels = grid_labels(generator.num_classes, 8) if generator.num_classes else None
    generator.eval()
    images = sample_images(generator, 80 if labels is not None else 64, seed=0, labels=labels)
    generator.train()
    save_grid(images, path, nrow=8)


def train_both(recipe: str, steps: int, workers: int, tmp: Path, seed: int = 0):
    """Train ganzoo's run and the plain loop from the same initial weights.

    Returns ({trainer name: (generator, wall seconds)}, the run's config).
    """
    registry = get_registry()
    config = resolve_config(registry, "mnist", recipe, steps=steps, seed=seed, log_every=max(1, steps // 10), sample_every=steps, checkpoint_every=steps, device="cpu")
    trainer = Trainer(config, tmp / f"{recipe}-{seed}", progress=False)
    trainer.setup()
    G0 = {k: v.clone() for k, v in trainer.gan.G.state_dict().items()}
    D0 = {k: v.clone() for k, v in trainer.gan.D.state_dict().items()}
    start = time.perf_counter()
    trainer.fit()
    ganzoo_wall = time.perf_counter() - start

    G = build_generator(registry, config, trainer.shapes)
    D = build_discriminator(registry, config, trainer.shapes)
    G.load_state_dict(G0)
    D.load_state_dict(D0)
    G.train(), D.train()
    torch.manual_seed(config.seed)
    loader = mnist_loader(resolve_data_root(None), trainer.shapes.image_shape[-1], config.batch_size, workers, seed=config.seed)
    loop = PlainLoop(G, D, config.loss, config.lr_g, config.lr_d, config.betas, config.d_steps, loader, config.conditional, config.loss_options.get("gp_weight", 10.0))
    start = time.perf_counter()
    loop.run(steps)
    plain_wall = time.perf_counter() - start
    return {"ganzoo": (trainer.gan.G, ganzoo_wall), "plain loop": (G, plain_wall)}, config


def write_table(record: dict) -> None:
    """benchmarks/results/quality_vs_plain.md from the JSON record: one row per recipe and trainer."""
    rows = record["rows"]
    commands = sorted({r["command"] for r in rows})
    lines = [f"Commands: {', '.join(f'`{c}`' for c in commands)}. Same networks, same initial weights, same steps; FID/KID with ganzoo-mnist on {record['eval_protocol']['n_fake']} samples vs as many test images (lower is better); conditional accuracy: the share of samples the MNIST classifier assigns to the requested class (higher is better). Mean ± std over seeds where there are several. Wall: training seconds per run at 1 torch thread while other jobs shared the CPU, so not a speed measurement (benchmarks/throughput.py is).", "",
             "| recipe | trainer | steps × batch × critic steps | seeds | wall (s) | FID | KID | classes covered | conditional accuracy | grid (seed 0) |", "|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for recipe, trainer in dict.fromkeys((r["recipe"], r["trainer"]) for r in rows):
        group = [r for r in rows if r["recipe"] == recipe and r["trainer"] == trainer]
        first = group[0]
        accuracy = _spread([r["conditional_accuracy"] for r in group], 3) if "conditional_accuracy" in first else "–"
        lines.append(f"| {recipe} | {trainer} | {first['steps']} × {first['batch_size']} × {first['d_steps']} | {len(group)} | {statistics.fmean(r['wall_s'] for r in group):.0f} | "
                     f"{_spread([r['fid'] for r in group])} | {_spread([r['kid'] for r in group])} | {_spread([r['classes_covered'] for r in group], 1)} | {accuracy} | ![{recipe} {trainer}]({first['grid']}) |")  # fmt: skip
    (RESULTS / "quality_vs_plain.md").write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", default="vanilla,cgan,dcgan,lsgan,wgan-gp")
    parser.add_argument("--steps", type=int, default=2000, help="generator steps of both runs")
    parser.add_argument("--eval-n", type=int, default=5000)
    parser.add_argument("--seeds", type=int, default=1, help="seeds per recipe (same seed for both trainers)")
    parser.add_argument("--first-seed", type=int, default=0, help="run seeds FIRST..FIRST+N-1 (to split seeds over processes)")
    parser.add_argument("--workers", type=int, default=0, help="DataLoader workers of the plain loop")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0 = torch's default)")
    parser.add_argument("--merge", action="store_true", help="keep the rows of an existing results file that this run does not redo (same recipe, trainer and seed)")
    parser.add_argument("--table-only", action="store_true", help="only rewrite the .md table from the existing JSON")
    args = parser.parse_args()
    if args.table_only:
        write_table(json.loads((RESULTS / "quality_vs_plain.json").read_text()))
        return
    if args.threads:
        torch.set_num_threads(args.threads)
    command = invocation()
    spec, reference = load_reference(get_registry(), "mnist", "test")
    GRIDS.mkdir(parents=True, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for recipe in args.recipes.split(","):
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                trained, config = train_both(recipe, args.steps, args.workers, Path(tmp), seed)
                for name, (generator, wall) in trained.items():
                    evaluation = evaluate_generator(generator, reference, dataset=spec, n=args.eval_n, metrics="fid,kid", n_real=args.eval_n)
                    grid = f"quality_vs_plain/{recipe}-{name.split()[0]}.png"
                    if seed == 0:  # the table shows seed 0's grid
                        save_sample_grid(generator, RESULTS / grid)
                    row = {"recipe": recipe, "trainer": name, "seed": seed, "steps": args.steps, "batch_size": config.batch_size, "d_steps": config.d_steps, "wall_s": round(wall, 1), "grid": grid, "command": command}
                    row.update({k: evaluation.metrics[k] for k in METRICS if k in evaluation.metrics})
                    rows.append(row)
                    print(json.dumps(row), flush=True)
    out = RESULTS / "quality_vs_plain.json"
    if args.merge:
        rows = merged_rows(out, rows, key=lambda r: (r["recipe"], r["trainer"], r["seed"]))
    rows.sort(key=lambda r: (r["recipe"], r["trainer"], r.get("seed", 0)))
    record = {"eval_protocol": evaluation.protocol, "rows": rows, "machine": {"cpus": os.cpu_count(), "torch": torch.__version__, "threads": torch.get_num_threads()}}
    out.write_text(json.dumps(record, indent=2) + "\n")
    write_table(record)


if __name__ == "__main__":
    main()
