"""Small CNN classifiers of 28x28 grayscale images: ganzoo's domain feature extractors.

Trained by ``benchmarks/train_domain_classifiers.py`` on the train split of MNIST and
Fashion-MNIST; the weights ship in ``ganzoo/weights/`` as safetensors with their training
metadata (dataset, test accuracy, epochs, seed).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import load_file
from torch import nn

from ganzoo.errors import ConfigError

WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "weights"
FEATURES = 128
INPUT_SIZE = 28


class DomainClassifier(nn.Module):
    """(B, 1, 28, 28) in [-1, 1] -> (128-d penultimate features, 10 logits)."""

    def __init__(self, num_classes: int = 10):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(inplace=True),
            nn.Conv2d(16, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(inplace=True),
            nn.Conv2d(32, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Flatten(), nn.Dropout(0.25), nn.Linear(32 * 7 * 7, FEATURES), nn.ReLU(inplace=True),
        )  # fmt: skip
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(FEATURES, num_classes))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.body(x)
        return features, self.head(features)


def to_classifier_input(images: torch.Tensor) -> torch.Tensor:
    """uint8 (B, 1 or 3, H, W) -> float (B, 1, 28, 28) in [-1, 1]: channel mean, antialiased resize."""
    x = images.float().mean(dim=1, keepdim=True)
    if x.shape[-2:] != (INPUT_SIZE, INPUT_SIZE):
        x = F.interpolate(x, size=(INPUT_SIZE, INPUT_SIZE), mode="bilinear", align_corners=False, antialias=True)
    return x / 127.5 - 1.0


#: A domain extractor that reads each channel on its own ends in this (``ganzoo-mnist-per-channel``).
PER_CHANNEL = "-per-channel"


def weights_file(extractor: str) -> Path:
    """The shipped weights of a domain extractor (``ganzoo-mnist`` and ``ganzoo-mnist-per-channel`` ->
    mnist-classifier.safetensors)."""
    return WEIGHTS_DIR / f"{extractor.removesuffix(PER_CHANNEL).removeprefix('ganzoo-')}-classifier.safetensors"


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file (the protocol records the weights' hash)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def weights_metadata(path: Path) -> dict[str, str]:
    """The metadata stored with shipped weights (dataset, test_accuracy, epochs, seed)."""
    with safe_open(str(path), framework="pt") as handle:
        return dict(handle.metadata() or {})


def load_classifier(extractor: str, path: Path | None = None) -> DomainClassifier:
    """The trained classifier of a domain extractor, in eval mode."""
    path = Path(path) if path else weights_file(extractor)
    if not path.is_file():
        raise ConfigError(f"The weights of feature extractor {extractor!r} are missing: expected {path}. Reinstall ganzoo, or run benchmarks/train_domain_classifiers.py.")
    model = DomainClassifier()
    model.load_state_dict(load_file(str(path)))
    return model.eval().requires_grad_(False)
