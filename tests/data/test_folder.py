"""folder:PATH as users keep it: class sub-folders, a held-out split by name, alpha, mixed modes, bad files, the cache."""

from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from ganzoo import ConfigError, DataError
from ganzoo.cli import app
from ganzoo.data import folder as folder_module
from ganzoo.data.folder import file_order, folder_spec, in_test_split, native_side, parse_argument
from ganzoo.discovery import get_registry
from ganzoo.errors import GanzooWarning
from ganzoo.train import resolve_config

TINY = ["--steps", "2", "--batch-size", "4", "--log-every", "1", "--sample-every", "2", "--checkpoint-every", "2", "-q"]


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Each test caches decoded folders in its own folder and starts with nothing decoded in memory."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv(folder_module.CACHE_ENV, raising=False)
    folder_module._MEMORY.clear()
    yield
    folder_module._MEMORY.clear()


def _save(path, mode="RGB", size=(16, 16), colour=(200, 10, 10)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, colour).save(path)
    return path


def _classes(root, counts, mode="RGB", size=(16, 16)):
    for c, (name, count) in enumerate(counts.items()):
        for i in range(count):
            _save(root / name / f"{i:03d}.png", mode, size, (c * 60, i, 0) if mode == "RGB" else c * 60)
    return root


def _rows(*names):
    """Where each of ``names`` (relative paths) lands in a folder that holds just these: ordered by the hash of the path."""
    order = sorted(names, key=file_order)
    return [order.index(name) for name in names]


def _all(spec):
    """Train and test together, in file order (the tests' folders are small)."""
    parts = [spec.load(None, split, False) for split in ("train", "test")]
    return parts


# ---------------------------------------------------------------- labels from sub-folders


def test_sub_folders_are_the_classes_sorted_by_name(tmp_path):
    root = _classes(tmp_path / "pets", {"dogs": 12, "cats": 9, "birds": 7})
    spec = folder_spec(str(root))
    assert spec.num_classes == 3 and spec.image_shape == (3, 16, 16)
    train, test = _all(spec)
    assert train.class_names == ("birds", "cats", "dogs") and train.num_classes == 3
    labels = train.labels.tolist() + test.labels.tolist()
    assert sorted(labels) == [0] * 7 + [1] * 9 + [2] * 12
    # the label is the sub-folder: the red channel encodes the sub-folder's position in the dict above (dogs=0, cats=60, birds=120)
    red_of = {"birds": 120, "cats": 60, "dogs": 0}
    for data in (train, test):
        for image, label in zip(data.images, data.labels):
            assert image[0, 0, 0].item() == red_of[data.class_names[label]]
    assert "3 classes from its sub-folders (birds, cats, dogs)" in spec.description


def test_classes_are_interleaved_so_the_first_images_span_every_class(tmp_path):
    root = _classes(tmp_path / "pets", {"a": 30, "b": 30, "c": 30})
    data = folder_spec(str(root)).load(None, "train", False)
    assert set(data.first(15).labels.tolist()) == {0, 1, 2}  # what --limit 15 trains on
    folder_module._MEMORY.clear()
    assert (folder_spec(str(root)).load(None, "train", False).labels == data.labels).all()  # the same order from the cache


def test_a_flat_folder_or_images_beside_sub_folders_stay_unlabelled(tmp_path):
    flat = _classes(tmp_path / "flat", {"": 0})
    for i in range(5):
        _save(flat / f"{i}.png")
    spec = folder_spec(str(flat))
    assert spec.num_classes == 0 and spec.load(None, "train", False).labels is None
    mixed = _classes(tmp_path / "mixed", {"a": 3, "b": 3})
    _save(mixed / "loose.png")
    assert folder_spec(str(mixed)).num_classes == 0
    assert folder_spec(str(_classes(tmp_path / "forced", {"a": 3, "b": 3})) + "?labels=0").num_classes == 0


def test_cgan_trains_on_a_labelled_folder_and_refuses_one_class(tmp_path):
    root = _classes(tmp_path / "two", {"a": 10, "b": 10}, size=(28, 28))
    result = CliRunner().invoke(app, ["train", "cgan", "--data", f"folder:{root}", "--out", str(tmp_path / "run"), *TINY])
    assert result.exit_code == 0, result.output
    one = _classes(tmp_path / "one", {"only": 10}, size=(28, 28))
    with pytest.raises(ConfigError, match="has one class only"):
        resolve_config(get_registry(), f"folder:{one}", "cgan")
    result = CliRunner().invoke(app, ["train", "cgan", "--data", f"folder:{one}", "--out", str(tmp_path / "run1"), *TINY], terminal_width=400)
    assert result.exit_code == 2 and "has one class only" in result.output and "Traceback" not in result.output
    # an unconditional recipe trains on the same one-class folder
    result = CliRunner().invoke(app, ["train", "dcgan", "--data", f"folder:{one}", "--out", str(tmp_path / "run2"), *TINY])
    assert result.exit_code == 0, result.output


# ---------------------------------------------------------------- the held-out split


def test_the_split_is_a_fixed_function_of_the_relative_path():
    names = [f"class{c}/img{i:04d}.png" for c in range(3) for i in range(400)]
    held = [name for name in names if in_test_split(name, 10)]
    assert 0.08 < len(held) / len(names) < 0.12
    # the same on every machine: SHA-256 of the UTF-8 relative path, first 8 bytes big-endian, modulo 100
    assert [in_test_split(f"class0/img{i:04d}.png", 10) for i in range(12)] == [
        int.from_bytes(hashlib.sha256(f"class0/img{i:04d}.png".encode()).digest()[:8], "big") % 100 < 10 for i in range(12)
    ]
    assert not any(in_test_split(name, 0) for name in names)


def test_test_split_holds_the_hashed_files_and_stays_put_when_files_are_added(tmp_path):
    root = _classes(tmp_path / "data", {"a": 40, "b": 40})
    spec = folder_spec(str(root))
    train, test = _all(spec)
    expected = sum(in_test_split(f"{c}/{i:03d}.png", 10) for c in "ab" for i in range(40))
    assert len(test) == expected > 0 and len(train) + len(test) == 80
    assert f"test split: {expected} files" in spec.description
    # the green channel of each image is its index in its class: the held-out ones are exactly the hashed names
    held = sorted((test.class_names[label], int(image[1, 0, 0])) for image, label in zip(test.images, test.labels))
    assert held == sorted((c, i) for c in "ab" for i in range(40) if in_test_split(f"{c}/{i:03d}.png", 10))
    for i in range(40, 60):
        _save(root / "a" / f"{i:03d}.png", colour=(0, i, 0))
    again = folder_spec(str(root)).load(None, "test", False)
    again_held = {(again.class_names[label], int(image[1, 0, 0])) for image, label in zip(again.images, again.labels)}
    assert set(held) <= again_held  # no file moved between the splits
    assert len(folder_spec(str(root) + "?test=50").load(None, "test", False)) > len(again)


def test_an_empty_split_is_a_clear_error(tmp_path):
    root = tmp_path / "few"
    _save(root / "a.png")
    with pytest.raises(DataError, match="test split of .* holds no images"):
        folder_spec(str(root) + "?test=0").load(None, "test", False)
    assert len(folder_spec(str(root) + "?test=0").load(None, "train", False)) == 1


# ---------------------------------------------------------------- modes, alpha, square


def test_mixed_grey_rgb_and_palette_files_become_the_runs_channels(tmp_path):
    root = tmp_path / "mixed"
    _save(root / "grey.png", "L", colour=90)
    _save(root / "rgb.png", "RGB", colour=(250, 0, 0))
    Image.new("RGB", (16, 16), (0, 0, 250)).convert("P", palette=Image.Palette.ADAPTIVE).save(root / "palette.gif")
    spec = folder_spec(str(root) + "?test=0")
    assert spec.image_shape == (3, 16, 16)
    g, p, r = _rows("grey.png", "palette.gif", "rgb.png")
    images = spec.load(None, "train", False).images
    assert images[g, :, 0, 0].tolist() == [90, 90, 90]
    assert images[p, :, 0, 0].tolist() == [0, 0, 250] and images[r, :, 0, 0].tolist() == [250, 0, 0]
    grey = folder_spec(str(root) + "?test=0&channels=1").load(None, "train", False)
    assert grey.image_shape == (1, 16, 16) and grey.images[g, 0, 0, 0] == 90
    assert grey.images[r, 0, 0, 0] == round(0.299 * 250)  # ITU-R 601 luma of pure red
    only_grey = tmp_path / "grey"
    _save(only_grey / "a.png", "L", colour=10)
    Image.new("L", (16, 16), 20).convert("P").save(only_grey / "b.gif")  # a palette of greys counts as grey
    assert folder_spec(str(only_grey)).image_shape == (1, 16, 16)
    assert folder_spec(str(only_grey) + "?channels=3").image_shape == (3, 16, 16)


def test_alpha_is_composited_on_the_chosen_background(tmp_path):
    root = tmp_path / "alpha"
    image = Image.new("RGBA", (16, 16), (0, 0, 0, 0))  # transparent, with a half-opaque red centre
    image.paste((255, 0, 0, 128), (4, 4, 12, 12))
    image.save(_save(root / "emoji.png"))
    Image.new("LA", (16, 16), (0, 0)).save(root / "grey_alpha.png")
    e, la = _rows("emoji.png", "grey_alpha.png")
    data = folder_spec(str(root) + "?test=0").load(None, "train", False)
    assert data.images[e, :, 0, 0].tolist() == [255, 255, 255]  # default: white, not black
    assert data.images[e, :, 8, 8].tolist() == [255, 127, 127]
    assert data.images[la, :, 0, 0].tolist() == [255, 255, 255]
    black = folder_spec(str(root) + "?test=0&background=black").load(None, "train", False)
    assert black.images[e, :, 0, 0].tolist() == [0, 0, 0] and black.images[e, :, 8, 8].tolist() == [128, 0, 0]
    teal = folder_spec(str(root) + "?test=0&background=008080").load(None, "train", False)
    assert teal.images[e, :, 0, 0].tolist() == [0, 128, 128]


def test_crop_or_pad_to_a_square(tmp_path):
    root = tmp_path / "wide"
    wide = Image.new("RGB", (24, 12), (0, 0, 255))
    wide.paste((255, 0, 0), (0, 0, 6, 12))  # a red band on the left edge
    wide.save(_save(root / "w.png"))
    cropped = folder_spec(str(root) + "?test=0")
    assert cropped.image_shape == (3, 12, 12)
    assert cropped.load(None, "train", False).images[0, :, 6, 0].tolist() == [0, 0, 255]  # the centre square lost the band
    padded = folder_spec(str(root) + "?test=0&fit=pad&background=black")
    assert padded.image_shape == (3, 24, 24)
    pixels = padded.load(None, "train", False).images[0]
    assert pixels[:, 0, 12].tolist() == [0, 0, 0] and pixels[:, 12, 0].tolist() == [255, 0, 0] and pixels[:, 12, 12].tolist() == [0, 0, 255]


def test_the_stored_side_is_the_most_common_one(tmp_path):
    assert native_side([32, 64, 64, 48]) == 64 and native_side([32, 64]) == 32 and native_side([40]) == 40
    root = tmp_path / "sizes"
    _save(root / "a.png", size=(20, 20))
    _save(root / "b.png", size=(30, 40))  # crops to 30
    _save(root / "c.png", size=(30, 30))
    assert folder_spec(str(root)).image_shape == (3, 30, 30)
    assert folder_spec(str(root) + "?size=8").image_shape == (3, 8, 8)
    big = tmp_path / "big"
    _save(big / "a.png", size=(600, 500))
    assert folder_spec(str(big)).image_shape == (3, folder_module.MAX_SIDE, folder_module.MAX_SIDE)


def test_each_file_is_opened_once(tmp_path, monkeypatch):
    root = _classes(tmp_path / "data", {"a": 6, "b": 6})
    opened = []
    real_open = Image.open
    monkeypatch.setattr(folder_module.Image, "open", lambda path, *a, **k: (opened.append(path), real_open(path, *a, **k))[1])
    spec = folder_spec(str(root) + "?cache=0&test=50")
    spec.load(None, "train", False)
    spec.load(None, "test", False)
    folder_spec(str(root) + "?cache=0&test=50")  # asked again in the same process (a run asks for its spec several times)
    assert sorted(opened) == sorted((root / c / f"{i:03d}.png") for c in "ab" for i in range(6))


# ---------------------------------------------------------------- bad folders


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d: d.mkdir(), "holds no images"),
        (lambda d: None, "does not exist"),
        (lambda d: (_save(d / "a.png"), (d / "notes.txt").write_text("x")), "not images: notes.txt"),
        (lambda d: (_save(d / "a.png"), (d / "broken.png").write_bytes(b"not a png"), (d / "cut.jpg").write_bytes(b"\xff\xd8\xff\xe0")), r"holds 2 unreadable or corrupt image file\(s\): broken.png .*cut.jpg"),
    ],
)
def test_bad_folders_are_refused_with_a_data_error(tmp_path, make, message):
    folder = tmp_path / "images"
    make(folder)
    with pytest.raises(DataError, match=message):
        folder_spec(str(folder))


def test_a_truncated_file_is_named_and_can_be_skipped(tmp_path):
    root = tmp_path / "data"
    for i in range(4):
        _save(root / f"{i}.png")
    data = (root / "2.png").read_bytes()
    (root / "2.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match=r"2.png .*skip_bad=1"):
        folder_spec(str(root))
    with pytest.warns(GanzooWarning, match=r"Skipped 1 unreadable"):
        spec = folder_spec(str(root) + "?skip_bad=1&test=0")
    assert len(spec.load(None, "train", False)) == 3 and "1 unreadable files skipped" in spec.description
    (root / "0.png").write_bytes(b"")
    (root / "1.png").write_bytes(b"x")
    (root / "3.png").write_bytes(b"y")
    with pytest.raises(DataError, match="holds no readable image"):
        folder_spec(str(root) + "?skip_bad=1")


def test_the_cli_exits_2_naming_the_corrupt_file(tmp_path):
    root = tmp_path / "data"
    for i in range(8):
        _save(root / f"{i}.png", size=(28, 28))
    (root / "bad.png").write_bytes(b"not a png")
    result = CliRunner().invoke(app, ["train", "dcgan", "--data", f"folder:{root}", "--out", str(tmp_path / "run"), *TINY], terminal_width=400)
    assert result.exit_code == 2 and "bad.png" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    "query, message",
    [("colour=red", "Unknown folder option 'colour=red'"), ("fit=stretch", "fit='stretch' must be crop or pad"), ("channels=2", "channels=2"),
     ("test=90", "from 0 to 50"), ("background=nope", "not a colour"), ("skip_bad=yes", "must be 0 or 1")],
)
def test_bad_options_are_refused(tmp_path, query, message):
    _save(tmp_path / "d" / "a.png")
    with pytest.raises(DataError, match=message):
        folder_spec(f"{tmp_path / 'd'}?{query}")


def test_a_path_without_options_may_hold_a_question_mark(tmp_path):
    folder, options = parse_argument(str(tmp_path / "why?"))
    assert folder == tmp_path / "why?" and options == folder_module.FolderOptions()


# ---------------------------------------------------------------- the cache


def _decodes(monkeypatch):
    calls = []
    real = folder_module.decode_file
    monkeypatch.setattr(folder_module, "decode_file", lambda path, options: (calls.append(path), real(path, options))[1])
    return calls


def test_a_second_load_reads_the_cache_and_a_changed_file_invalidates_it(tmp_path, monkeypatch):
    root = _classes(tmp_path / "data", {"a": 10, "b": 10})
    calls = _decodes(monkeypatch)
    first_spec = folder_spec(str(root) + "?test=0")
    key_before = first_spec.content_key
    first = first_spec.load(None, "train", False)
    assert len(calls) == 20
    entries = list(folder_module.cache_dir().glob("*.safetensors"))
    assert len(entries) == 1 and entries[0].parent == tmp_path / "xdg" / "ganzoo" / "folders"
    folder_module._MEMORY.clear()  # a new process
    second = folder_spec(str(root) + "?test=0").load(None, "train", False)
    assert len(calls) == 20  # nothing decoded
    assert (second.images == first.images).all() and (second.labels == first.labels).all() and second.class_names == ("a", "b")
    changed = root / "a" / "003.png"
    _save(changed, colour=(7, 7, 7))
    os.utime(changed, ns=(changed.stat().st_atime_ns, changed.stat().st_mtime_ns + 10**9))
    folder_module._MEMORY.clear()
    third_spec = folder_spec(str(root) + "?test=0")
    third = third_spec.load(None, "train", False)
    row = _rows(*(f"{c}/{i:03d}.png" for c in "ab" for i in range(10)))[3]  # where a/003.png lands
    assert len(calls) == 40 and third.images[row, :, 0, 0].tolist() == [7, 7, 7]
    assert third_spec.content_key and third_spec.content_key != key_before  # caches keyed by it (reference statistics) go stale too
    folder_module._MEMORY.clear()
    assert list(folder_module.cache_dir().glob("*.safetensors")) != entries and len(list(folder_module.cache_dir().glob("*.safetensors"))) == 1  # replaced
    folder_spec(str(root) + "?test=0&background=black")  # other options, another entry beside it
    assert len(calls) == 60 and len(list(folder_module.cache_dir().glob("*.safetensors"))) == 2


def test_a_broken_cache_entry_is_decoded_again_and_cache_0_writes_nothing(tmp_path, monkeypatch):
    root = _classes(tmp_path / "data", {"a": 4, "b": 4})
    folder_spec(str(root))
    (entry,) = folder_module.cache_dir().glob("*.safetensors")
    entry.write_bytes(b"garbage")
    folder_module._MEMORY.clear()
    calls = _decodes(monkeypatch)
    with pytest.warns(GanzooWarning, match="Ignored the unreadable folder cache"):
        assert folder_spec(str(root)).num_classes == 2
    assert len(calls) == 8
    other = _classes(tmp_path / "other", {"a": 3})
    folder_spec(str(other) + "?cache=0")
    assert len(list(folder_module.cache_dir().glob("*.safetensors"))) == 1


def test_an_unwritable_cache_only_warns(tmp_path, monkeypatch):
    root = _classes(tmp_path / "data", {"a": 4})
    (tmp_path / "xdg").write_text("a file where the cache folder should be")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert folder_spec(str(root)).image_shape == (3, 16, 16)
    assert any("Could not cache the decoded folder" in str(w.message) for w in caught)


def test_cached_images_match_a_fresh_decode(tmp_path):
    root = _classes(tmp_path / "data", {"a": 5, "b": 5}, mode="L", size=(20, 12))
    fresh = folder_spec(str(root) + "?cache=0&fit=pad").load(None, "train", False)
    folder_module._MEMORY.clear()
    folder_spec(str(root) + "?fit=pad")
    folder_module._MEMORY.clear()
    cached = folder_spec(str(root) + "?fit=pad").load(None, "train", False)
    assert np.array_equal(fresh.images.numpy(), cached.images.numpy()) and fresh.image_shape == (1, 20, 20)


# ---------------------------------------------------------------- through the registry


def test_the_registry_builds_folder_specs_and_a_flat_folder_trains_dcgan(tmp_path):
    root = tmp_path / "imgs"
    for i in range(10):
        _save(root / f"img{i:02d}.png", "L", (28, 28), i * 10)
    spec = get_registry().dataset(f"folder:{root}?test=0")
    assert spec.image_shape == (1, 28, 28) and spec.num_classes == 0
    data = spec.load(None, "train", False)
    row = _rows(*(f"img{i:02d}.png" for i in range(10)))[3]
    assert data.images.shape == (10, 1, 28, 28) and data.labels is None and data.images[row].float().mean().item() == 30
    assert data.resized(16).images.shape == (10, 1, 16, 16)
    result = CliRunner().invoke(app, ["train", "dcgan", "--data", f"folder:{root}", "--out", str(tmp_path / "run"), *TINY])
    assert result.exit_code == 0, result.output
    with pytest.raises(ConfigError, match="has no labels"):
        resolve_config(get_registry(), f"folder:{root}", "cgan")


def test_plain_folder_name_needs_a_path():
    with pytest.raises(ConfigError, match="needs an argument"):
        get_registry().dataset("folder")


def test_the_docs_list_every_option_with_its_default():
    text = (Path(__file__).resolve().parents[2] / "docs" / "families.md").read_text()
    for key, (default, what) in folder_module.OPTIONS.items():
        assert f"| `{key}` | `{default}` | {what} |" in text
    assert f"than {folder_module.MAX_SIDE} px are reduced" in text
