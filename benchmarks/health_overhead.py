"""What the training-health checks cost: steps/s with and without them, side by side, and one check's time.

    GANZOO_DATA_ROOT=../shared/data python benchmarks/health_overhead.py --recipes vanilla,dcgan --steps 500,100 --every 0,250,50 --rounds 2

For each round, recipe and ``--health-every`` value (alternating the order between rounds) one
in-process run of N steps on MNIST with one torch thread; its steps/s is N over the time of the
loop (the steps plus what runs between them: the health checks, one grid and one checkpoint at the
end, equal in all runs). Then one check (probe + every signal) is timed on its own, 10 times, on
the last run's trainer: per step it costs that time over K. Writes ``results/health_overhead.{json,md}``.
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
from records import invocation  # noqa: E402

from ganzoo.base.atomic import write_atomically, write_json_atomically  # noqa: E402
from ganzoo.bench.environment import hardware  # noqa: E402
from ganzoo.discovery import get_registry  # noqa: E402
from ganzoo.train import Trainer, resolve_config  # noqa: E402
from ganzoo.train.health import HealthMonitor  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def one_run(recipe: str, steps: int, every: int, folder: Path) -> tuple[float, Trainer]:
    config = resolve_config(get_registry(), "mnist", recipe, steps=steps, health_every=every, log_every=50,
                            sample_every=steps, checkpoint_every=steps, seed=0)  # fmt: skip
    trainer = Trainer(config, folder / f"{recipe}-{every}-{time.monotonic_ns()}", progress=False)
    result = trainer.fit()
    return steps / (result.train_s + result.overhead_s), trainer


def check_ms(trainer: Trainer, repeats: int = 10) -> float:
    monitor = HealthMonitor(trainer.config, trainer.registry)
    monitor.every = 1
    monitor._trainer = trainer  # measure only the check, not the rules' replay of the run's records
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        monitor(trainer, trainer.step)
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", default="vanilla,dcgan")
    parser.add_argument("--steps", default="500,100", help="steps per run, one per recipe")
    parser.add_argument("--every", default="0,250,50", help="--health-every values; 0 = off")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", default=str(RESULTS / "health_overhead"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    recipes, steps = args.recipes.split(","), [int(s) for s in args.steps.split(",")]
    everies = [int(e) for e in args.every.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for recipe, n in zip(recipes, steps):
            rates: dict[int, list[float]] = {e: [] for e in everies}
            trainer = None
            for round_ in range(args.rounds):
                for every in everies if round_ % 2 == 0 else everies[::-1]:
                    rate, trainer = one_run(recipe, n, every, Path(tmp))
                    rates[every].append(rate)
            ms = check_ms(trainer)
            base = statistics.median(rates[0]) if 0 in rates else None
            for every in everies:
                rate = statistics.median(rates[every])
                rows.append({
                    "recipe": recipe, "steps": n, "health_every": every, "steps_per_s": round(rate, 2), "rounds": [round(r, 2) for r in rates[every]],
                    "vs_off": round(rate / base, 3) if base else None, "check_ms": round(ms, 2),
                    "check_share_per_step": round(ms / 1000 / every * rate, 4) if every else 0.0,
                })  # fmt: skip
                print(rows[-1], flush=True)
    env = hardware("cpu")
    write_json_atomically(Path(args.out + ".json"), {"command": invocation(), "hardware": env, "rows": rows}, "the results")
    lines = [
        "# Health checks: steps/s with and without", "",
        f"`{invocation()}` on {env.get('cpu', '?')}, one torch thread, {args.rounds} rounds (median; the 2-core machine is shared, so rounds vary).", "",
        "| recipe | --health-every | steps/s | vs off | one check (ms) | check time per step at that K |", "|---|---|---|---|---|---|",
    ]  # fmt: skip
    for r in rows:
        share = f"{100 * r['check_share_per_step']:.2f} %" if r["health_every"] else "-"
        vs = f"{r['vs_off']:.3f}" if r["vs_off"] is not None else "-"
        lines.append(f"| {r['recipe']} | {r['health_every'] or 'off'} | {r['steps_per_s']:.1f} ({', '.join(f'{x:.1f}' for x in r['rounds'])}) | {vs} | {r['check_ms']:.1f} | {share} |")
    write_atomically(Path(args.out + ".md"), lambda tmp: tmp.write_text("\n".join(lines) + "\n"))


if __name__ == "__main__":
    main()
