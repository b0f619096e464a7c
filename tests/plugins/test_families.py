"""The zoo from the CLI: every recipe on both datasets, free combinations, conditional sampling."""

from __future__ import annotations

import json

import pytest
import torch
from PIL import Image
from safetensors.torch import load_file
from typer.testing import CliRunner

from ganzoo.cli import app
from ganzoo.discovery import get_registry
from ganzoo.train.build import Shapes

RECIPES = [name for name in get_registry().names("recipe") if get_registry().recipe(name).paper is None]  # presets: tests/plugins/test_presets.py
TINY = ["--steps", "2", "--batch-size", "8", "--log-every", "1", "--sample-every", "2", "--checkpoint-every", "2", "-q"]


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args], terminal_width=300)


def test_the_five_families_and_losses_are_listed():
    recipes = invoke("list", "recipes").output
    losses = invoke("list", "losses").output
    assert all(name in recipes for name in ("vanilla", "dcgan", "wgan-gp", "cgan", "lsgan"))
    assert all(name in losses for name in ("bce", "minimax", "lsgan", "wgan-gp", "hinge"))


@pytest.mark.parametrize("dataset", ["mnist", "fashion-mnist"])
@pytest.mark.parametrize("recipe", RECIPES)
def test_every_recipe_trains_on_both_datasets(recipe, dataset, tmp_path):
    result = invoke("train", recipe, "--data", dataset, "--out", tmp_path / "run", *TINY)
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [1, 2]
    assert all(abs(r["loss_d"]) < 1e4 for r in records)


@pytest.mark.parametrize("size", [28, 32, 64])
def test_dcgan_networks_build_at_28_32_and_64(size):
    from ganzoo.train.build import check_discriminator, check_generator

    registry = get_registry()
    shapes = Shapes((1, size, size), 0, 100)
    check_generator(registry.generator("dcgan").factory(latent_dim=100, image_shape=(1, size, size)), "dcgan", shapes)
    for name in ("dcgan", "wgan-gp"):
        check_discriminator(registry.discriminator(name).factory(image_shape=(1, size, size)), name, shapes)


def test_recipe_defaults_keep_each_papers_objective_and_essentials():
    registry = get_registry()
    dcgan, wgan, lsgan, cgan = (registry.recipe(n) for n in ("dcgan", "wgan-gp", "lsgan", "cgan"))
    assert (dcgan.loss, dcgan.lr_g, dcgan.betas[0], dcgan.latent_dim, dcgan.batch_size) == ("bce", 2e-4, 0.5, 100, 64)
    assert registry.discriminator(dcgan.discriminator).uses_batchnorm and registry.generator(dcgan.generator).uses_batchnorm
    assert (wgan.loss, wgan.d_steps, wgan.loss_options.get("gp_weight", 10.0)) == ("wgan-gp", 5, 10.0)
    assert not registry.discriminator(wgan.discriminator).uses_batchnorm  # the penalty is per sample
    assert (lsgan.loss, lsgan.loss_options) == ("lsgan", {"a": 0.0, "b": 1.0, "c": 1.0})
    assert cgan.conditional and cgan.loss == "bce"
    for recipe in (dcgan, wgan, lsgan, cgan):  # sized for 28x28 data: no upscaling to 32
        assert recipe.image_size is None


@pytest.mark.parametrize("conditional", [False, True])
def test_infogan_networks_build_for_28_pixels_and_refuse_other_sides(conditional):
    from ganzoo.train.build import check_discriminator, check_generator

    registry = get_registry()
    classes = 10 if conditional else 0
    shapes = Shapes((1, 28, 28), classes, 64)
    check_generator(registry.generator("infogan").factory(latent_dim=64, image_shape=(1, 28, 28), num_classes=classes, width=8, hidden=32), "infogan", shapes)
    for name in ("infogan", "infogan-critic"):
        check_discriminator(registry.discriminator(name).factory(image_shape=(1, 28, 28), num_classes=classes, width=8, hidden=32), name, shapes)
    with pytest.raises(ValueError, match="divisible by 4"):
        registry.generator("infogan").factory(latent_dim=64, image_shape=(1, 30, 30))


def test_the_conditional_infogan_discriminator_projects_the_label():
    D = get_registry().discriminator("infogan").factory(image_shape=(1, 28, 28), num_classes=10, width=8, hidden=32).eval()
    x = torch.randn(4, 1, 28, 28)
    with torch.no_grad():
        same, other = D(x, torch.zeros(4, dtype=torch.long)), D(x, torch.ones(4, dtype=torch.long))
        h = D.features(x)
        expected = D.score(h).view(-1) + (D.project(torch.ones(4, dtype=torch.long)) * h).sum(1)
    assert not torch.allclose(same, other)  # the label changes the score ...
    torch.testing.assert_close(other, expected)  # ... through the projection term only


def test_a_mixed_trio_trains(tmp_path):
    result = invoke("train", "--generator", "dcgan", "--discriminator", "dcgan", "--loss", "hinge", "--data", "mnist", "--out", tmp_path / "run", *TINY)
    assert result.exit_code == 0, result.output
    config = json.loads((tmp_path / "run" / "config.json").read_text())["config"]
    assert (config["generator"], config["discriminator"], config["loss"], config["recipe"]) == ("dcgan", "dcgan", "hinge", None)


def test_explicit_flags_override_a_recipe(tmp_path):
    result = invoke("train", "dcgan", "--data", "mnist", "--loss", "lsgan", "--lr-g", "0.001", "--image-size", "32", "--dry-run")
    config = json.loads(result.output)
    # 32 px selects the recipe's row for that size (the DCGAN networks, batch 128); the flags still win over it
    assert (config["loss"], config["lr_g"], config["generator"], config["image_size"], config["batch_size"]) == ("lsgan", 0.001, "dcgan", 32, 128)


def test_conditional_run_samples_the_requested_class(tmp_path):
    run = tmp_path / "cgan"
    assert invoke("train", "cgan", "--data", "mnist", "--out", run, *TINY).exit_code == 0
    result = invoke("sample", run, "--class", "7", "--n", "12", "--out", tmp_path / "sevens.safetensors")
    assert result.exit_code == 0, result.output
    stored = load_file(str(tmp_path / "sevens.safetensors"))
    assert stored["labels"].tolist() == [7] * 12 and stored["images"].shape == (12, 1, 28, 28)
    assert invoke("sample", run, "--n", "30", "--out", tmp_path / "grid.png").exit_code == 0
    with Image.open(tmp_path / "grid.png") as grid:  # one row per class: 10 rows of 3
        assert grid.size == (3 * 30 + 2, 10 * 30 + 2)
    samples = load_file(str(tmp_path / "sevens.safetensors"))["images"]
    other = invoke("sample", run, "--class", "1", "--n", "12", "--out", tmp_path / "ones.safetensors")
    assert other.exit_code == 0
    assert not torch.equal(samples, load_file(str(tmp_path / "ones.safetensors"))["images"])  # the label changes the images


def test_projection_discriminator_trains_conditionally(tmp_path):
    result = invoke("train", "cgan", "--data", "mnist", "--generator", "dcgan", "--discriminator", "projection", "--image-size", "32", "--out", tmp_path / "run", *TINY)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "dcgan", "--data", "mnist", "--discriminator", "projection"], "The discriminator 'projection' needs class labels, but this run is unconditional"),
        (["train", "dcgan", "--data", "mnist", "--generator", "dcgan", "--discriminator", "dcgan", "--image-size", "30"], "the DCGAN networks build square images with a side of 8, 14, 16, 28, 32"),
        (["train", "dcgan", "--data", "mnist", "--image-size", "30"], "need image sides divisible by 4"),
    ],
)
def test_incompatible_combinations_are_refused(args, message, tmp_path):
    result = invoke(*args, "--out", tmp_path / "run", *TINY)
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "run").exists()


def test_gradient_penalty_with_a_batchnorm_critic_warns(tmp_path):
    with pytest.warns(UserWarning, match="uses BatchNorm, which mixes samples"):
        from ganzoo.train import resolve_config

        resolve_config(get_registry(), "mnist", "wgan-gp", discriminator="dcgan")
