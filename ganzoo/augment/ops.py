"""Differentiable per-sample image transforms and the random draws that parametrise them.

Every transform takes images (B, C, H, W) and one parameter per sample, so the same code
serves DiffAugment (always applied) and ADA (applied with probability p: a sample that is
not selected gets the identity parameter). Random draws take an explicit ``torch.Generator``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def uniform(generator: torch.Generator, n: int, low: float = 0.0, high: float = 1.0) -> torch.Tensor:
    """``n`` draws from U(low, high) on the generator's device."""
    return torch.rand(n, generator=generator, device=generator.device) * (high - low) + low


def normal(generator: torch.Generator, n: int, std: float) -> torch.Tensor:
    """``n`` draws from N(0, std²) on the generator's device."""
    return torch.randn(n, generator=generator, device=generator.device) * std


def integers(generator: torch.Generator, n: int, low: int, high: int) -> torch.Tensor:
    """``n`` integers in [low, high) on the generator's device."""
    return torch.randint(low, high, (n,), generator=generator, device=generator.device)


def chosen(generator: torch.Generator, n: int, p: float) -> torch.Tensor:
    """A boolean per sample, true with probability ``p``."""
    return uniform(generator, n) < p


def _per_sample(values: torch.Tensor, images: torch.Tensor) -> torch.Tensor:
    return values.to(images.device).view(-1, 1, 1, 1)


def shift_brightness(images: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """Add ``shift[i]`` to every pixel of image i."""
    return images + _per_sample(shift, images)


def scale_saturation(images: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    """Scale each pixel's distance to its mean over channels (a no-op on one channel)."""
    mean = images.mean(dim=1, keepdim=True)
    return (images - mean) * _per_sample(factor, images) + mean


def scale_contrast(images: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    """Scale each image's distance to its own mean."""
    mean = images.mean(dim=(1, 2, 3), keepdim=True)
    return (images - mean) * _per_sample(factor, images) + mean


def translate(
    images: torch.Tensor, dy: torch.Tensor, dx: torch.Tensor, max_shift: tuple[int, int], mode: str = "constant"
) -> torch.Tensor:
    """Move image i by (dy[i], dx[i]) whole pixels, |dy| <= max_shift[0], |dx| <= max_shift[1].

    Uncovered pixels are 0 (``mode="constant"``, DiffAugment) or mirror the border (``"reflect"``, ADA).
    """
    batch, _, height, width = images.shape
    sh, sw = max_shift
    padded = F.pad(images, [sw, sw, sh, sh], mode=mode)
    device = images.device
    rows = torch.arange(height, device=device).view(1, -1) + sh - dy.to(device).view(-1, 1)  # (B, H)
    cols = torch.arange(width, device=device).view(1, -1) + sw - dx.to(device).view(-1, 1)  # (B, W)
    index = torch.arange(batch, device=device).view(-1, 1, 1)
    return padded.permute(0, 2, 3, 1)[index, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)


def cut_out(
    images: torch.Tensor, cy: torch.Tensor, cx: torch.Tensor, size: tuple[int, int], keep: torch.Tensor | None = None
) -> torch.Tensor:
    """Zero a ``size`` rectangle centred at (cy[i], cx[i]) in image i, clipped at the border.

    Where ``keep[i]`` is true, image i is left whole."""
    _, _, height, width = images.shape
    device = images.device
    top, left = cy.to(device).view(-1, 1) - size[0] // 2, cx.to(device).view(-1, 1) - size[1] // 2
    rows, cols = torch.arange(height, device=device).view(1, -1), torch.arange(width, device=device).view(1, -1)
    inside_rows = (rows >= top) & (rows < top + size[0])  # (B, H)
    inside_cols = (cols >= left) & (cols < left + size[1])  # (B, W)
    hole = inside_rows[:, :, None] & inside_cols[:, None, :]
    if keep is not None:
        hole = hole & ~keep.to(device).view(-1, 1, 1)
    return images * (~hole).unsqueeze(1).to(images.dtype)


def flip_x(images: torch.Tensor, flip: torch.Tensor) -> torch.Tensor:
    """Mirror image i left-right where ``flip[i]``."""
    return torch.where(flip.to(images.device).view(-1, 1, 1, 1), images.flip(3), images)


def shift_sizes(images: torch.Tensor, ratio: float) -> tuple[int, int]:
    """Whole-pixel sizes ``ratio`` of the height and width, rounded (DiffAugment's rule)."""
    return int(images.shape[2] * ratio + 0.5), int(images.shape[3] * ratio + 0.5)
