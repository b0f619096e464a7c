"""Building blocks shared by the built-in families (no family defines its own copy)."""

from __future__ import annotations

import math

import torch
from torch import nn


class LabelEmbedding(nn.Module):
    """Class labels -> a learned vector, or nothing when the part is unconditional.

    ``num_classes == 0`` makes it a no-op whose output has width 0, so a network can always
    concatenate ``embed(labels)`` to its input without asking whether it is conditional.
    """

    def __init__(self, num_classes: int, dim: int):
        super().__init__()
        self.num_classes = num_classes
        self.dim = dim if num_classes > 0 else 0
        self.table = nn.Embedding(num_classes, dim) if num_classes > 0 else None

    def forward(self, labels: torch.Tensor | None, batch: int, like: torch.Tensor) -> torch.Tensor:
        if self.table is None:
            return like.new_zeros(batch, 0)
        if labels is None:
            raise ValueError("this network is conditional: pass class labels")
        return self.table(labels).to(like.dtype)


def init_normal(module: nn.Module, std: float = 0.02) -> None:
    """DCGAN initialisation: conv/linear weights ~ N(0, std), norm scales ~ N(1, std), biases 0."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, 0.0, std)
            if getattr(m, "bias", None) is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d, nn.LayerNorm, nn.GroupNorm)) and m.weight is not None:
            nn.init.normal_(m.weight, 1.0, std)
            nn.init.zeros_(m.bias)


def flat_size(image_shape: tuple[int, int, int]) -> int:
    """Number of values in one image of shape (C, H, W)."""
    return int(math.prod(image_shape))


def mlp(sizes: list[int], slope: float = 0.2, dropout: float = 0.0, batchnorm: bool = False) -> nn.Sequential:
    """Linear layers of the given widths; between them optional BatchNorm, LeakyReLU(``slope``), optional dropout."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            if batchnorm:
                layers.append(nn.BatchNorm1d(b))
            layers.append(nn.LeakyReLU(slope, inplace=True))
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)
