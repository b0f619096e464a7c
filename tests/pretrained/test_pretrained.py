"""Pretrained generators: registered through entry points, checked by sha256, loaded and scored offline."""

from __future__ import annotations

import json
import shutil
import statistics
import time
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from ganzoo import CheckpointError, api, hookimpl
from ganzoo.cli import app
from ganzoo.discovery import build_registry, get_registry
from ganzoo.pretrained import PretrainedSpec, packs_in
from ganzoo.pretrained.pack import dequantize_state, quantize_state
from ganzoo.testing import assert_conforms

REPO = Path(__file__).resolve().parents[2]
LEADERBOARD = REPO / "benchmarks" / "results" / "leaderboard"
RECIPES = ("vanilla", "dcgan", "wgan-gp", "cgan", "lsgan", "sngan")
DATASETS = ("mnist", "fashion-mnist")
PACK_BUDGET = 25 * 2**20  # the whole pack, every generator's weights, cards and grids
COLOUR_PACKS = ("dcgan-emoji-64", "cgan-emoji-64")  # benchmarks/emoji_pack.py's, trained on a folder of 64-px colour emoji


def _pretrained() -> list[str]:
    return get_registry().names("pretrained")


def _leaderboard_packs() -> list[str]:
    return [name for name in _pretrained() if name not in COLOUR_PACKS]


def test_every_leaderboard_recipe_and_dataset_has_a_pretrained_generator():
    registry = get_registry()
    assert set(_pretrained()) >= {f"{r}-{d}" for r in RECIPES for d in DATASETS}
    assert registry.entry("pretrained", "sngan-mnist").plugin == "sngan"  # a plugin publishes its own
    assert registry.entry("pretrained", "cgan-mnist").plugin == "pretrained"  # ganzoo's, through its entry point


@pytest.mark.parametrize("name", _pretrained())
def test_every_pretrained_generator_conforms(name):
    assert_conforms("pretrained", name)


@pytest.mark.parametrize("name", _leaderboard_packs())
def test_every_card_records_how_it_was_trained_and_what_it_scores(name):
    card = api.load(name).card
    assert card["name"] == name and card["dataset"] in DATASETS
    assert card["training"]["command"].startswith("ganzoo bench") and card["training"]["steps"] > 0
    assert card["training"]["train_s"] > 0
    scores = card["scores"]
    assert any(label.startswith("leaderboard") for label in scores) and any(label.startswith("this pack") for label in scores)
    folder = Path(get_registry().pretrained(name).path)
    assert (folder / "samples.png").stat().st_size > 0 and name in (folder / "README.md").read_text()


@pytest.mark.parametrize("name", COLOUR_PACKS)
def test_the_colour_pack_draws_64_px_images_without_its_folder_and_keeps_its_scores_in_8_bits(name):
    model = api.load(name)  # the folder it was trained on is not on this machine: the pack describes itself
    assert model.image_shape == (3, 64, 64)
    card = model.card
    assert card["name"] == name and "CC-BY 4.0" in card["licence"] and card["training"]["command"].startswith("ganzoo train")
    assert card["training"]["steps"] > 0 and card["training"]["train_cpu_s"] > 0
    run, packed = card["scores"]["this run (float32)"], card["scores"]["this pack (int8)"]
    assert abs(packed["fid"] - run["fid"]) <= 0.05 * run["fid"], f"{name}: FD {packed['fid']:.1f} from int8 weights, {run['fid']:.1f} from the run's"
    images = model.generate(4, seed=0)
    assert images.shape == (4, 3, 64, 64) and torch.equal(images, model.generate(4, seed=0))
    assert images[:, 0].float().mean() != images[:, 2].float().mean()  # colour: its channels differ


def test_the_conditional_colour_pack_draws_the_category_it_is_asked_for():
    model = api.load("cgan-emoji-64")
    assert model.num_classes == 9 and model.class_names[2] == "flags" and "smileys-emotion" in model.class_names
    flags, smileys = (model.generate(8, label=model.class_names.index(name), seed=0) for name in ("flags", "smileys-emotion"))
    assert flags.shape == smileys.shape == (8, 3, 64, 64) and not torch.equal(flags, smileys)
    # the card's conditional accuracy (the folder's domain extractor) is above the 1-in-9 of a generator that ignores labels
    assert model.card["scores"]["this pack (int8)"]["conditional_accuracy"] > 2 / 9


def test_the_whole_pack_stays_within_its_budget():
    folders = [Path(get_registry().pretrained(name).path) for name in _pretrained()]
    total = sum(f.stat().st_size for folder in folders for f in folder.iterdir())
    assert total <= PACK_BUDGET, f"the pretrained packs take {total / 2**20:.1f} MiB"


def test_a_pretrained_generator_loads_and_draws_a_class_offline_in_seconds(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    started = time.perf_counter()
    result = CliRunner().invoke(app, ["sample", "cgan-mnist", "--class", "7"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "cgan-mnist-seed0-class7.png").stat().st_size > 0
    assert time.perf_counter() - started < 30
    model = api.load("cgan-mnist")
    sevens = model.generate(64, label=7, seed=1)
    from ganzoo.evaluate.classifier import load_classifier
    from ganzoo.evaluate.coverage import classify

    predicted = classify(load_classifier("ganzoo-mnist"), sevens)
    assert (predicted == 7).float().mean() > 0.9  # the card's conditional accuracy is 0.99


@pytest.mark.parametrize("name", ["cgan-mnist", "dcgan-fashion-mnist"])
def test_ganzoo_eval_of_a_pretrained_name_reproduces_its_leaderboard_row_within_the_seed_spread(name):
    recipe, dataset = name.split("-", 1)
    result = CliRunner().invoke(app, ["eval", name, "--n", "5000", "--metrics", "fid,kid,is", "--json"])
    assert result.exit_code == 0, result.output
    fid = json.loads(result.output)["metrics"]["fid"]
    seeds = [json.loads(p.read_text())["metrics"]["fid"] for p in sorted(LEADERBOARD.glob(f"{recipe}--{dataset}--seed*/result.json"))]
    assert len(seeds) == 3
    mean, std = statistics.mean(seeds), statistics.stdev(seeds)
    assert abs(fid - mean) <= 2 * std, f"{name}: FID {fid:.2f}, leaderboard {mean:.2f} ± {std:.2f}"


def test_damaged_weights_are_refused_by_their_sha256(tmp_path):
    source = Path(get_registry().pretrained("vanilla-mnist").path)
    folder = tmp_path / "vanilla-mnist"
    shutil.copytree(source, folder)
    weights = folder / "generator.safetensors"
    data = bytearray(weights.read_bytes())
    data[-100] ^= 0xFF
    weights.write_bytes(bytes(data))

    class Pack:
        @hookimpl
        def ganzoo_register(self, registry):
            for spec in packs_in(tmp_path):
                registry.add_pretrained(spec, override=True)

    registry = build_registry(extra_plugins=[("damaged", Pack())])
    with pytest.raises(CheckpointError, match="do not match their recorded sha256"):
        api.load("vanilla-mnist", registry=registry)


def test_a_third_party_plugin_publishes_a_pretrained_generator(tmp_path):
    shutil.copytree(Path(get_registry().pretrained("lsgan-mnist").path), tmp_path / "mine")
    card = json.loads((tmp_path / "mine" / "card.json").read_text())

    class Publisher:
        @hookimpl
        def ganzoo_register(self, registry):
            registry.add_pretrained(PretrainedSpec("my-lsgan", str(tmp_path / "mine"), dataset="mnist", sha256=card["weights"]["sha256"]))

    registry = build_registry(extra_plugins=[("publisher", Publisher())])
    assert registry.entry("pretrained", "my-lsgan").plugin == "publisher"
    mine, theirs = api.load("my-lsgan", registry=registry), api.load("lsgan-mnist", registry=registry)
    assert torch.equal(mine.generate(4, seed=2), theirs.generate(4, seed=2))


def test_8_bit_weights_are_within_half_a_step_of_the_original_per_output_channel():
    torch.manual_seed(0)
    state = {"conv.weight": torch.randn(32, 16, 3, 3), "fc.weight": torch.randn(600, 10), "bias": torch.randn(32), "bn.num_batches_tracked": torch.tensor(5)}
    stored = quantize_state(state)
    assert stored["conv.weight"].dtype == torch.int8 and stored["bias"].dtype == torch.float32
    restored = dequantize_state(stored)
    assert set(restored) == set(state) and torch.equal(restored["bias"], state["bias"])
    assert torch.equal(restored["bn.num_batches_tracked"], state["bn.num_batches_tracked"])
    for key in ("conv.weight", "fc.weight"):
        step = state[key].reshape(len(state[key]), -1).abs().amax(dim=1) / 127
        error = (restored[key] - state[key]).reshape(len(state[key]), -1).abs().amax(dim=1)
        assert torch.all(error <= step / 2 + 1e-6)
