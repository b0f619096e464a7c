"""Domain extractors for any labelled dataset: a small classifier trained by ganzoo on the data's
train split, the way the shipped MNIST extractors were (``benchmarks/train_domain_classifiers.py``).

Stored in ``$XDG_CACHE_HOME/ganzoo/extractors/KEY/`` (else ``~/.cache/...``), KEY the data's
``DatasetSpec.content_key`` (``folder:PATH``: a digest of its files and options) or, for a fixed
dataset, its name: ``classifier.safetensors`` (its shape and training record in the metadata) and
``extractor.json`` (the same record, plus the weights' sha256), both written atomically. The
evaluator uses it as the extractor ``ganzoo-domain`` when it is present for the data (FD, KID and
precision/recall in its features; class coverage and conditional accuracy in the user's classes).
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

from ganzoo.base.atomic import write_atomically, write_json_atomically
from ganzoo.data.dataset import DatasetSpec, ImageDataset
from ganzoo.errors import ConfigError
from ganzoo.evaluate.classifier import DomainClassifier, classifier_input, sha256_file

#: The extractor name the protocol records for a trained domain extractor (its weights' sha256 beside it).
DOMAIN = "ganzoo-domain"
WEIGHTS = "classifier.safetensors"
RECORD = "extractor.json"
DEFAULT_SECONDS = 120.0
MAX_EPOCHS = 30
#: The side a colour or grey image is resized to before the classifier (small: CPU training in minutes).
MAX_SIZE = 32


def extractors_dir() -> Path:
    """Where trained domain extractors live: ``$XDG_CACHE_HOME/ganzoo/extractors`` (else ``~/.cache``),
    beside the decoded folders and the reference statistics."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "ganzoo" / "extractors"


def data_key(spec: DatasetSpec) -> str:
    """The folder name of a dataset's extractor: its content digest, else its (file-name-safe) name."""
    return spec.content_key or re.sub(r"[^A-Za-z0-9_.-]+", "_", spec.name)


def domain_weights(spec: DatasetSpec, root: Path | None = None) -> Path | None:
    """The weights of the domain extractor trained for this data, or None when there is none."""
    path = (root or extractors_dir()) / data_key(spec) / WEIGHTS
    return path if path.is_file() and (path.parent / RECORD).is_file() else None


def read_record(weights: Path) -> dict[str, Any]:
    """The training record stored beside a domain extractor's weights."""
    return json.loads((Path(weights).parent / RECORD).read_text())


def classifier_side(image_shape: tuple[int, ...]) -> int:
    """The classifier's input side: the data's side rounded down to a multiple of 4, at most MAX_SIZE."""
    return max(8, min(MAX_SIZE, int(image_shape[-1])) // 4 * 4)


@torch.no_grad()
def accuracy(model: DomainClassifier, data: ImageDataset, batch_size: int = 500) -> float:
    """The share of ``data`` the classifier labels right."""
    model.eval()
    hits = sum(int((model(classifier_input(model, data.images[i : i + batch_size]))[1].argmax(1) == data.labels[i : i + batch_size]).sum()) for i in range(0, len(data), batch_size))
    return hits / len(data)


def train_domain_extractor(
    spec: DatasetSpec,
    data_root: Path | None = None,
    *,
    seconds: float = DEFAULT_SECONDS,
    max_epochs: int = MAX_EPOCHS,
    batch_size: int = 64,
    seed: int = 0,
    root: Path | None = None,
) -> dict[str, Any]:
    """Train a domain extractor on ``spec``'s train split for at most ``seconds`` of wall time (whole
    epochs, at least one; at most ``max_epochs``), measure its accuracy on the held-out test split and
    store it for the data (see the module's docstring). Returns its record (``path`` added)."""
    if not spec.num_classes or spec.num_classes < 2:
        raise ConfigError(f"A domain extractor learns the data's classes, and {spec.name!r} has {spec.num_classes or 'no'} class{'es' if spec.num_classes != 1 else ''}: give a folder with one sub-folder per class (at least 2).")
    if "test" not in spec.splits:
        raise ConfigError(f"Dataset {spec.name!r} has no test split to measure the extractor's accuracy on.")
    train_set, test_set = spec.load(data_root, "train", False), spec.load(data_root, "test", False)
    if train_set.labels is None or test_set.labels is None:
        raise ConfigError(f"Dataset {spec.name!r} has no labels; a domain extractor learns the data's classes.")
    channels = int(spec.image_shape[0])
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = DomainClassifier(spec.num_classes, in_channels=channels, size=classifier_side(spec.image_shape))
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    batch_size = max(2, min(batch_size, len(train_set)))
    start, epochs = time.perf_counter(), 0
    while epochs < max_epochs and (epochs == 0 or time.perf_counter() - start < seconds):
        model.train()
        order = torch.randperm(len(train_set), generator=generator)
        for i in range(0, len(order) - batch_size + 1, batch_size):
            index = order[i : i + batch_size]
            x = classifier_input(model, train_set.images[index])
            if bool(torch.rand((), generator=generator) < 0.5):
                x = x.flip(3)  # horizontal flips: cheap and right for most photographs and drawings
            loss = F.cross_entropy(model(x)[1], train_set.labels[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        epochs += 1
    train_seconds = time.perf_counter() - start
    test_accuracy = accuracy(model, test_set)
    record: dict[str, Any] = {
        "extractor": DOMAIN,
        "dataset": spec.name,
        "content_key": spec.content_key,
        "class_names": list(train_set.class_names or ()),
        "num_classes": spec.num_classes,
        "in_channels": channels,
        "size": model.size,
        "train_images": len(train_set),
        "test_images": len(test_set),
        "test_accuracy": round(test_accuracy, 4),
        "chance_accuracy": round(max(torch.bincount(test_set.labels, minlength=spec.num_classes).tolist()) / len(test_set), 4),
        "epochs": epochs,
        "train_seconds": round(train_seconds, 1),
        "seed": seed,
    }
    folder = (root or extractors_dir()) / data_key(spec)
    path = folder / WEIGHTS
    metadata = {k: str(record[k]) for k in ("dataset", "num_classes", "in_channels", "size", "test_accuracy", "epochs", "seed")}
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    write_atomically(path, lambda tmp: save_file(state, str(tmp), metadata=metadata), f"the domain extractor of {spec.name}")
    record["weights_sha256"] = sha256_file(path)
    write_json_atomically(folder / RECORD, record, f"the record of the domain extractor of {spec.name}")
    return {**record, "path": str(path)}
