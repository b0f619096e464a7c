"""Datasets as in-memory uint8 tensors, resolved from a local data root.

The torch-dependent names are imported on first use, so that ``ganzoo.data.dataset`` (which the
registry needs for :class:`DatasetSpec`) can be imported without torch.
"""

from __future__ import annotations

import importlib
from typing import Any

from ganzoo.data.root import resolve_data_root

_LAZY = {
    "DeviceBatcher": "ganzoo.data.batcher",
    "to_uint8": "ganzoo.data.batcher",
    "to_unit_range": "ganzoo.data.batcher",
    "DatasetSpec": "ganzoo.base.specs",
    "ImageDataset": "ganzoo.data.dataset",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ganzoo.data' has no attribute {name!r}")


__all__ = ["DatasetSpec", "DeviceBatcher", "ImageDataset", "resolve_data_root", "to_uint8", "to_unit_range"]
