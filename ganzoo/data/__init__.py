"""Datasets as in-memory uint8 tensors, resolved from a local data root."""

from ganzoo.data.batcher import DeviceBatcher, to_uint8, to_unit_range
from ganzoo.data.dataset import DatasetSpec, ImageDataset
from ganzoo.data.root import resolve_data_root

__all__ = ["DatasetSpec", "DeviceBatcher", "ImageDataset", "resolve_data_root", "to_uint8", "to_unit_range"]
