"""The GPU-scale presets: the papers' configurations as recipes, each with its card (issue #27, item 6)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ganzoo import PaperFigures
from ganzoo.api.catalogue import describe_preset
from ganzoo.cli import app
from ganzoo.discovery import get_registry
from ganzoo.train import resolve_config
from ganzoo.train.recipe_file import load_recipe_file

REGISTRY = get_registry()
PRESETS = [name for name in REGISTRY.names("recipe") if REGISTRY.recipe(name).paper is not None]


def test_the_papers_cifar10_stl10_and_celeba_configurations_are_presets():
    assert set(PRESETS) == {"sngan-cifar10", "sngan-stl10", "cgan-cifar10", "wgan-gp-cifar10", "dcgan-cifar10", "dcgan-celeba64"}
    sngan = REGISTRY.recipe("sngan-cifar10")
    assert (sngan.generator, sngan.discriminator, sngan.loss, sngan.batch_size, sngan.betas, sngan.d_steps) == ("sngan-resnet", "sngan-resnet", "hinge", 64, (0.0, 0.9), 5)
    assert REGISTRY.recipe("cgan-cifar10").conditional and not sngan.conditional
    assert sngan.lr_schedule == REGISTRY.recipe("wgan-gp-cifar10").lr_schedule == "linear"  # as the papers' code decays it
    assert REGISTRY.recipe("dcgan-cifar10").lr_schedule == "constant"
    assert (REGISTRY.recipe("sngan-stl10").image_size, REGISTRY.recipe("dcgan-celeba64").image_size) == (48, 64)


@pytest.mark.parametrize("name", PRESETS)
def test_a_preset_trains_the_papers_budget_at_its_side_and_its_card_says_so(name):
    recipe = REGISTRY.recipe(name)
    card = recipe.paper
    assert isinstance(card, PaperFigures) and card.source and card.data
    assert card.fid is not None or card.inception_score is not None  # a card quotes at least one published figure
    config = resolve_config(REGISTRY, "cifar10", name)  # checks the parts build at the preset's side, reads no data
    assert (config.steps, config.image_size) == (card.steps, recipe.image_size)
    assert config.generator_options == {} and config.discriminator_options == {}  # the papers' widths
    assert resolve_config(REGISTRY, "cifar10", name, steps=500, batch_size=16).steps == 500  # the user's flags still win


def test_list_recipes_shows_each_preset_with_its_setting_and_card(monkeypatch):
    from ganzoo.cli.app import out

    monkeypatch.setattr(out, "_width", 600)  # one table row per line
    output = CliRunner().invoke(app, ["list", "recipes"]).output
    for name in PRESETS:
        recipe = REGISTRY.recipe(name)
        assert recipe.paper.describe() in output and describe_preset(recipe) in output, name
    assert "paper: FID 21.7, IS 8.22 after 100,000 G steps on CIFAR-10 32 px (Miyato et al. 2018, Table 2)" in output


def test_a_recipe_file_that_changes_a_preset_drops_its_card(tmp_path):
    same = tmp_path / "same.toml"
    same.write_text('base = "sngan-cifar10"\n')
    shorter = tmp_path / "shorter.toml"
    shorter.write_text('base = "sngan-cifar10"\nsteps = 2000\n')
    assert load_recipe_file(REGISTRY, same).paper == REGISTRY.recipe("sngan-cifar10").paper
    assert load_recipe_file(REGISTRY, shorter).paper is None  # no longer the paper's configuration


@pytest.mark.parametrize("name", PRESETS)
def test_the_kits_recipe_check_trains_each_preset_at_its_own_side(name):
    from ganzoo.testing import check_recipe

    results = check_recipe(name, REGISTRY)
    side = REGISTRY.recipe(name).image_size
    assert [r.check for r in results] == [f"trains 3 steps (3x{side}x{side})"]
    assert all(r.ok for r in results), [r.detail for r in results if not r.ok]


def test_the_docs_page_shows_every_preset_and_its_card():
    page = (Path(__file__).resolve().parents[2] / "docs" / "resolutions.md").read_text()
    rows = [line for line in page.splitlines() if line.startswith("| `") and " G steps on " in line]
    for name in PRESETS:
        recipe = REGISTRY.recipe(name)
        expected = f"| `{name}` | {describe_preset(recipe)} | {recipe.paper.describe().removeprefix('paper: ')} | {recipe.paper.note} |"
        assert expected in rows, expected
    assert len(rows) == len(PRESETS)  # no stale row


def test_a_bench_pattern_leaves_the_presets_out_and_a_name_brings_one_in():
    from ganzoo.bench import match_recipes

    everything = match_recipes(REGISTRY, "*")
    assert "dcgan" in everything and not set(everything) & set(PRESETS)
    assert match_recipes(REGISTRY, "dcgan,sngan-cifar10") == ["dcgan", "sngan-cifar10"]
