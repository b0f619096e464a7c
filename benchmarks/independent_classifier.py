"""A second MNIST classifier, trained apart from the shipped one, to check what the shipped one reads in each channel.

    GANZOO_DATA_ROOT=../shared/data python benchmarks/independent_classifier.py --runs RUN [RUN ...]

The shipped ``ganzoo-mnist`` extractor is a four-convolution CNN with batch norm, trained with Adam,
a one-cycle schedule and random shifts (benchmarks/train_domain_classifiers.py, seed 0). This one is
LeNet-5-like: two 5x5 convolutions with average pooling, three fully connected layers, tanh, no batch
norm, no augmentation, SGD with momentum, seed 1, on MNIST's train split. Its weights go to
benchmarks/results/independent_mnist_classifier.safetensors (not shipped; metadata: test accuracy,
epochs, seed). Then, on real Stacked-MNIST test triples and on ``--n`` samples of each run in
``--runs``, it reports how often the two classifiers read the same digit, per channel and for the
whole triple, for every sample and for the legible ones only (legible to the shipped classifier, as
``ganzoo eval`` counts them; and legible to both), and the share of samples this one is >= 0.9 sure
of on every channel. Writes benchmarks/results/classifier_agreement.{json,md}.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import nn

from ganzoo.base.atomic import write_atomically, write_json_atomically
from ganzoo.bench.environment import hardware
from ganzoo.data import resolve_data_root, to_unit_range
from ganzoo.discovery import get_registry
from ganzoo.evaluate.classifier import load_classifier, weights_metadata
from ganzoo.evaluate.coverage import LEGIBLE_THRESHOLD, TYPICAL_N, Legibility, Reading
from ganzoo.evaluate.modes import read_channels
from legible_calibration import sample_run
from records import invocation

RESULTS = Path(__file__).resolve().parent / "results"
WEIGHTS = RESULTS / "independent_mnist_classifier.safetensors"
SEED, EPOCHS, BATCH = 1, 4, 64


class LeNet(nn.Module):
    """(B, 1, 28, 28) in [-1, 1] -> (84-d features, 10 logits)."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.Tanh(), nn.AvgPool2d(2),
            nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2), nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120), nn.Tanh(), nn.Linear(120, 84), nn.Tanh(),
        )  # fmt: skip
        self.head = nn.Linear(84, 10)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.body(x)
        return features, self.head(features)


@torch.no_grad()
def read(model: LeNet, images: torch.Tensor) -> Reading:
    """The LeNet's reading of each channel of uint8 (N, C, 28, 28) images: (N, C) tensors."""
    model.eval()
    columns = []
    for channel in range(images.shape[1]):
        parts = [model(to_unit_range(images[i : i + 1000, channel : channel + 1])) for i in range(0, len(images), 1000)]
        features, logits = torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts])
        top = logits.softmax(1).max(1)
        columns.append((top.indices, top.values, features.norm(dim=1)))
    return Reading(*(torch.stack(column, dim=1) for column in zip(*columns)))


def train() -> tuple[LeNet, dict]:
    """Train on MNIST's train split (SGD, momentum 0.9, lr 0.05 then 0.005 in the last epoch); the test accuracy."""
    spec, root = get_registry().dataset("mnist"), resolve_data_root(None)
    train_set, test_set = spec.load(root, "train", False), spec.load(root, "test", False)
    torch.manual_seed(SEED)
    generator = torch.Generator().manual_seed(SEED)
    model = LeNet()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    started = time.perf_counter()
    for epoch in range(EPOCHS):
        if epoch == EPOCHS - 1:
            optimizer.param_groups[0]["lr"] = 0.005
        model.train()
        order = torch.randperm(len(train_set), generator=generator)
        for i in range(0, len(order) - BATCH + 1, BATCH):
            index = order[i : i + BATCH]
            loss = F.cross_entropy(model(to_unit_range(train_set.images[index]))[1], train_set.labels[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        accuracy = float((read(model, test_set.images).classes[:, 0] == test_set.labels).double().mean())
        print(f"epoch {epoch + 1}/{EPOCHS}: test accuracy {accuracy:.4f}", flush=True)
    record = {"architecture": "LeNet-5-like (tanh, average pooling, no batch norm)", "parameters": sum(p.numel() for p in model.parameters()),
              "optimizer": "SGD momentum 0.9, lr 0.05 (0.005 in the last epoch), batch 64, no augmentation", "epochs": EPOCHS, "seed": SEED,
              "test_accuracy": accuracy, "train_seconds": round(time.perf_counter() - started, 1)}  # fmt: skip
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(WEIGHTS), metadata={k: str(v) for k, v in record.items()})
    return model, {**record, "weights": WEIGHTS.name, "bytes": WEIGHTS.stat().st_size}


def agreement(shipped: Reading, shipped_legible: torch.Tensor, other: Reading) -> dict:
    """How often the two read the same digits: per channel and whole triple, over all / legible / legible-to-both samples."""
    same = shipped.classes == other.classes
    other_sure = (other.confidence >= LEGIBLE_THRESHOLD).all(dim=1)
    subsets = {"all": torch.ones(len(same), dtype=torch.bool), "legible": shipped_legible, "legible_to_both": shipped_legible & other_sure}
    result: dict = {"samples": len(same), "independent_sure_fraction": float(other_sure.double().mean())}
    for name, chosen in subsets.items():
        picked = same[chosen]
        result[name] = {"samples": int(chosen.sum()), "fraction": float(chosen.double().mean()),
                        "per_channel": [round(float(c), 4) for c in picked.double().mean(0)] if len(picked) else None,
                        "triple": float(picked.all(1).double().mean()) if len(picked) else None}  # fmt: skip
    return result


def measure(model: LeNet, runs: list[str], n: int) -> dict:
    classifier = load_classifier("ganzoo-mnist")
    test = get_registry().dataset("stacked-mnist").load(resolve_data_root(None), "test", False)
    rule = Legibility.of_reference(read_channels(classifier, test.images[:TYPICAL_N]))
    sets = {"real Stacked-MNIST test triples": (test.images[TYPICAL_N : TYPICAL_N + n], {})}
    for run in runs:
        images, about = sample_run(run, n)
        sets[f"{run} ({about['recipe']} at step {about['step']})"] = (images, about)
    result = {}
    for name, (images, about) in sets.items():
        shipped = read_channels(classifier, images)
        result[name] = {**about, **agreement(shipped, rule(shipped), read(model, images))}
    return result


def _share(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def markdown(record: dict) -> list[str]:
    c = record["classifier"]
    lines = [
        "# Two MNIST classifiers on Stacked-MNIST: do they read the same digits?",
        "",
        f"<!-- generated by `{record['command']}`; edit the script, not this page -->",
        "",
        f"Command: `{record['command']}` ({record['seconds']:.0f} s on {record['cpu']}, 1 torch thread).",
        "",
        f"The second classifier: {c['architecture']}, {c['parameters']} parameters, {c['optimizer']}, {c['epochs']} epochs, seed {c['seed']}, "
        f"trained on MNIST's train split in {c['train_seconds']:.0f} s; test accuracy {c['test_accuracy']:.4f}; weights `{c['weights']}` ({c['bytes']} bytes). "
        "The shipped `ganzoo-mnist`: four convolutions with batch norm, Adam, one-cycle, random shifts, seed 0 (extractors.json).",
        "",
        f"*Legible*: legible to the shipped classifier as `ganzoo eval` counts them (≥ {record['threshold']} sure of every channel, feature norm and block activity in the real range); "
        f"*both*: legible, and the second classifier ≥ {record['threshold']} sure of every channel too. Agreement: same digit read (per channel: red, green, blue; triple: all three).",
        "",
        "| samples | subset | share of samples | agreement per channel (R, G, B) | whole triple | second classifier sure of every channel |",
        "|---|---|---|---|---|---|",
    ]
    for name, row in record["sets"].items():
        for subset in ("all", "legible", "legible_to_both"):
            part = row[subset]
            channels = ", ".join(_share(v) for v in part["per_channel"]) if part["per_channel"] else "–"
            sure = _share(row["independent_sure_fraction"]) if subset == "all" else ""
            lines.append(f"| {name} | {subset.replace('_', ' ')} ({part['samples']}) | {_share(part['fraction'])} | {channels} | {_share(part['triple'])} | {sure} |")
    return lines + [""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", nargs="*", default=[], help="Stacked-MNIST run directories whose samples are read by both")
    parser.add_argument("--n", type=int, default=10_000, help="samples per set (real triples and each run)")
    parser.add_argument("--retrain", action="store_true", help="train the second classifier again even when its weights exist")
    args = parser.parse_args()
    torch.set_num_threads(1)
    started = time.perf_counter()
    if WEIGHTS.is_file() and not args.retrain:
        model = LeNet()
        model.load_state_dict(load_file(str(WEIGHTS)))
        meta = weights_metadata(WEIGHTS)
        info = {**meta, "parameters": int(meta["parameters"]), "epochs": int(meta["epochs"]), "seed": int(meta["seed"]), "test_accuracy": float(meta["test_accuracy"]),
                "train_seconds": float(meta["train_seconds"]), "weights": WEIGHTS.name, "bytes": WEIGHTS.stat().st_size}  # fmt: skip
    else:
        model, info = train()
    record = {"command": invocation(), "threshold": LEGIBLE_THRESHOLD, "classifier": info, "sets": measure(model, args.runs, args.n)}
    record.update(seconds=time.perf_counter() - started, cpu=hardware(torch.device("cpu"))["cpu"])
    out = RESULTS / "classifier_agreement.md"
    write_json_atomically(out.with_suffix(".json"), record)
    write_atomically(out, lambda tmp: tmp.write_text("\n".join(markdown(record))))
    print("\n".join(markdown(record)))


if __name__ == "__main__":
    main()
