"""Images/s of ganzoo's training step against a plain PyTorch loop, side by side in one run.

    GANZOO_DATA_ROOT=../shared/data python benchmarks/throughput.py --recipes dcgan,vanilla,wgan-gp,cgan,lsgan \
        --variants fp32,bf16,channels-last,compile --steps 40 --rounds 3

``--device cuda`` (or ``cuda:N``) runs both loops on that GPU (the plain loop copies each
batch from a pinned-memory DataLoader, as a user's loop does); the default is the CPU.
For each recipe, ganzoo (fp32 and each variant) and the plain loop (see plain_loops.py, the
same networks) run ``--steps`` steps in turn, alternating for ``--rounds`` rounds after a
warm-up; the table reports the median images/s of each and its ratio to the plain loop.
"images" are real images through the discriminator (batch x discriminator steps).
Writes benchmarks/results/throughput.json and throughput.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from plain_loops import PlainLoop, mnist_loader  # noqa: E402
from records import invocation, refuse_unknown_device  # noqa: E402

from ganzoo.bench.environment import hardware  # noqa: E402
from ganzoo.data.root import resolve_data_root  # noqa: E402
from ganzoo.discovery import get_registry  # noqa: E402
from ganzoo.train import Trainer, resolve_config  # noqa: E402
from ganzoo.train.build import build_discriminator, build_generator  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
VARIANTS = {"fp32": {}, "bf16": {"precision": "bf16"}, "channels-last": {"channels_last": True}, "compile": {"compile": True}, "compile+channels-last": {"compile": True, "channels_last": True}}


def _synchronize(device: torch.device) -> None:
    """Wait for queued GPU work, so that a timing covers it."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def ganzoo_runner(recipe: str, overrides: dict, tmp: Path, tag: str, device: str = "cpu"):
    big = 10**8
    intervals = {"log_every": big, "sample_every": big, "checkpoint_every": big}
    config = resolve_config(get_registry(), "mnist", recipe, steps=10**9, device=device, **intervals, **overrides)
    trainer = Trainer(config, tmp / f"{recipe}-{tag}", progress=False)
    trainer.setup()

    def run(steps: int) -> float:
        _synchronize(trainer.gan.device)
        start = time.perf_counter()
        for _ in range(steps):
            trainer.gan.step()
        _synchronize(trainer.gan.device)
        return steps * config.batch_size * config.d_steps / (time.perf_counter() - start)

    return run, trainer


def plain_runner(recipe: str, trainer: Trainer, workers: int):
    """The plain loop of ``recipe`` on the ganzoo trainer's device, with the same networks and settings."""
    config = trainer.config
    torch.manual_seed(config.seed)
    G = build_generator(get_registry(), config, trainer.shapes).train()
    D = build_discriminator(get_registry(), config, trainer.shapes).train()
    size = trainer.shapes.image_shape[-1]
    pinned = trainer.gan.device.type == "cuda"
    loader = mnist_loader(resolve_data_root(None), size, config.batch_size, workers, pin_memory=pinned)
    gp_weight = config.loss_options.get("gp_weight", 10.0)  # the plain losses hard-code the papers' other constants
    settings = (config.loss, config.lr_g, config.lr_d, config.betas, config.d_steps)
    loop = PlainLoop(G, D, *settings, loader, config.conditional, gp_weight, trainer.gan.device)
    return loop.run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", default="dcgan")
    parser.add_argument("--variants", default="fp32,bf16,channels-last,compile")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", default="0,2", help="DataLoader workers of the plain loop; the faster setting is reported")
    parser.add_argument("--device", default="cpu", help="where both loops run: cpu, cuda or cuda:N")
    parser.add_argument("--out", type=Path, default=RESULTS / "throughput.json")
    args = parser.parse_args()
    refuse_unknown_device(parser, args.device)  # an unknown or absent device is refused before anything runs
    variants = ["fp32"] + [v for v in args.variants.split(",") if v and v != "fp32"]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for recipe in args.recipes.split(","):
            runners = {}
            trainer = None
            for variant in variants:
                overrides = VARIANTS[variant]
                runners[f"ganzoo {variant}"], made = ganzoo_runner(recipe, overrides, Path(tmp), variant, args.device)
                trainer = trainer or made
            for workers in (int(w) for w in args.workers.split(",")):
                runners[f"plain loop ({workers} workers)"] = plain_runner(recipe, trainer, workers)
            for run in runners.values():  # warm-up: allocator, compilation, worker start-up
                run(max(3, args.steps // 4))
            rates = {name: [] for name in runners}
            for _ in range(args.rounds):
                for name, run in runners.items():
                    rates[name].append(run(args.steps))
            medians = {name: statistics.median(values) for name, values in rates.items()}
            plain_name = max((n for n in medians if n.startswith("plain")), key=medians.get)
            for name, value in medians.items():
                rows.append({"recipe": recipe, "setting": name, "images_per_s": round(value, 1), "ratio_to_plain": round(value / medians[plain_name], 2), "runs": [round(v, 1) for v in rates[name]], "baseline": plain_name})
                print(f"{recipe:8s} {name:30s} {value:9.1f} img/s  x{value / medians[plain_name]:.2f}", flush=True)
    result = {
        "command": invocation(),
        "hardware": hardware(args.device),
        "steps_per_measure": args.steps,
        "rounds": args.rounds,
        "rows": rows,
        "machine": {"cpus": os.cpu_count(), "torch": torch.__version__, "threads": torch.get_num_threads(), "platform": platform.platform(), "load_avg_at_end": os.getloadavg()},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    lines = ["| recipe | setting | images/s | × plain loop |", "|---|---|---|---|"]
    lines += [f"| {r['recipe']} | {r['setting']} | {r['images_per_s']:.0f} | {r['ratio_to_plain']:.2f} |" for r in rows]
    where = result["hardware"].get("gpu") or result["hardware"]["cpu"]
    header = f"Command: `{result['command']}`\n\nDevice: {result['hardware']['device']} ({where})\n\n"
    args.out.with_suffix(".md").write_text(header + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
