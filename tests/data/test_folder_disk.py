"""A folder over the memory budget is decoded once into a memory-mapped file and trained on from disk,
with the same images, labels and splits as the in-memory path."""

from __future__ import annotations

import warnings

import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

from ganzoo import DataError
from ganzoo.cli import app
from ganzoo.data import folder as folder_module
from ganzoo.data import folder_disk, folder_files
from ganzoo.data.batcher import DeviceBatcher
from ganzoo.data.folder import folder_spec


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv(folder_module.CACHE_ENV, raising=False)
    monkeypatch.delenv(folder_disk.MEMORY_ENV, raising=False)
    folder_module._MEMORY.clear()
    yield
    folder_module._MEMORY.clear()


def _folder(root, grey=False, per_class=12):
    g = torch.Generator().manual_seed(0)
    for c, name in enumerate(("ants", "bees", "cats")):
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            side = 16 if i % 3 else 20  # a few larger files, resized to the common side
            pixels = torch.randint(0, 256, (side, side) if grey else (side, side, 3), generator=g, dtype=torch.uint8)
            Image.fromarray(pixels.numpy(), "L" if grey else "RGB").save(root / name / f"{i:02d}.png")
    return root


def _splits(argument):
    folder_module._MEMORY.clear()
    spec = folder_spec(argument)
    return spec, spec.load(None, "train", False), spec.load(None, "test", False)


@pytest.mark.parametrize("grey", [False, True])
def test_over_the_budget_the_folder_is_memory_mapped_with_the_same_images(tmp_path, grey):
    root = _folder(tmp_path / "data", grey=grey)
    spec, train, test = _splits(str(root))
    disk_spec, disk_train, disk_test = _splits(f"{root}?memory=0")
    assert not train.on_disk and disk_train.on_disk and disk_test.on_disk
    assert disk_spec.image_shape == spec.image_shape == ((1 if grey else 3), 16, 16)
    for memory, disk in ((train, disk_train), (test, disk_test)):
        assert torch.equal(memory.images, disk.images) and torch.equal(memory.labels, disk.labels)
    assert disk_spec.content_key == spec.content_key  # where the images live does not change what they are
    data, record = folder_disk.disk_files(*_listing(root))
    assert data.is_file() and record.is_file() and data.stat().st_size == (len(train) + len(test)) * 3 * 16 * 16
    # the splits are views of the file, not copies in memory
    assert disk_train.images.untyped_storage().data_ptr() == disk_test.images.untyped_storage().data_ptr()


def _listing(root):
    path, options = folder_module.parse_argument(f"{root}?memory=0")
    return folder_module.list_folder(path, options), options


def test_a_second_run_reads_the_mapped_file_without_decoding(tmp_path, monkeypatch):
    root = _folder(tmp_path / "data")
    _, first, _ = _splits(f"{root}?memory=0")

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded again")

    monkeypatch.setattr(folder_module, "decode_file", no_decoding)  # the in-memory path
    monkeypatch.setattr(folder_files, "decode_file", no_decoding)  # the memory-mapped path
    _, again, _ = _splits(f"{root}?memory=0")
    assert again.on_disk and torch.equal(first.images, again.images)


def test_batches_come_from_the_mapped_file(tmp_path):
    _, train, _ = _splits(f"{_folder(tmp_path / 'data')}?memory=0")
    batcher = DeviceBatcher(train, 8, channels_last=True)
    assert batcher.images.data_ptr() == train.images.data_ptr()  # not copied into memory
    images, labels = batcher.next()
    assert images.shape == (8, 3, 16, 16) and images.is_contiguous(memory_format=torch.channels_last)
    assert labels is not None and images.min() >= -1 and images.max() <= 1


def test_training_and_bad_files_over_the_budget(tmp_path):
    root = _folder(tmp_path / "data")
    (root / "bees" / "broken.png").write_bytes(b"not a png")
    result = CliRunner().invoke(app, ["train", "dcgan", "--data", f"folder:{root}?memory=0", "--steps", "2", "--batch-size", "4", "-q", "--out", str(tmp_path / "run")])
    assert result.exit_code == 2 and "broken.png" in result.output and "skip_bad=1" in result.output
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = CliRunner().invoke(app, ["train", "cgan", "--data", f"folder:{root}?memory=0&skip_bad=1", "--steps", "2", "--batch-size", "4",
                                          "--sample-every", "2", "--checkpoint-every", "2", "-q", "--out", str(tmp_path / "run")])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (tmp_path / "run" / "checkpoints").is_dir()


def test_the_budget_is_read_from_the_option_then_the_environment(monkeypatch):
    assert folder_disk.memory_budget(folder_module.FolderOptions(memory=0.5)) == 2**29
    monkeypatch.setenv(folder_disk.MEMORY_ENV, "2")
    assert folder_disk.memory_budget(folder_module.FolderOptions()) == 2 * 2**30
    monkeypatch.setenv(folder_disk.MEMORY_ENV, "lots")
    with pytest.raises(DataError, match="GANZOO_FOLDER_MEMORY_GB"):
        folder_disk.memory_budget(folder_module.FolderOptions())
    with pytest.raises(DataError, match="memory="):
        folder_module.parse_argument("x?memory=-1")
