"""Images/s of the GPU-scale presets (issue #27, item 6), each setting side by side, and the share of the device's peak.

    python benchmarks/preset_throughput.py --device cuda --variants fp32,bf16,bf16+channels-last,bf16+channels-last+compile

Each preset trains on random images of its own shape (a synthetic dataset: the speed of a step does
not depend on the pictures, and the papers' data is not on a lent machine), at the preset's batch and
discriminator steps. Per preset and setting: a warm-up of ``--warmup`` steps (compilation, the
allocator), then ``--rounds`` rounds of ``--steps`` steps, the settings alternating; the table gives
the median images/s ("images" are real images through the discriminator: batch x D steps). The
FLOPs of one step are counted once (``torch.utils.flop_counter``, fp32, uncompiled: forward and
backward of both players, the matmuls and convolutions), so achieved TFLOP/s = FLOPs per step x
steps/s, and on a device whose dense bf16 peak is in :data:`PEAK_BF16` the table gives the share of it.
Writes ``benchmarks/results/preset_throughput.json`` and ``.md`` (``--out``).

On a CPU (``--device cpu``, the default) it runs too, for a smoke test of the script: a few steps.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from records import invocation, refuse_unknown_device  # noqa: E402

from ganzoo.base.atomic import write_atomically, write_json_atomically  # noqa: E402
from ganzoo.bench.environment import hardware  # noqa: E402
from ganzoo.discovery import get_registry  # noqa: E402
from ganzoo.testing.recipes import synthetic_dataset  # noqa: E402
from ganzoo.train import Trainer, resolve_config  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
#: dense bf16 tensor-core peak, FLOP/s, of the devices a session may be lent (vendor datasheets, SXM parts)
PEAK_BF16 = {"H100": 989e12, "H200": 989e12, "A100": 312e12}
#: setting name -> training options
VARIANTS = {
    "fp32": {},
    "bf16": {"precision": "bf16"},
    "bf16+channels-last": {"precision": "bf16", "channels_last": True},
    "bf16+channels-last+compile": {"precision": "bf16", "channels_last": True, "compile": True},
    "channels-last": {"channels_last": True},
}


def presets(registry) -> list[str]:
    """The registered presets (recipes with a paper's card)."""
    return [name for name in registry.names("recipe") if registry.recipe(name).paper is not None]


def build(registry, preset: str, options: dict, device: str, run_dir: Path) -> Trainer:
    """A set-up trainer of ``preset`` on random images of its shape, with nothing but steps to do."""
    recipe = registry.recipe(preset)
    side = recipe.image_size
    dataset = f"random-{side}px"
    if dataset not in registry.names("dataset"):
        registry.add("dataset", synthetic_dataset(10, (3, side, side), name=dataset), plugin="benchmarks", override=True)
    never = 10**9
    config = resolve_config(registry, dataset, preset, device=device, log_every=never, sample_every=never, checkpoint_every=never, **options)
    trainer = Trainer(config, run_dir, registry=registry, progress=False)
    trainer.setup()
    return trainer


def timed(trainer: Trainer, steps: int) -> float:
    """Images/s over ``steps`` training steps, device work included."""
    device = trainer.gan.device
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    for _ in range(steps):
        trainer.gan.step()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    config = trainer.config
    return steps * config.batch_size * config.d_steps / (time.perf_counter() - start)


def flops_per_step(trainer: Trainer) -> int:
    """FLOPs of one training step (forward and backward of both players), counted by PyTorch's FLOP counter."""
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter:
        trainer.gan.step()
    return counter.get_total_flops()


def peak_of(gpu: str | None) -> float | None:
    """The dense bf16 peak of the device named ``gpu`` (``None`` when unknown, or on a CPU)."""
    return next((peak for model, peak in PEAK_BF16.items() if gpu and model in gpu), None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", default="", help="comma-separated presets (default: every registered one)")
    parser.add_argument("--variants", default="fp32,bf16,bf16+channels-last,bf16+channels-last+compile")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS / "preset_throughput.json")
    args = parser.parse_args()
    refuse_unknown_device(parser, args.device)  # an unknown or absent device is refused before anything runs
    registry = get_registry().copy()
    chosen = [p for p in args.presets.split(",") if p] or presets(registry)
    variants = [v for v in args.variants.split(",") if v]
    unknown = [v for v in variants if v not in VARIANTS] + [p for p in chosen if p not in presets(registry)]
    if unknown:
        parser.error(f"unknown settings or presets: {', '.join(unknown)} (settings: {', '.join(VARIANTS)}; presets: {', '.join(presets(registry))})")
    machine = hardware(args.device)
    peak = peak_of(machine.get("gpu"))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for preset in chosen:
            trainers = {v: build(registry, preset, VARIANTS[v], args.device, Path(tmp) / f"{preset}-{v}") for v in variants}
            flops = flops_per_step(build(registry, preset, {}, args.device, Path(tmp) / f"{preset}-count"))
            for trainer in trainers.values():
                timed(trainer, args.warmup)
            rates: dict[str, list[float]] = {v: [] for v in variants}
            for _ in range(args.rounds):
                for variant, trainer in trainers.items():
                    rates[variant].append(timed(trainer, args.steps))
            config = next(iter(trainers.values())).config
            for variant in variants:
                median = statistics.median(rates[variant])
                tflops = flops * median / (config.batch_size * config.d_steps) / 1e12
                row = {"preset": preset, "setting": variant, "images_per_s": round(median, 1), "runs": [round(r, 1) for r in rates[variant]],
                       "gflop_per_step": round(flops / 1e9, 2), "tflop_per_s": round(tflops, 3),
                       "share_of_bf16_peak": round(tflops * 1e12 / peak, 4) if peak else None}  # fmt: skip
                rows.append(row)
                share = f"  {100 * row['share_of_bf16_peak']:.1f} % of peak" if peak else ""
                print(f"{preset:16s} {variant:28s} {median:9.1f} img/s  {tflops:8.3f} TFLOP/s{share}", flush=True)
    result = {"command": invocation(), "hardware": machine, "peak_bf16_flops": peak, "steps": args.steps, "warmup": args.warmup,
              "rounds": args.rounds, "torch": torch.__version__, "rows": rows}  # fmt: skip
    write_json_atomically(args.out, result)
    where = machine.get("gpu") or machine.get("cpu")
    lines = [f"Command: `{result['command']}`", "", f"Device: {machine.get('device')} ({where}), torch {torch.__version__}", "",
             "| preset | setting | images/s | GFLOP / step | TFLOP/s | share of the bf16 peak |", "|---|---|---|---|---|---|"]  # fmt: skip
    for r in rows:
        share = f"{100 * r['share_of_bf16_peak']:.1f} %" if r["share_of_bf16_peak"] is not None else "n/a"
        lines.append(f"| {r['preset']} | {r['setting']} | {r['images_per_s']:.1f} | {r['gflop_per_step']} | {r['tflop_per_s']} | {share} |")
    write_atomically(args.out.with_suffix(".md"), lambda tmp: Path(tmp).write_text("\n".join(lines) + "\n"), "the table")


if __name__ == "__main__":
    main()
