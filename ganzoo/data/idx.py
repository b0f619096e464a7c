"""Readers for the IDX format of MNIST-style datasets, gzipped or not."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import torch

from ganzoo.errors import DataError

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049


def _read_bytes(path: Path) -> bytes:
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as handle:
                return handle.read()
        return path.read_bytes()
    except (OSError, EOFError) as error:
        raise DataError(f"Could not read the IDX file {path}: {error}. Delete it so it can be fetched again.") from error


def _parse(path: Path, expected_magic: int, ndim: int) -> np.ndarray:
    raw = _read_bytes(path)
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path} is too short to be an IDX file ({len(raw)} bytes).")
    magic = int.from_bytes(raw[0:4], "big")
    if magic != expected_magic:
        raise DataError(f"{path} has IDX magic number {magic}, expected {expected_magic}; it is not the file its name says.")
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    count = int(np.prod(dims))
    if len(raw) - header != count:
        raise DataError(f"{path} holds {len(raw) - header} data bytes but its header announces {count}; the file is truncated or corrupted.")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def read_idx_images(path: str | Path) -> torch.Tensor:
    """Return the images of an IDX image file as a uint8 tensor of shape (N, 1, H, W)."""
    array = _parse(Path(path), IMAGES_MAGIC, 3)
    return torch.from_numpy(array.copy()).unsqueeze(1)


def read_idx_labels(path: str | Path) -> torch.Tensor:
    """Return the labels of an IDX label file as an int64 tensor of shape (N,)."""
    array = _parse(Path(path), LABELS_MAGIC, 1)
    return torch.from_numpy(array.astype(np.int64))
