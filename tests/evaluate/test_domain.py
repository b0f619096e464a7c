"""Evaluation of a user's labelled folder offline: a domain extractor trained by ganzoo, reference
statistics keyed by the folder's content, and the error that names both ways when no extractor is at hand."""

from __future__ import annotations

import json

import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

from ganzoo.cli import app
from ganzoo.data import folder as folder_module
from ganzoo.discovery import get_registry
from ganzoo.errors import ConfigError
from ganzoo.evaluate import evaluate_images, load_reference
from ganzoo.evaluate.domain import DOMAIN, domain_weights, read_record
from ganzoo.evaluate.extractors import INCEPTION_FILE
from ganzoo.evaluate.metrics import cache_name

COLOURS = {"blue": (20, 40, 220), "green": (30, 200, 40), "red": (220, 30, 30)}  # sorted: the labels are 0, 1, 2


@pytest.fixture(autouse=True)
def private_caches(tmp_path, monkeypatch):
    """Each test has its own caches (decoded folders, extractors, statistics) and no Inception weights."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    folder_module._MEMORY.clear()
    yield
    folder_module._MEMORY.clear()


def _folder(root, per_class=30, side=16):
    """Three classes of clearly different colours, each image its colour plus noise and a random bright square."""
    g = torch.Generator().manual_seed(0)
    for name, rgb in COLOURS.items():
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            pixels = (torch.tensor(rgb).view(3, 1, 1) + torch.randint(-25, 26, (3, side, side), generator=g)).clamp(0, 255)
            x, y = (int(v) for v in torch.randint(0, side - 4, (2,), generator=g))
            pixels[:, y : y + 4, x : x + 4] = 250
            Image.fromarray(pixels.to(torch.uint8).permute(1, 2, 0).numpy()).save(root / name / f"{i:03d}.png")
    return root


def _reference(root, split="test"):
    return load_reference(get_registry(), f"folder:{root}", split)


def test_without_inception_or_a_domain_extractor_the_error_names_both_ways(tmp_path):
    spec, test = _reference(_folder(tmp_path / "data"))
    with pytest.raises(ConfigError) as caught:
        evaluate_images(test.images, test, dataset=spec, metrics="fid", cache_dir=tmp_path / "fidelity")
    message = str(caught.value)
    assert INCEPTION_FILE in message and str(tmp_path / "torch") in message  # where to put the weights
    assert f"ganzoo extractor train --data folder:{tmp_path / 'data'}" in message  # or the command that trains one
    assert "\n" not in message


def test_a_trained_extractor_reads_the_users_classes_and_evaluates_offline(tmp_path):
    root = _folder(tmp_path / "data")
    result = CliRunner().invoke(app, ["extractor", "train", "--data", f"folder:{root}", "--seconds", "3", "--max-epochs", "15", "--json"], terminal_width=400)
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert record["num_classes"] == 3 and record["class_names"] == sorted(COLOURS)
    assert record["test_accuracy"] >= 0.9 > record["chance_accuracy"]  # colours this different are learnt in seconds
    spec, test = _reference(root)
    weights = domain_weights(spec)
    assert weights is not None and str(weights) == record["path"] and read_record(weights)["weights_sha256"] == record["weights_sha256"]

    # real test images, asked for their own classes: every class covered, conditional accuracy as the extractor's
    _, train = _reference(root, "train")
    real = evaluate_images(train.images, test, dataset=spec, metrics="fid,kid,prc", requested_labels=train.labels, cache_dir=tmp_path / "fidelity")
    assert real.protocol["feature_extractor"] == DOMAIN and real.protocol["feature_weights_sha256"] == record["weights_sha256"]
    assert real.protocol["content_key"] == spec.content_key
    assert real.metrics["classes_covered"] == 3 and real.metrics["conditional_accuracy"] > 0.9
    # a collapsed "generator" drawing only red: one class covered, and asked for blue and green it is wrong
    red = train.images[train.labels == 2]
    asked = torch.arange(len(red)) % 3
    collapsed = evaluate_images(red, test, dataset=spec, metrics="fid", requested_labels=asked, cache_dir=tmp_path / "fidelity")
    assert collapsed.metrics["classes_covered"] == 1 and collapsed.metrics["class_histogram"][2] == len(red)
    assert collapsed.metrics["conditional_accuracy_per_class"][2] == 1.0 and collapsed.metrics["conditional_accuracy_per_class"][0] == 0.0
    assert collapsed.metrics["fid"] > 5 * real.metrics["fid"]


def test_reference_statistics_are_cached_by_the_folders_content(tmp_path, monkeypatch):
    root = _folder(tmp_path / "data", per_class=10)
    grey = "?channels=1"  # greyscale: the shipped MNIST extractor reads it, so no training is needed here
    spec, test = _reference(f"{root}{grey}")
    options = dict(metrics="fid", feature_extractor="ganzoo-mnist", cache_dir=tmp_path / "fidelity")
    first = evaluate_images(test.images, test, dataset=spec, **options)
    assert first.protocol["content_key"] == spec.content_key != ""
    assert list((tmp_path / "fidelity").glob(cache_name(first.protocol) + "*"))
    cached = sorted((tmp_path / "fidelity").iterdir())

    # the same content again: a cache hit, no new statistics
    folder_module._MEMORY.clear()
    spec_again, test_again = _reference(f"{root}{grey}")
    assert evaluate_images(test_again.images, test_again, dataset=spec_again, **options).protocol == first.protocol
    assert sorted((tmp_path / "fidelity").iterdir()) == cached

    # a file of the folder changes: a new key, fresh statistics beside the old ones
    changed = next(p for p in sorted((root / "red").iterdir()))
    Image.new("RGB", (16, 16), (0, 0, 0)).save(changed)
    folder_module._MEMORY.clear()
    spec_changed, test_changed = _reference(f"{root}{grey}")
    assert spec_changed.content_key != spec.content_key
    second = evaluate_images(test_changed.images, test_changed, dataset=spec_changed, **options)
    assert cache_name(second.protocol) != cache_name(first.protocol)
    assert len(list((tmp_path / "fidelity").iterdir())) > len(cached)
    # and fixed datasets keep their names' keys
    assert cache_name({k: v for k, v in first.protocol.items() if k != "content_key"}) != cache_name(first.protocol)


def test_a_folder_without_classes_cannot_train_an_extractor(tmp_path):
    flat = tmp_path / "flat"
    flat.mkdir()
    for i in range(6):
        Image.new("RGB", (16, 16), (i * 40, 0, 0)).save(flat / f"{i}.png")
    result = CliRunner().invoke(app, ["extractor", "train", "--data", f"folder:{flat}", "--seconds", "1"], terminal_width=400)
    assert result.exit_code != 0 and "sub-folder per class" in result.output
