"""MNIST-style data read from the verified offline copies, and the errors around it."""

from __future__ import annotations

import gzip
import shutil

import pytest
import torch

from ganzoo import DataError
from ganzoo.data import DeviceBatcher, ImageDataset, resolve_data_root, to_uint8, to_unit_range
from ganzoo.data.idx import read_idx_images
from ganzoo.discovery import get_registry


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist"])
def test_real_datasets_load_as_uint8(name, data_root):
    spec = get_registry().dataset(name)
    test = spec.load(data_root, "test", False)
    assert test.images.shape == (10000, 1, 28, 28) and test.images.dtype == torch.uint8
    assert test.labels.shape == (10000,) and set(test.labels.unique().tolist()) == set(range(10))
    assert test.images.float().mean() > 20  # not an all-black array
    assert spec.image_shape == test.image_shape and spec.num_classes == 10


def test_data_root_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("GANZOO_DATA_ROOT", str(tmp_path / "env"))
    assert resolve_data_root(tmp_path / "arg") == tmp_path / "arg"
    assert resolve_data_root(None) == tmp_path / "env"
    monkeypatch.delenv("GANZOO_DATA_ROOT")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert resolve_data_root(None) == tmp_path / "cache" / "ganzoo" / "data"


def test_missing_files_name_the_folder_and_files(tmp_path):
    with pytest.raises(DataError) as info:
        get_registry().dataset("mnist").load(tmp_path, "train", True)
    message = str(info.value)
    assert str(tmp_path / "MNIST" / "raw") in message
    assert "train-images-idx3-ubyte.gz" in message and "train-labels-idx1-ubyte.gz" in message
    assert "GANZOO_OFFLINE" in message


def test_truncated_file_is_reported(tmp_path, data_root):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        shutil.copy(data_root / "MNIST" / "raw" / name, raw / name)
    with gzip.open(raw / "t10k-images-idx3-ubyte.gz", "rb") as handle:
        payload = handle.read()
    with gzip.open(raw / "t10k-images-idx3-ubyte.gz", "wb") as handle:
        handle.write(payload[:-100])
    with pytest.raises(DataError, match="truncated or corrupted"):
        read_idx_images(raw / "t10k-images-idx3-ubyte.gz")


def test_unknown_split_is_refused(data_root):
    with pytest.raises(DataError, match="no split 'valid'"):
        get_registry().dataset("mnist").load(data_root, "valid", False)


def _toy(n=10):
    images = torch.arange(n, dtype=torch.uint8).view(n, 1, 1, 1).expand(n, 1, 2, 2).contiguous()
    return ImageDataset("toy", images, torch.arange(n), num_classes=n)


def test_batcher_visits_every_image_once_per_epoch():
    batcher = DeviceBatcher(_toy(), batch_size=5, seed=0)
    seen = torch.cat([batcher.next()[1] for _ in range(2)])
    assert sorted(seen.tolist()) == list(range(10))
    images, labels = batcher.next()
    assert images.dtype == torch.float32 and images.min() >= -1 and images.max() <= 1
    assert torch.equal(to_uint8(images)[:, 0, 0, 0], labels.to(torch.uint8))


def test_batcher_state_round_trip_continues_the_same_sequence():
    a = DeviceBatcher(_toy(), batch_size=3, seed=1)
    a.next()
    state = a.state_dict()
    expected = [a.next()[1] for _ in range(5)]
    b = DeviceBatcher(_toy(), batch_size=3, seed=99)
    b.load_state_dict(state)
    assert all(torch.equal(x, b.next()[1]) for x in expected)


def test_unit_range_round_trip():
    values = torch.arange(256, dtype=torch.uint8).view(1, 1, 16, 16)
    assert torch.equal(to_uint8(to_unit_range(values)), values)


def test_resize_keeps_labels_and_changes_size(data_root):
    test = get_registry().dataset("mnist").load(data_root, "test", False)
    small = ImageDataset("m", test.images[:100], test.labels[:100], 10).resized(32)
    assert small.images.shape == (100, 1, 32, 32) and small.images.dtype == torch.uint8
    assert torch.equal(small.labels, test.labels[:100])
