"""Stacked-MNIST: three MNIST digits as RGB, its 1000 modes as labels, seeded and the same for every run."""

from __future__ import annotations

import pytest
import torch

from ganzoo.data.dataset import ImageDataset
from ganzoo.data.stacked import stack_digits
from ganzoo.discovery import get_registry
from ganzoo.train import Trainer, resolve_config

RECIPES = ["vanilla", "dcgan", "wgan-gp", "cgan", "lsgan", "sngan"]


def test_the_splits_hold_the_papers_numbers_of_images(data_root):
    spec = get_registry().dataset("stacked-mnist")
    assert spec.image_shape == (3, 28, 28) and spec.num_classes == 1000 and spec.eval_n == 26_000
    train, test = spec.load(data_root, "train", False), spec.load(data_root, "test", False)
    assert train.images.shape == (128_000, 3, 28, 28) and train.images.dtype == torch.uint8
    assert test.images.shape == (26_000, 3, 28, 28)
    assert train.labels.unique().numel() == 1000 and test.labels.unique().numel() == 1000
    again = spec.load(data_root, "train", False)
    assert torch.equal(again.images, train.images) and torch.equal(again.labels, train.labels)  # fixed seeds: every run sees these images


def test_each_channel_is_a_digit_and_the_label_reads_them_in_order():
    digits = torch.arange(10, dtype=torch.uint8).mul(20).view(10, 1, 1, 1).expand(10, 1, 2, 2).contiguous()
    source = ImageDataset("toy", digits, torch.arange(10), num_classes=10)
    stacked = stack_digits(source, 50, seed=3)
    assert stacked.images.shape == (50, 3, 2, 2) and stacked.num_classes == 1000
    read = stacked.images[:, :, 0, 0].long() // 20  # each channel holds the digit it was drawn from
    assert torch.equal(stacked.labels, read[:, 0] * 100 + read[:, 1] * 10 + read[:, 2])
    assert torch.equal(stack_digits(source, 50, seed=3).images, stacked.images)
    assert not torch.equal(stack_digits(source, 50, seed=4).images, stacked.images)


@pytest.mark.parametrize("recipe", RECIPES)
def test_every_recipe_trains_on_stacked_mnist(recipe, data_root, tmp_path):
    config = resolve_config(
        get_registry(), "stacked-mnist", recipe, steps=2, batch_size=8, limit=64, log_every=1, sample_every=2, checkpoint_every=2, data_root=str(data_root)
    )
    trainer = Trainer(config, tmp_path / "run", progress=False)
    assert trainer.fit().step == 2
    assert trainer.gan.G.image_shape == (3, 28, 28) and trainer.gan.D.image_shape == (3, 28, 28)
    assert (tmp_path / "run" / "samples" / "step-0000002.png").is_file()
    if config.conditional:  # 1000 modes as classes; the grid shows 10 of them (000, 111, ..., 999), 8 each
        assert trainer.fixed_labels.unique().tolist() == [0, 111, 222, 333, 444, 555, 666, 777, 888, 999]


def test_its_channels_are_drawn_and_judged_apart_by_default_where_both_networks_can():
    registry = get_registry()
    assert registry.dataset("stacked-mnist").separate_channels and not registry.dataset("mnist").separate_channels
    for recipe in ("dcgan", "lsgan", "cgan"):
        config = resolve_config(registry, "stacked-mnist", recipe)
        assert config.generator_options["split_channels"] is True and config.discriminator_options["split_channels"] is True
        assert config.generator_options["split_latent"] is True  # each channel from its own slice of z
        assert config.discriminator_options["joint_score"] is False  # each channel judged alone, the scores summed
        assert not {"split_channels", "split_latent"} & set(resolve_config(registry, "mnist", recipe).generator_options)
    # wgan-gp's 28-px critic is an MLP, which has no split: its generator keeps drawing the channels together
    config = resolve_config(registry, "stacked-mnist", "wgan-gp")
    assert "split_channels" not in config.generator_options and "split_channels" not in config.discriminator_options
    # the user's --set wins
    plain = resolve_config(registry, "stacked-mnist", "dcgan", part_options={"generator": {"split_channels": False}, "discriminator": {"split_channels": False}})
    assert plain.generator_options["split_channels"] is False and plain.discriminator_options["split_channels"] is False
    assert "split_latent" not in plain.generator_options  # a plain generator has no channels to draw apart
    shared = resolve_config(registry, "stacked-mnist", "dcgan", part_options={"generator": {"split_latent": False}})
    assert shared.generator_options["split_latent"] is False and shared.generator_options["split_channels"] is True
    assert "joint_score" not in shared.discriminator_options  # channels drawn from one latent are judged together too
