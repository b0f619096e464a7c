"""Train the domain classifiers that ganzoo ships as feature extractors (reproducible, CPU).

    GANZOO_DATA_ROOT=../shared/data python benchmarks/train_domain_classifiers.py

Trains on the train split with a fixed seed (Adam, one-cycle schedule, light random shifts),
reports test-split accuracy, writes ganzoo/weights/{mnist,fashion-mnist}-classifier.safetensors
(metadata: dataset, test accuracy, epochs, seed) and benchmarks/results/extractors.json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

from ganzoo.data import resolve_data_root, to_unit_range
from ganzoo.discovery import get_registry
from ganzoo.evaluate.classifier import DomainClassifier, weights_file
from records import invocation

RESULTS = Path(__file__).resolve().parent / "results"
PLAN = {"mnist": 3, "fashion-mnist": 6}  # epochs


def shifted(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random translations of up to 2 pixels (one per batch, cheap)."""
    dx, dy = (int(v) for v in torch.randint(-2, 3, (2,), generator=generator))
    return torch.roll(images, shifts=(dy, dx), dims=(2, 3))


@torch.no_grad()
def accuracy(model: DomainClassifier, images: torch.Tensor, labels: torch.Tensor) -> float:
    model.eval()
    correct = sum((model(to_unit_range(images[i : i + 1000]))[1].argmax(1) == labels[i : i + 1000]).sum().item() for i in range(0, len(images), 1000))
    return correct / len(images)


def train(dataset: str, epochs: int, seed: int, batch_size: int = 128) -> dict:
    spec = get_registry().dataset(dataset)
    root = resolve_data_root(None)
    train_set, test_set = spec.load(root, "train", False), spec.load(root, "test", False)
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = DomainClassifier()
    steps = epochs * (len(train_set) // batch_size)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=3e-3, total_steps=steps)
    start = time.perf_counter()
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(train_set), generator=generator)
        for i in range(0, len(order) - batch_size + 1, batch_size):
            index = order[i : i + batch_size]
            x = shifted(to_unit_range(train_set.images[index]), generator)
            loss = F.cross_entropy(model(x)[1], train_set.labels[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
        print(f"{dataset} epoch {epoch + 1}/{epochs}: test accuracy {accuracy(model, test_set.images, test_set.labels):.4f}", flush=True)
    test_accuracy = accuracy(model, test_set.images, test_set.labels)
    path = weights_file(f"ganzoo-{dataset}")
    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = {"dataset": dataset, "split": "train", "test_accuracy": f"{test_accuracy:.4f}", "epochs": str(epochs), "seed": str(seed)}
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path), metadata=metadata)
    return {"dataset": dataset, "extractor": f"ganzoo-{dataset}", "test_accuracy": test_accuracy, "epochs": epochs, "seed": seed, "train_seconds": round(time.perf_counter() - start, 1), "weights": path.name, "bytes": path.stat().st_size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--datasets", default=",".join(PLAN))
    args = parser.parse_args()
    torch.set_num_threads(2)
    results = [train(name, PLAN[name], args.seed) for name in args.datasets.split(",")]
    RESULTS.mkdir(parents=True, exist_ok=True)
    record = {"command": invocation(), "classifiers": results}
    (RESULTS / "extractors.json").write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
