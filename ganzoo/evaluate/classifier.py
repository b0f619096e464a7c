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
    """(B, C, S, S) in [-1, 1] -> (128-d penultimate features, K logits); the shipped ones read
    (B, 1, 28, 28) into 10 classes, a trained domain extractor (:mod:`ganzoo.evaluate.domain`)
    its data's channels at ``size`` (a multiple of 4) into its classes."""

    def __init__(self, num_classes: int = 10, in_channels: int = 1, size: int = INPUT_SIZE):
        super().__init__()
        if size % 4:
            raise ConfigError(f"A domain classifier's input side must be a multiple of 4; got {size}.")
        self.in_channels, self.size = in_channels, size
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(inplace=True),
            nn.Conv2d(16, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(inplace=True),
            nn.Conv2d(32, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Flatten(), nn.Dropout(0.25), nn.Linear(32 * (size // 4) ** 2, FEATURES), nn.ReLU(inplace=True),
        )  # fmt: skip
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(FEATURES, num_classes))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.body(x)
        return features, self.head(features)


def to_classifier_input(images: torch.Tensor, channels: int = 1, size: int = INPUT_SIZE) -> torch.Tensor:
    """uint8 (B, 1 or 3, H, W) -> float (B, channels, size, size) in [-1, 1]: channel mean (one
    channel) or grey repeated (three), antialiased resize."""
    x = images.float()
    if x.shape[1] != channels:
        x = x.mean(dim=1, keepdim=True).expand(-1, channels, -1, -1)
    if x.shape[-2:] != (size, size):
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
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


def classifier_input(classifier: DomainClassifier, images: torch.Tensor) -> torch.Tensor:
    """uint8 images as ``classifier`` reads them (its channels and side)."""
    return to_classifier_input(images, classifier.in_channels, classifier.size)


def load_classifier(extractor: str, path: Path | None = None) -> DomainClassifier:
    """The trained classifier of a domain extractor, in eval mode; its shape (classes, channels,
    side) is read from the weights' metadata when they record it (trained domain extractors)."""
    path = Path(path) if path else weights_file(extractor)
    if not path.is_file():
        raise ConfigError(f"The weights of feature extractor {extractor!r} are missing: expected {path}. Reinstall ganzoo, or run benchmarks/train_domain_classifiers.py.")
    meta = weights_metadata(path)
    shape = {k: int(meta[k]) for k in ("num_classes", "in_channels", "size") if k in meta}
    model = DomainClassifier(**shape)
    model.load_state_dict(load_file(str(path)))
    return model.eval().requires_grad_(False)
