"""Drawing images from a generator, and which classes a sample grid shows.

Used by training (the fixed-noise grids), evaluation (the samples it scores) and the Python API
alike; it knows nothing of runs or checkpoints (:mod:`ganzoo.loading` rebuilds the generator of a
run or a pretrained pack).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ganzoo.data.batcher import to_uint8
from ganzoo.errors import ConfigError

#: A grid shows at most this many classes, one row each (Stacked-MNIST's 1000 modes: 000, 111, ..., 999).
GRID_CLASSES = 10


def grid_classes(num_classes: int) -> torch.Tensor:
    """The classes a grid shows: all of them, or ``GRID_CLASSES`` spread evenly from the first to the last."""
    if num_classes <= GRID_CLASSES:
        return torch.arange(num_classes)
    return torch.linspace(0, num_classes - 1, GRID_CLASSES).round().long()


def grid_labels(num_classes: int, per_class: int) -> torch.Tensor:
    """Labels for a grid with one row per shown class (:func:`grid_classes`): ``per_class`` of each."""
    return grid_classes(num_classes).repeat_interleave(per_class)


def grid_rows(num_classes: int, count: int) -> int:
    """Images per grid row: ``count`` over the shown classes for class rows, else a square-ish grid."""
    if num_classes:
        return max(1, count // min(num_classes, GRID_CLASSES))
    return max(1, int(math.ceil(math.sqrt(count))))


@torch.no_grad()
def sample_images(
    generator: nn.Module, n: int, seed: int = 0, labels: torch.Tensor | None = None, batch_size: int = 256, device: str | torch.device = "cpu"
) -> torch.Tensor:
    """``n`` uint8 images (N, C, H, W) from ``generator``; latents from a generator seeded with ``seed``."""
    if n <= 0:
        raise ConfigError(f"The number of samples must be positive; got {n}.")
    rng = torch.Generator().manual_seed(seed)
    z = torch.randn(n, generator.latent_dim, generator=rng)
    out = []
    for start in range(0, n, batch_size):
        batch_labels = labels[start : start + batch_size].to(device) if labels is not None else None
        out.append(to_uint8(generator(z[start : start + batch_size].to(device), batch_labels)).cpu())
    return torch.cat(out)
