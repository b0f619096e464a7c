"""CIFAR-10 from its binary distribution (never the pickled Python one)."""

from __future__ import annotations

import tarfile
from pathlib import Path

import numpy as np
import torch

from ganzoo.data.dataset import ImageDataset
from ganzoo.data.download import RemoteFile, ensure_files
from ganzoo.data.root import downloads_allowed
from ganzoo.errors import DataError

FOLDER = "cifar-10-batches-bin"
ARCHIVE = RemoteFile("cifar-10-binary.tar.gz", "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530")
FILES = {"train": [f"data_batch_{i}.bin" for i in range(1, 6)], "test": ["test_batch.bin"]}
CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
RECORD = 1 + 3 * 32 * 32  # one label byte, then 1024 red, 1024 green, 1024 blue bytes


def read_cifar_batch(path: Path) -> tuple[torch.Tensor, torch.Tensor]:
    """Images uint8 (N, 3, 32, 32) and labels int64 (N,) of one binary batch file."""
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size == 0 or raw.size % RECORD:
        raise DataError(f"{path} holds {raw.size} bytes, not a whole number of {RECORD}-byte CIFAR-10 records; it is truncated or not a CIFAR-10 binary batch.")
    records = raw.reshape(-1, RECORD)
    labels = records[:, 0].astype(np.int64)
    if labels.max() >= len(CLASSES):
        raise DataError(f"{path} has label {labels.max()}, but CIFAR-10 has 10 classes; it is not a CIFAR-10 binary batch.")
    images = records[:, 1:].reshape(-1, 3, 32, 32)
    return torch.from_numpy(images.copy()), torch.from_numpy(labels)


def load_cifar10(root: Path, split: str, download: bool) -> ImageDataset:
    """One split of CIFAR-10 from ``root/cifar-10-batches-bin``; the archive is fetched when missing and allowed."""
    if split not in FILES:
        raise DataError(f"Dataset 'cifar10' has no split {split!r}; choose one of: {', '.join(FILES)}.")
    folder = Path(root) / FOLDER
    missing = [name for name in FILES[split] if not (folder / name).is_file()]
    if missing and download and downloads_allowed():
        ensure_files(Path(root), [ARCHIVE], "cifar10", download=True)
        with tarfile.open(Path(root) / ARCHIVE.name) as archive:
            members = [m for m in archive.getmembers() if m.isfile() and m.name.startswith(FOLDER + "/") and m.name.endswith(".bin")]
            archive.extractall(Path(root), members=members, filter="data")
        missing = [name for name in FILES[split] if not (folder / name).is_file()]
    if missing:
        raise DataError(
            f"Dataset 'cifar10' is missing files in {folder}: {', '.join(missing)}. Download {ARCHIVE.url} and extract it in {root} "
            "(it unpacks to cifar-10-batches-bin/), point --data-root or $GANZOO_DATA_ROOT at a folder that holds it, or run with network access."
        )
    parts = [read_cifar_batch(folder / name) for name in FILES[split]]
    return ImageDataset("cifar10", torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts]), num_classes=10, class_names=CLASSES)
