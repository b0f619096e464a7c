"""Calibrate the legible count: how much of real test data, noise and generated samples is legible at each threshold.

    GANZOO_DATA_ROOT=../shared/data python benchmarks/legible_calibration.py --runs RUN [RUN ...]

A sample is legible when ganzoo's classifier is at least THRESHOLD sure of it (of every channel, on
Stacked-MNIST), its penultimate features' norm lies in the range of real images' (the 0.5-99.5 %
quantiles of the first 2000 test images, as ``ganzoo eval`` takes them from its reference) and its
convolutional blocks' activity is typical of those images' (Mahalanobis distance within their 99.5 %
quantile): :class:`ganzoo.evaluate.coverage.Legibility`. For each threshold of ``GRID`` this measures, with the
shipped classifiers,

1. real test data not used for the range (Stacked-MNIST triples, MNIST and Fashion-MNIST images):
   the legible fraction under the full rule, without the activity check and under softmax alone, per channel on Stacked-MNIST,
   and the real triples' legible modes and KL;
2. images with no digit in them (uniform noise, grey Gaussian noise, blank, uniform grey): legible fraction and the
   modes (or classes) argmax still finds in them;
3. ``--runs``: Stacked-MNIST runs, ``--n`` samples each (seed 0): legible fraction, legible modes
   and KL beside the papers' argmax modes and KL.

Writes benchmarks/results/legible_calibration.{json,md}.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from ganzoo.base.atomic import write_atomically, write_json_atomically
from ganzoo.bench.environment import hardware
from ganzoo.data.root import resolve_data_root
from ganzoo.discovery import get_registry
from ganzoo.evaluate.classifier import load_classifier
from ganzoo.evaluate.coverage import LEGIBLE_THRESHOLD, TYPICAL_N, Legibility, Reading, coverage_metrics, read_classes
from ganzoo.evaluate.modes import channels_to_modes, mode_metrics, read_channels
from records import invocation

RESULTS = Path(__file__).resolve().parent / "results"
GRID = (0.5, 0.8, 0.9, 0.95, 0.99)
#: Dataset -> the classifier that reads it (Stacked-MNIST: MNIST's, on each channel).
DATASETS = {"stacked-mnist": "ganzoo-mnist", "mnist": "ganzoo-mnist", "fashion-mnist": "ganzoo-fashion-mnist"}


def reader(dataset: str):
    """The function that reads a dataset's images: per channel for Stacked-MNIST, whole otherwise."""
    classifier = load_classifier(DATASETS[dataset])
    return (lambda images: read_channels(classifier, images)) if dataset == "stacked-mnist" else (lambda images: read_classes(classifier, images))


def controls(channels: int, n: int = 2000) -> dict[str, torch.Tensor]:
    """Images with no digit or garment in them."""
    shape = (n, channels, 28, 28)
    return {
        "uniform noise": torch.randint(0, 256, shape, dtype=torch.uint8, generator=torch.Generator().manual_seed(0)),
        "grey Gaussian noise (mean 64, sd 40)": (torch.randn(shape, generator=torch.Generator().manual_seed(1)) * 40 + 64).clamp(0, 255).to(torch.uint8),
        "blank (all 0)": torch.zeros(shape, dtype=torch.uint8),
        "uniform grey (all 64)": torch.full(shape, 64, dtype=torch.uint8),
        "uniform grey (all 128)": torch.full(shape, 128, dtype=torch.uint8),
    }


def figures(reading: Reading, reference: Reading, num_classes: int, modes: bool) -> dict:
    """At each threshold: the legible fraction (full rule and softmax alone), per channel, and the legible modes or classes."""
    rows, fitted = {}, Legibility.of_reference(reference)
    for threshold in GRID:
        rule = fitted.with_threshold(threshold)
        legible = rule(reading)
        row = {
            "legible_fraction": float(legible.double().mean()),
            "no_activity_check_fraction": float(Legibility(threshold, rule.low, rule.high)(reading).double().mean()),
            "softmax_only_fraction": float(Legibility(threshold)(reading).double().mean()),
        }
        if reading.confidence.dim() == 2:
            row["per_channel"] = [round(float(c), 4) for c in rule.per_channel(reading).double().mean(0)]
        if modes:
            row.update({k: v for k, v in mode_metrics(channels_to_modes(reading.classes), num_classes, legible=legible).items() if k != "num_modes"})
        else:
            metrics = coverage_metrics(reading.classes, num_classes, legible=legible)
            row.update(legible_classes_covered=metrics["legible_classes_covered"], classes_covered=metrics["classes_covered"])
        rows[str(threshold)] = row
    return rows


def sample_run(run: str, n: int, seed: int = 0) -> tuple[torch.Tensor, dict]:
    """``n`` uint8 samples of a run (its EMA generator when it has one), as ``ganzoo sample`` draws them,
    and what the run is (recipe, dataset, step)."""
    from ganzoo import api

    model = api.load(run)
    return model.generate(n, seed=seed), {"recipe": model.config.recipe, "dataset": model.dataset, "step": model.step, "ema": model.ema}


def measure(runs: list[str], n: int) -> dict:
    registry, root = get_registry(), resolve_data_root(None)
    result: dict = {"real": {}, "controls": {}, "generated": {}}
    references = {}
    for dataset in DATASETS:
        spec = registry.dataset(dataset)
        test = spec.load(root, "test", False)
        read = reader(dataset)
        references[dataset] = reference = read(test.images[:TYPICAL_N])
        held_out = test.images[TYPICAL_N:]
        rule = Legibility.of_reference(reference)
        result["real"][dataset] = {"classifier": DATASETS[dataset], "reference_images": TYPICAL_N, "measured_images": len(held_out),
                                   "feature_norm_range": [rule.low, rule.high], "thresholds": figures(read(held_out), reference, spec.num_classes, dataset == "stacked-mnist")}  # fmt: skip
        result["controls"][dataset] = {name: figures(read(images), reference, spec.num_classes, dataset == "stacked-mnist") for name, images in controls(test.images.shape[1]).items()}
    for run in runs:
        images, about = sample_run(run, n)
        result["generated"][run] = {"n": n, "seed": 0, **about, "thresholds": figures(reader("stacked-mnist")(images), references["stacked-mnist"], 1000, True)}
    return result


def pct(value: float) -> str:
    return f"{100 * value:.1f} %"


def markdown(record: dict) -> list[str]:
    lines = [
        "# Legible samples: calibration of the threshold",
        "",
        f"<!-- generated by `{record['command']}`; edit the script, not this page -->",
        "",
        f"Command: `{record['command']}` ({record['seconds']:.0f} s on {record['cpu']}). ganzoo's threshold: **{record['threshold']}** "
        "(`ganzoo.evaluate.coverage.LEGIBLE_THRESHOLD`).",
        "",
        "A sample is legible when the shipped classifier is at least *threshold* sure of it (of every channel on Stacked-MNIST), "
        "its penultimate features' norm lies inside the 0.5-99.5 % range of the first 2000 test images' (the images `ganzoo eval` "
        "takes the range from) and its convolutional blocks' mean activations lie within those images' 99.5 % Mahalanobis distance. "
        "*No activity check* drops the last condition (ganzoo's rule before it), *softmax only* the last two. Real figures are on the test images after those 2000.",
        "",
        "## Real test data",
        "",
        "| data (classifier) | images | " + " | ".join(f"≥ {t}" for t in GRID) + " |",
        "|---|---|" + "---|" * len(GRID),
    ]
    for dataset, real in record["real"].items():
        rows = real["thresholds"]
        lines.append(f"| {dataset} (`{real['classifier']}`) | {real['measured_images']} | " + " | ".join(pct(rows[str(t)]["legible_fraction"]) for t in GRID) + " |")
        lines.append(f"| {dataset}, no activity check | {real['measured_images']} | " + " | ".join(pct(rows[str(t)]["no_activity_check_fraction"]) for t in GRID) + " |")
        lines.append(f"| {dataset}, softmax only | {real['measured_images']} | " + " | ".join(pct(rows[str(t)]["softmax_only_fraction"]) for t in GRID) + " |")
    stacked = record["real"]["stacked-mnist"]["thresholds"]
    lines += [
        "",
        "Stacked-MNIST per channel (red, green, blue): " + "; ".join(f"≥ {t}: {', '.join(pct(c) for c in stacked[str(t)]['per_channel'])}" for t in GRID) + ".",
        "Real triples' legible modes and KL: " + "; ".join(f"≥ {t}: {stacked[str(t)]['legible_modes']} modes, KL {stacked[str(t)]['legible_kl']:.3f}" for t in GRID)
        + f" (argmax: {stacked['0.9']['modes']} modes, KL {stacked['0.9']['kl']:.3f}).",
        "",
        "## Images with nothing in them",
        "",
        "| data | images | legible at ≥ " + " | ≥ ".join(map(str, GRID)) + " | no activity check at ≥ 0.9 | softmax only at ≥ 0.9 | argmax modes or classes |",
        "|---|---|" + "---|" * (len(GRID) + 3),
    ]
    for dataset, sets in record["controls"].items():
        for name, rows in sets.items():
            found = rows["0.9"].get("modes", rows["0.9"].get("classes_covered"))
            lines.append(f"| {dataset} | {name} | " + " | ".join(pct(rows[str(t)]["legible_fraction"]) for t in GRID) + f" | {pct(rows['0.9']['no_activity_check_fraction'])} | {pct(rows['0.9']['softmax_only_fraction'])} | {found} |")
    if record["generated"]:
        lines += ["", "## Generated Stacked-MNIST samples", "", "| run | threshold | legible | no activity check | per channel (R, G, B) | legible modes | legible KL | argmax modes | argmax KL |", "|---|---|---|---|---|---|---|---|---|"]
        for run, generated in record["generated"].items():
            for t in GRID:
                row = generated["thresholds"][str(t)]
                lines.append(f"| `{run}` ({generated['recipe']} at step {generated['step']}, {generated['n']} samples) | {t} | {pct(row['legible_fraction'])} | {pct(row['no_activity_check_fraction'])} | {', '.join(pct(c) for c in row['per_channel'])} | {row['legible_modes']} | {row['legible_kl']:.3f} | {row['modes']} | {row['kl']:.3f} |")
    return lines + [""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", nargs="*", default=[], help="Stacked-MNIST run directories whose samples are measured too")
    parser.add_argument("--n", type=int, default=10_000, help="samples per run")
    parser.add_argument("--out", type=Path, default=RESULTS / "legible_calibration.md")
    args = parser.parse_args()
    torch.set_num_threads(1)
    started = time.perf_counter()
    record = {"command": invocation(), "threshold": LEGIBLE_THRESHOLD, "grid": list(GRID), **measure(args.runs, args.n)}
    record.update(seconds=time.perf_counter() - started, cpu=hardware(torch.device("cpu"))["cpu"], torch_threads=1)
    write_json_atomically(args.out.with_suffix(".json"), record)
    write_atomically(args.out, lambda tmp: tmp.write_text("\n".join(markdown(record))))
    print("\n".join(markdown(record)))


if __name__ == "__main__":
    main()
