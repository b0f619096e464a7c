"""In-memory image datasets and the registry entry that describes how to load one."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ganzoo.errors import DataError

if TYPE_CHECKING:  # torch is imported where an ImageDataset is used, so that DatasetSpec is light to import
    import torch

SPLITS = ("train", "test")


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
        return ImageDataset(self.name, self.images[:count], labels, self.num_classes, self.class_names)

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


@dataclass(frozen=True)
class DatasetSpec:
    """A registered dataset: how to load it, and what it holds.

    ``load(root, split, download)`` returns an :class:`ImageDataset`; ``root`` is the resolved
    data root (see :func:`ganzoo.data.resolve_data_root`).
    """

    name: str
    load: Callable[[Path, str, bool], ImageDataset]
    image_shape: tuple[int, int, int]
    num_classes: int = 0
    description: str = ""
    splits: tuple[str, ...] = field(default=SPLITS)
    feature_extractor: str | None = None  # the evaluator's default feature extractor for this data
    #: For data whose classes are read channel by channel (Stacked-MNIST): the domain classifier
    #: (an extractor name, e.g. ``ganzoo-mnist``) that reads each channel. An image's mode is its
    #: channels' classes read as one number, first channel most significant (3 digits -> 0..999);
    #: the evaluator then counts modes and their KL divergence from uniform instead of classes.
    mode_reader: str | None = None
    eval_n: int | None = None  # samples its evaluation protocol draws (Stacked-MNIST: 26,000); None: ganzoo's default
    #: For a parametrised dataset registered as ``NAME`` and used as ``NAME:ARGUMENT`` (e.g.
    #: ``folder:PATH``): builds the concrete spec from ARGUMENT. ``None`` for plain datasets.
    parametrize: Callable[[str], "DatasetSpec"] | None = None
