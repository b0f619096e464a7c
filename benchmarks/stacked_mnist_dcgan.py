"""The default dcgan on Stacked-MNIST, counted legibly, beside its remedies and every other recipe: configurations x seeds, resumable (issue #28, item 2).

    GANZOO_DATA_ROOT=../shared/data OMP_NUM_THREADS=1 python benchmarks/stacked_mnist_dcgan.py --configs split-channels,plain --seeds 0,1,2

Each configuration is ``ganzoo train dcgan --data stacked-mnist`` plus its flags (:data:`CONFIGS`; :data:`RECIPE_OF`
names the configurations that train another recipe, at its own defaults; ``default`` adds none, so it
measures whatever the recipe resolves to when the script runs; the resolved configuration is recorded with each
result). Runs live in ``runs/stacked_mnist_dcgan/CONFIG-seedS`` (``runs/`` is git-ignored); a finished
cell is skipped, an interrupted run is resumed from its last checkpoint.

Evaluation: 26,000 samples (latent seed 0, the EMA generator when the run has one, as ``ganzoo eval`` picks), each
channel read by the shipped MNIST classifier (``ganzoo-mnist``) with its softmax kept. The papers' argmax protocol
gives modes and KL over every sample; a sample is *legible* at threshold t when the classifier's top probability is
>= t on all three channels and each channel reads as real ones do: feature norm in the 0.5-99.5 % range and block
activity within the 99.5 % Mahalanobis distance of the first 2000 real test triples' channels (ganzoo's rule,
``ganzoo.evaluate.coverage.Legibility``, fitted as ``ganzoo eval`` fits it; ``ganzoo eval`` uses t = 0.9), and the legible modes and legible KL (KL of the legible samples' mode distribution from
uniform) count legible samples only. The same figures on 26,000 real test triples calibrate the thresholds.
Writes ``benchmarks/results/stacked_mnist_dcgan.json`` + ``.md`` and a 64-sample grid per cell under
``benchmarks/results/stacked_mnist_dcgan/``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
from pathlib import Path

import torch

from ganzoo.api.model import load
from ganzoo.base.atomic import write_atomically, write_json_atomically
from ganzoo.evaluate.classifier import load_classifier
from ganzoo.evaluate.coverage import RULE_VERSION, TYPICAL_N, Legibility, Reading
from ganzoo.evaluate.modes import channels_to_modes, mode_metrics, read_channels
from ganzoo.sampling import sample_images
from ganzoo.train.images import save_grid
from records import invocation, run_training

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
OUT = RESULTS / "stacked_mnist_dcgan"
RUNS = ROOT / "runs" / "stacked_mnist_dcgan"
N = 26_000
THRESHOLDS = (0.5, 0.8, 0.9, 0.95, 0.99)
FLOOR = {"legible_modes": 900, "legible_fraction": 0.5}  # at threshold 0.9
GOAL = {"legible_modes": 990, "legible_kl": 0.1, "legible_fraction": 0.9}

#: the InfoGAN networks drawing and judging the three channels together (before split_channels became the default on
#: Stacked-MNIST; the remedies below were measured on them)
PLAIN = ["--set", "generator.split_channels=false", "--set", "discriminator.split_channels=false"]
SPLIT_CHANNELS = ["--set", "generator.split_channels=true", "--set", "discriminator.split_channels=true"]
#: channels split, the latent shared (what Stacked-MNIST resolved to before split_latent existed)
SPLIT = [*SPLIT_CHANNELS, "--set", "generator.split_latent=false"]
#: channels split, each from its own slice of z, judged alone and together (the discriminator's joint score)
SPLIT_LATENT = [*SPLIT_CHANNELS, "--set", "generator.split_latent=true", "--set", "discriminator.joint_score=true"]
#: channels split, each from its own slice of z, each judged alone (what ``default`` resolves to since joint_score exists)
SPLIT_ALONE = [*SPLIT_CHANNELS, "--set", "generator.split_latent=true", "--set", "discriminator.joint_score=false"]

#: configuration name -> flags after ``ganzoo train dcgan --data stacked-mnist``
CONFIGS: dict[str, list[str]] = {
    "default": [],
    "plain": PLAIN,
    # the recipe's 28-px row before this benchmark (half-width InfoGAN networks, no EMA), stated in flags
    "half-width": [*PLAIN, "--set", "generator.width=32", "--set", "generator.hidden=512", "--set", "discriminator.width=32", "--set", "discriminator.hidden=512", "--ema-decay", "0"],
    "pacgan2": ["--discriminator", "pacgan", "--set", "discriminator.pack=2"],
    "mbstd": [*PLAIN, "--set", "discriminator.mbstd=true"],
    "ema": [*PLAIN, "--ema-decay", "0.999"],
    "full-width": [*PLAIN, "--set", "generator.width=64", "--set", "generator.hidden=1024", "--set", "discriminator.width=64", "--set", "discriminator.hidden=1024"],
    "pacgan2-ema": ["--discriminator", "pacgan", "--set", "discriminator.pack=2", "--ema-decay", "0.999"],
    # each channel drawn by the generator's shared convolutions from its own feature map and judged alone by the
    # discriminator's shared convolutions as well as together (the InfoGAN networks' split_channels option), the
    # channels' feature maps from one shared latent, stated in flags
    "split-channels": SPLIT,
    "split-channels-mbstd": [*SPLIT, "--set", "discriminator.mbstd=true"],
    # the split generator drawing each channel from its own slice of z (independent channels by construction)
    "split-latent": SPLIT_LATENT,
    "split-latent-r1": [*SPLIT_LATENT, "--loss", "bce+r1"],
    "split-latent-ema": [*SPLIT_LATENT, "--ema-decay", "0.999"],
    # ... judged by a discriminator that scores each channel alone and sums the scores (no joint score; what
    # ``default`` resolves to since Stacked-MNIST declares separate, independent channels), stated in flags
    "split-alone": SPLIT_ALONE,
    "split-alone-ema": [*SPLIT_ALONE, "--ema-decay", "0.999"],
    "split-alone-linear-lr": [*SPLIT_ALONE, "--lr-schedule", "linear"],
    # the recipe the health warnings and the Mode collapse page recommend against collapse, at its own default run
    "wgan-gp": [],
    # the other recipes, each at its own default run (how far each is from the goal)
    "vanilla": [],
    "cgan": [],
    "lsgan": [],
    "sngan": [],
}
#: configurations that train another recipe than dcgan
RECIPE_OF: dict[str, str] = {name: name for name in ("wgan-gp", "vanilla", "cgan", "lsgan", "sngan")}


def read(images: torch.Tensor) -> Reading:
    """The shipped MNIST classifier's reading of each channel of uint8 (N, 3, H, W) images (what ``ganzoo eval`` reads)."""
    return read_channels(load_classifier("ganzoo-mnist"), images)


def legible_metrics(reading: Reading, rule: Legibility) -> dict:
    """Argmax modes and KL over every sample, and per threshold the legible fraction, modes and KL, by
    ``ganzoo.evaluate.modes.mode_metrics`` with ``rule`` at that threshold; the share of each channel legible at 0.9."""
    modes = channels_to_modes(reading.classes)
    argmax = mode_metrics(modes, 1000)
    per_channel = rule.with_threshold(0.9).per_channel(reading).double().mean(0).tolist()
    result = {"n": len(modes), "argmax_modes": argmax["modes"], "argmax_kl": argmax["kl"], "channel_legible_0.9": per_channel, "legible": {}}
    for t in THRESHOLDS:
        legible = mode_metrics(modes, 1000, legible=rule.with_threshold(t)(reading))
        result["legible"][str(t)] = {"fraction": legible["legible_fraction"], "modes": legible["legible_modes"], "kl": legible["legible_kl"]}
    return result


def real_calibration(data_root: str | None) -> tuple[Legibility, dict]:
    """The legibility rule fitted as ``ganzoo eval`` fits it (the first TYPICAL_N real test triples), and
    the legible figures of all 26,000 real test triples under it (what a perfect generator scores)."""
    from ganzoo.data.root import resolve_data_root
    from ganzoo.discovery import get_registry

    data = get_registry().dataset("stacked-mnist").load(resolve_data_root(data_root), "test", False)
    reading = read(data.images[:N])
    rule = Legibility.of_reference(Reading(*(column[:TYPICAL_N] for column in reading)))
    return rule, {"rule": rule.describe(), "rule_version": RULE_VERSION, **legible_metrics(reading, rule)}


def _finished_before(run: Path) -> dict | None:
    """For a run that had reached its last step before this invocation (trained by the same command elsewhere
    and moved here): its training seconds from its own log, its CPU time unknown; None otherwise."""
    steps = [int(p.stem.split("-")[1]) for p in (run / "checkpoints").glob("step-*.json")]
    if not steps or not (run / "config.json").is_file():
        return None
    record = json.loads((run / "config.json").read_text())
    if max(steps) < record.get("config", record)["steps"]:
        return None
    logged = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines() if line.strip()]
    return {"train_cpu_s": None, "train_wall_s": sum(r.get("train_s", 0.0) for r in logged)}


def train(config: str, seed: int) -> dict:
    """Train (or resume) one cell; its CPU seconds (children's user + system) and wall seconds."""
    run = RUNS / f"{config}-seed{seed}"
    command = [sys.executable, "-m", "ganzoo", "train", RECIPE_OF.get(config, "dcgan"), "--data", "stacked-mnist", "--seed", str(seed), "-q", "--out", str(run), *CONFIGS[config]]
    finished = _finished_before(run)
    if finished is not None:
        return {**finished, "command": " ".join(["ganzoo", *command[3:]])}
    command, cpu, wall = run_training(command, run)
    return {"train_cpu_s": cpu, "train_wall_s": wall, "command": " ".join(["ganzoo", *command[3:]])}


def evaluate(config: str, seed: int, rule: Legibility) -> dict:
    run = RUNS / f"{config}-seed{seed}"
    model = load(run, ema=True)
    generator = model.generator.eval()
    # a conditional generator is asked for each of the 1000 triples in turn (26 samples each), as `ganzoo eval` asks
    labels = torch.arange(N) % generator.num_classes if generator.num_classes else None
    images = sample_images(generator, N, seed=0, labels=labels)
    OUT.mkdir(parents=True, exist_ok=True)
    save_grid(images[:64], OUT / f"{config}-seed{seed}.png", nrow=8)
    resolved = json.loads((run / "config.json").read_text())
    resolved = resolved.get("config", resolved)
    keys = ("generator", "discriminator", "loss", "steps", "batch_size", "lr_g", "lr_d", "betas", "ema_decay", "generator_options", "discriminator_options", "loss_options")
    return {"step": model.step, "ema": model.ema, "resolved": {k: resolved.get(k) for k in keys}, **legible_metrics(read(images), rule)}


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def _mean_std(values: list[float]) -> str:
    return f"{statistics.fmean(values):.3f} ± {statistics.stdev(values):.3f}" if len(values) > 1 else f"{values[0]:.3f}"


def _cpu_minutes(cells: list[dict]) -> str:
    """Mean CPU minutes of the cells whose CPU time was measured (a run moved in finished has none), with their count when some lack it."""
    measured = [c["train_cpu_s"] for c in cells if c.get("train_cpu_s") is not None]
    if not measured:
        return "–"
    return f"{statistics.fmean(measured) / 60:.1f}" + ("" if len(measured) == len(cells) else f" ({len(measured)} of {len(cells)} runs)")


def write_table(data: dict, threshold: str = "0.9") -> None:
    lines = [
        "# Stacked-MNIST counted legibly: the default dcgan, its remedies and every other recipe",
        "",
        f"<!-- generated by `{data['command']}`; edit the script, not this page -->",
        "",
        f"{N} samples per cell (latent seed 0, EMA generator when the run has one); the shipped MNIST classifier reads each channel. "
        f"Argmax: the papers' protocol (every sample). Legible at {threshold}: the classifier is >= {threshold} sure on all three channels, each read as the real triples are (feature norm in their range, block activity typical: ganzoo's rule, version {data['real']['rule_version']}); "
        f"legible modes and KL count those samples only. CPU: {data['cpu']}, one thread (OMP_NUM_THREADS=1), other work running.",
        "",
    ]
    real = data.get("real")
    if real:
        lines += ["Real test triples: " + ", ".join(f"at {t}: {v['fraction']:.3f} legible, {v['modes']} modes, KL {v['kl']:.3f}" for t, v in real["legible"].items()) + f"; argmax {real['argmax_modes']} modes, KL {real['argmax_kl']:.3f}.", ""]
    lines += [f"| config | seeds | argmax modes | argmax KL | legible fraction ({threshold}) | legible modes | legible KL | CPU min / run |", "|---|---|---|---|---|---|---|---|"]
    for config in data["configs"]:
        cells = [c for c in data["cells"] if c["config"] == config]
        if not cells:
            continue
        leg = [c["legible"][threshold] for c in cells]
        lines.append(
            f"| {config} | {','.join(str(c['seed']) for c in cells)} | {_mean_std([c['argmax_modes'] for c in cells])} | {_mean_std([c['argmax_kl'] for c in cells])} "
            f"| {_mean_std([x['fraction'] for x in leg])} | {_mean_std([x['modes'] for x in leg])} | {_mean_std([x['kl'] for x in leg])} "
            f"| {_cpu_minutes(cells)} |"
        )
    lines += ["", "Per cell, every threshold (fraction / modes / KL):", "", "| cell | " + " | ".join(THRESHOLDS.__str__().strip("()").split(", ")) + " |", "|---|" + "---|" * len(THRESHOLDS)]
    for c in data["cells"]:
        lines.append(f"| {c['config']} seed {c['seed']} | " + " | ".join(f"{v['fraction']:.3f} / {v['modes']} / {v['kl']:.3f}" for v in c["legible"].values()) + " |")
    lines += [
        "",
        "Each configuration's command (`--seed S --out runs/stacked_mnist_dcgan/CONFIG-seedS` added). Cells trained before "
        "`split_channels` existed ran without the split flags, `split-channels` cells trained before `split_latent` existed "
        "without `generator.split_latent=false`, and `split-latent` cells before `joint_score` existed without "
        "`discriminator.joint_score=true`: each then gave the same networks; each cell's `command` and "
        "`resolved` fields in the JSON hold what it ran:",
        "",
    ]
    lines += [f"- `{name}`: `{' '.join(['ganzoo train', RECIPE_OF.get(name, 'dcgan'), '--data stacked-mnist', *flags])}`" for name, flags in CONFIGS.items() if name in data["configs"]]
    write_atomically(RESULTS / "stacked_mnist_dcgan.md", lambda tmp: Path(tmp).write_text("\n".join(lines) + "\n"), "the table")


def _merged(path: Path, data: dict) -> dict:
    """``data`` with the cells and configurations that the results file holds now and ``data`` lacks."""
    if not path.exists():
        return data
    stored = json.loads(path.read_text())
    if stored.get("real", {}).get("rule_version") != RULE_VERSION:
        return data
    seen = {(c["config"], c["seed"]) for c in data["cells"]}
    data["cells"] += [c for c in stored.get("cells", []) if (c["config"], c["seed"]) not in seen]
    data["configs"] += [c for c in stored.get("configs", []) if c not in data["configs"]]
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--configs", default="default", help=f"comma-separated, of {', '.join(CONFIGS)}")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--table-only", action="store_true")
    args = parser.parse_args()
    path = RESULTS / "stacked_mnist_dcgan.json"
    data = json.loads(path.read_text()) if path.exists() else {"cells": [], "configs": []}
    data.update(command=invocation(), cpu=cpu_model())
    rule, real = real_calibration(args.data_root)
    if data.get("real", {}).get("rule_version") != RULE_VERSION:  # cells counted by an older rule are dropped
        data.update(cells=[], configs=[])
    data["real"] = real
    given = [c for c in args.configs.split(",") if c]
    if args.table_only:  # the table's rows in the order given, the other configurations after them
        data["configs"] = [c for c in given if c in data["configs"]] + [c for c in data["configs"] if c not in given]
    for config in given:
        if config not in CONFIGS:
            parser.error(f"unknown configuration {config!r}; choose from {', '.join(CONFIGS)}")
        if config not in data["configs"]:
            data["configs"].append(config)
        for seed in [int(s) for s in args.seeds.split(",")]:
            if args.table_only or any(c["config"] == config and c["seed"] == seed for c in data["cells"]):
                continue
            timing = train(config, seed)
            cell = {"config": config, "seed": seed, **timing, **evaluate(config, seed, rule)}
            data = _merged(path, data)  # another invocation may have added cells meanwhile (two can run at once)
            data["cells"].append(cell)
            write_json_atomically(path, data)
            write_table(data)
            leg = data["cells"][-1]["legible"]["0.9"]
            print(f"{config} seed {seed}: argmax {data['cells'][-1]['argmax_modes']} modes; legible(0.9) {leg['fraction']:.3f}, {leg['modes']} modes, KL {leg['kl']:.3f}", flush=True)
    data = _merged(path, data)
    write_json_atomically(path, data)
    write_table(data)


if __name__ == "__main__":
    main()
