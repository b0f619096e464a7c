"""In-memory image datasets (the registry entry that describes how to load one is :class:`ganzoo.base.specs.DatasetSpec`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ganzoo.base.specs import SPLITS, DatasetSpec  # noqa: F401 - re-exported: the spec lives in the base layer
from ganzoo.errors import DataError

if TYPE_CHECKING:  # torch is imported where an ImageDataset is used, so that DatasetSpec is light to import
    import torch



@dataclass
class ImageDataset:
    """A whole dataset held in memory.

    ``images`` is uint8 (N, C, H, W) in 0..255; ``labels`` is int64 (N,) or ``None`` when the
    dataset is unlabelled; ``num_classes`` is 0 for unlabelled data.
    """

    name: str
    images: torch.Tensor
    labels: torch.Tensor | None = None
    num_classes: int = 0
    class_names: tuple[str, ...] = ()
    on_disk: bool = False  # ``images`` is memory-mapped from a file (a folder over the memory budget): keep it there

    def __post_init__(self) -> None:
        import torch

        if self.images.dtype != torch.uint8 or self.images.dim() != 4:
            raise DataError(f"Dataset {self.name!r} must hold uint8 images of shape (N, C, H, W); got {self.images.dtype} {tuple(self.images.shape)}.")
        if self.labels is not None and len(self.labels) != len(self.images):
            raise DataError(f"Dataset {self.name!r} has {len(self.images)} images but {len(self.labels)} labels.")

    def __len__(self) -> int:
        return len(self.images)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """(C, H, W) of every image."""
        c, h, w = self.images.shape[1:]
        return (int(c), int(h), int(w))

    def first(self, count: int) -> "ImageDataset":
        """The first ``count`` images (all of them when ``count`` is 0); more than there are is a DataError."""
        if count == 0:
            return self
        if count > len(self):
            raise DataError(f"--limit {count} asks for more images than dataset {self.name!r} holds ({len(self)}).")
        labels = self.labels[:count] if self.labels is not None else None
        return ImageDataset(self.name, self.images[:count], labels, self.num_classes, self.class_names, self.on_disk)

    def resized(self, size: int | None) -> "ImageDataset":
        """Return the dataset with square images of ``size`` pixels (done once, in memory)."""
        if size is None or self.images.shape[-2:] == (size, size):
            return self
        import torch
        import torch.nn.functional as F

        chunks = []
        for start in range(0, len(self.images), 8192):
            chunk = self.images[start : start + 8192].float()
            chunk = F.interpolate(chunk, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
            chunks.append(chunk.round_().clamp_(0, 255).to(torch.uint8))
        return ImageDataset(self.name, torch.cat(chunks), self.labels, self.num_classes, self.class_names)
