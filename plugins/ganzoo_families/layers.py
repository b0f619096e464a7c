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


class MinibatchStdDev(nn.Module):
    """Minibatch standard deviation (Karras et al. 2018, "Progressive Growing of GANs", sec. 3).

    Splits the batch into groups of ``group`` samples (sample i joins group i mod B/group, as
    in the paper's code), takes each feature's standard deviation across a group, averages it
    over the features and appends it as one more channel (feature maps (B, C, H, W)) or one
    more feature (vectors (B, F)). A discriminator that sees it can tell a batch of
    near-identical fakes from a varied real one, which counters mode collapse. A batch that
    ``group`` does not divide uses groups of ``gcd(batch, group)`` samples.
    """

    def __init__(self, group: int = 4):
        super().__init__()
        if group < 1:
            raise ValueError(f"the minibatch standard deviation group needs at least 1 sample; got {group}")
        self.group = group

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch = x.shape[0]
        group = math.gcd(batch, self.group)
        y = x.float().reshape(group, batch // group, *x.shape[1:])
        std = (y - y.mean(dim=0, keepdim=True)).pow(2).mean(dim=0).add(1e-8).sqrt()
        per_sample = std.flatten(1).mean(dim=1).repeat(group).to(x.dtype)  # (B,): sample i gets its group's value
        extra = per_sample.view(batch, 1, *([1] * (x.dim() - 2))).expand(batch, 1, *x.shape[2:])
        return torch.cat([x, extra], dim=1)

    def extra_repr(self) -> str:
        return f"group={self.group}"
