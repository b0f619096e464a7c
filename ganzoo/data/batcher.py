"""Batches drawn on the training device from a dataset held there as uint8."""

from __future__ import annotations

import torch

from ganzoo.data.dataset import ImageDataset


def to_unit_range(images: torch.Tensor) -> torch.Tensor:
    """uint8 0..255 -> float32 in [-1, 1]."""
    return images.float().div_(127.5).sub_(1.0)


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """float in [-1, 1] -> uint8 0..255 (values outside are clipped)."""
    return images.detach().float().add(1.0).mul_(127.5).round_().clamp_(0, 255).to(torch.uint8)


class DeviceBatcher:
    """Shuffled batches without replacement, one epoch after another, without a DataLoader.

    The whole uint8 dataset is moved to ``device`` once; each batch is an index gather plus one
    conversion to float in [-1, 1]. A dataset memory-mapped from disk (``on_disk``) stays where it is:
    each batch is gathered from the file's pages and then moved. The order comes from a private ``torch.Generator`` so that
    its state can be checkpointed and restored exactly.
    """

    def __init__(self, dataset: ImageDataset, batch_size: int, device: torch.device | str = "cpu", seed: int = 0, channels_last: bool = False):
        self.device = torch.device(device)
        self.images = dataset.images if dataset.on_disk else dataset.images.to(self.device)
        if channels_last and not dataset.on_disk:  # gathers then keep the NHWC layout that convolutions prefer
            self.images = self.images.contiguous(memory_format=torch.channels_last)
        self.labels = dataset.labels.to(self.device) if dataset.labels is not None else None
        self.batch_size = batch_size
        self.channels_last = channels_last
        self.generator = torch.Generator(device="cpu").manual_seed(seed)
        self._order = torch.empty(0, dtype=torch.long)
        self._position = 0

    def _new_epoch(self) -> None:
        self._order = torch.randperm(len(self.images), generator=self.generator).to(self.device)
        self._position = 0

    def next(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The next batch: float images in [-1, 1] and int64 labels (or ``None``)."""
        if self._position + self.batch_size > len(self._order):
            self._new_epoch()
        index = self._order[self._position : self._position + self.batch_size]
        self._position += self.batch_size
        labels = self.labels[index] if self.labels is not None else None
        images = self.images[index.to(self.images.device)].to(self.device, non_blocking=True)
        if self.channels_last:
            images = images.contiguous(memory_format=torch.channels_last)
        return to_unit_range(images), labels

    def state_dict(self) -> dict:
        """The sampling position: generator state, current permutation and offset."""
        return {"generator": self.generator.get_state(), "order": self._order.cpu(), "position": self._position}

    def load_state_dict(self, state: dict) -> None:
        """Restore a position saved by :meth:`state_dict`."""
        self.generator.set_state(state["generator"])
        self._order = state["order"].to(self.device)
        self._position = int(state["position"])
