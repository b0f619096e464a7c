"""CIFAR-10 (binary batches); folder:PATH is tested in test_folder.py."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ganzoo import DataError
from ganzoo.data.cifar import RECORD
from ganzoo.discovery import get_registry


def _write_cifar_batch(path, labels):
    rng = np.random.default_rng(0)
    records = np.zeros((len(labels), RECORD), dtype=np.uint8)
    records[:, 0] = labels
    records[:, 1:] = rng.integers(0, 256, (len(labels), RECORD - 1))
    records[0, 1 : 1 + 1024] = 255  # first image: a pure red channel
    records[0, 1 + 1024 :] = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    records.tofile(path)
    return records


def test_cifar10_reads_binary_batches(tmp_path):
    folder = tmp_path / "cifar-10-batches-bin"
    _write_cifar_batch(folder / "test_batch.bin", [3, 9, 0])
    data = get_registry().dataset("cifar10").load(tmp_path, "test", False)
    assert data.images.shape == (3, 3, 32, 32) and data.images.dtype == torch.uint8
    assert data.labels.tolist() == [3, 9, 0] and data.class_names[3] == "cat"
    assert data.images[0, 0].min() == 255 and data.images[0, 1:].max() == 0  # channel order R, G, B


def test_cifar10_offline_error_names_folder_and_files(tmp_path):
    with pytest.raises(DataError, match=r"missing files in .*cifar-10-batches-bin: data_batch_1.bin, .*data_batch_5.bin"):
        get_registry().dataset("cifar10").load(tmp_path, "train", True)


def test_cifar10_truncated_batch_is_reported(tmp_path):
    folder = tmp_path / "cifar-10-batches-bin"
    _write_cifar_batch(folder / "test_batch.bin", [1, 2])
    data = (folder / "test_batch.bin").read_bytes()
    (folder / "test_batch.bin").write_bytes(data[:-7])
    with pytest.raises(DataError, match="not a whole number"):
        get_registry().dataset("cifar10").load(tmp_path, "test", False)
