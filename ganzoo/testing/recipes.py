"""The recipe check: its parts fit together and it trains three steps on synthetic data."""

from __future__ import annotations

import tempfile
from pathlib import Path

import torch

from ganzoo.data.dataset import DatasetSpec, ImageDataset
from ganzoo.discovery import get_registry
from ganzoo.registry import Registry
from ganzoo.testing.common import CheckResult, NUM_CLASSES, _check_all


def _synthetic_dataset(num_classes: int) -> DatasetSpec:
    def load(root, split, download):
        generator = torch.Generator().manual_seed(0 if split == "train" else 1)
        images = torch.randint(0, 256, (256, 1, 28, 28), dtype=torch.uint8, generator=generator)
        return ImageDataset("conformance-synthetic", images, torch.arange(256) % num_classes, num_classes=num_classes)

    return DatasetSpec("conformance-synthetic", load, (1, 28, 28), num_classes, "random images for the conformance kit")


def check_recipe(name: str, registry: Registry | None = None) -> list[CheckResult]:
    """Check that a recipe's parts exist and that it trains for a few steps."""
    from ganzoo.train import Trainer, resolve_config
    from ganzoo.train.checkpoint import list_checkpoints

    registry = (registry or get_registry()).copy()  # the synthetic dataset goes into a copy: the caller's registry is left alone

    def trains():
        registry.add("dataset", _synthetic_dataset(NUM_CLASSES), plugin="ganzoo.testing", override=True)
        config = resolve_config(registry, "conformance-synthetic", name, steps=3, batch_size=8, log_every=1, sample_every=3, checkpoint_every=3, device="cpu")
        with tempfile.TemporaryDirectory() as tmp:
            trainer = Trainer(config, Path(tmp) / "run", registry=registry, progress=False)
            result = trainer.fit()
            if result.step != 3:
                return f"stopped at step {result.step} of 3"
            if not all(torch.isfinite(p).all() for p in [*trainer.gan.G.parameters(), *trainer.gan.D.parameters()]):
                return "weights are not finite after 3 steps"
            if not list_checkpoints(Path(tmp) / "run"):
                return "no checkpoint was written"
        return None

    return _check_all("recipe", name, [("trains 3 steps", trains)])
