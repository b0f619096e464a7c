"""Image grids written with PIL (no torchvision I/O)."""

from __future__ import annotations

import math
from pathlib import Path

import torch
from PIL import Image

from ganzoo.base.atomic import write_atomically


def make_grid(images: torch.Tensor, nrow: int | None = None, padding: int = 2) -> torch.Tensor:
    """Tile uint8 (N, C, H, W) images into one uint8 (C, H', W') grid with ``nrow`` per row."""
    n, c, h, w = images.shape
    nrow = nrow or max(1, int(math.ceil(math.sqrt(n))))
    rows = int(math.ceil(n / nrow))
    grid = torch.zeros(c, rows * (h + padding) + padding, nrow * (w + padding) + padding, dtype=torch.uint8)
    for i in range(n):
        r, k = divmod(i, nrow)
        top, left = padding + r * (h + padding), padding + k * (w + padding)
        grid[:, top : top + h, left : left + w] = images[i]
    return grid


def save_png(image: torch.Tensor, path: Path, what: str = "the image") -> None:
    """Save a uint8 (C, H, W) image (C = 1 or 3) as PNG, atomically (StorageError when the disk refuses)."""
    array = image.permute(1, 2, 0).cpu().numpy()
    picture = Image.fromarray(array[:, :, 0] if array.shape[2] == 1 else array, mode="L" if array.shape[2] == 1 else "RGB")
    write_atomically(Path(path), lambda tmp: picture.save(tmp, format="PNG"), what)


def save_grid(images: torch.Tensor, path: Path, nrow: int | None = None) -> None:
    """Save uint8 (N, C, H, W) images as one PNG grid."""
    save_png(make_grid(images.cpu(), nrow=nrow), path, "the sample grid")
