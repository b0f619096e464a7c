"""CIFAR-10 (binary batches) and folder:PATH datasets."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

from ganzoo import ConfigError, DataError
from ganzoo.cli import app
from ganzoo.data.cifar import RECORD
from ganzoo.discovery import get_registry
from ganzoo.train import resolve_config

TINY = ["--steps", "2", "--batch-size", "4", "--log-every", "1", "--sample-every", "2", "--checkpoint-every", "2", "-q"]


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


def _images(folder, count, mode="L", size=(20, 20)):
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        colour = i * 10 if mode == "L" else (i * 10, 0, 255 - i * 10)
        Image.new(mode, size, colour).save(folder / f"img{i:02d}.png")
    return folder


def test_folder_dataset_reads_grayscale_and_colour(tmp_path):
    gray = get_registry().dataset(f"folder:{_images(tmp_path / 'gray', 5)}")
    assert gray.image_shape == (1, 20, 20) and gray.num_classes == 0
    data = gray.load(tmp_path, "train", False)
    assert data.images.shape == (5, 1, 20, 20) and data.labels is None
    assert data.images[3].float().mean().item() == pytest.approx(30, abs=1)
    colour = get_registry().dataset(f"folder:{_images(tmp_path / 'rgb', 3, 'RGB', (30, 24))}")
    assert colour.image_shape == (3, 24, 24)  # centre-cropped to a square
    assert colour.load(tmp_path, "train", False).resized(16).images.shape == (3, 3, 16, 16)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d: d.mkdir(), "holds no images"),
        (lambda d: (_images(d, 2), (d / "notes.txt").write_text("x")), "not images: notes.txt"),
        (lambda d: (_images(d, 2), _images(d / "sub", 1, "RGB")), "mixes grayscale and colour"),
        (lambda d: (_images(d, 1), (d / "broken.png").write_bytes(b"not a png")), "is not a readable image"),
    ],
)
def test_folder_dataset_refuses_bad_folders(tmp_path, make, message):
    folder = tmp_path / "images"
    make(folder)
    with pytest.raises(DataError, match=message):
        get_registry().dataset(f"folder:{folder}")


def test_folder_dataset_trains_and_refuses_conditional_runs(tmp_path):
    folder = _images(tmp_path / "imgs", 8, size=(28, 28))
    result = CliRunner().invoke(app, ["train", "dcgan", "--data", f"folder:{folder}", "--out", str(tmp_path / "run"), *TINY])
    assert result.exit_code == 0, result.output
    with pytest.raises(ConfigError, match="has no labels"):
        resolve_config(get_registry(), f"folder:{folder}", "cgan")


def test_plain_folder_name_needs_a_path():
    with pytest.raises(ConfigError, match="needs an argument"):
        get_registry().dataset("folder")
