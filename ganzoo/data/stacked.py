"""Stacked-MNIST: three MNIST digits as the three channels of one image, 1000 modes.

The test of mode collapse of Metz et al. 2017 (Unrolled GANs), Srivastava et al. 2017
(VEEGAN) and Lin et al. 2018 (PacGAN): each image stacks three digits drawn at random with
replacement, its label (mode) is ``100 * d_red + 10 * d_green + d_blue`` (0-999). The train split
holds 128,000 images of MNIST training digits, the number PacGAN's code trains its VEEGAN
experiment on (``num_training_sample``); the test split 26,000 images of MNIST test digits,
the number of samples the papers classify to count modes. The draws come from fixed seeds, so
every run, recipe and process trains on the same images.
"""

from __future__ import annotations

from pathlib import Path

import torch

from ganzoo.data.dataset import DatasetSpec, ImageDataset
from ganzoo.errors import DataError

CHANNELS = 3
SIZES = {"train": 128_000, "test": 26_000}
SEEDS = {"train": 0, "test": 1}
MODES = 10**CHANNELS


def stack_digits(digits: ImageDataset, count: int, seed: int, name: str = "stacked-mnist") -> ImageDataset:
    """``count`` images of ``CHANNELS`` digits drawn with replacement from ``digits`` (1-channel, labelled).

    The mode label reads the digits' labels as one number, the first channel most significant.
    """
    generator = torch.Generator().manual_seed(seed)
    picks = torch.randint(0, len(digits), (count, CHANNELS), generator=generator)
    images = digits.images[:, 0][picks]  # (count, CHANNELS, H, W)
    place = 10 ** torch.arange(CHANNELS - 1, -1, -1)
    labels = (digits.labels[picks] * place).sum(dim=1)
    return ImageDataset(name, images.contiguous(), labels, num_classes=MODES, class_names=tuple(f"{m:0{CHANNELS}d}" for m in range(MODES)))


def load_stacked_mnist(mnist: DatasetSpec, root: Path, split: str, download: bool) -> ImageDataset:
    """One split of Stacked-MNIST, stacked from the same split of ``mnist``."""
    if split not in SIZES:
        raise DataError(f"Dataset 'stacked-mnist' has no split {split!r}; choose one of: {', '.join(SIZES)}.")
    return stack_digits(mnist.load(root, split, download), SIZES[split], SEEDS[split])


def stacked_mnist_spec(mnist: DatasetSpec) -> DatasetSpec:
    """The registry entry of Stacked-MNIST, built on the ``mnist`` entry's files."""

    def load(root: Path, split: str, download: bool) -> ImageDataset:
        return load_stacked_mnist(mnist, root, split, download)

    return DatasetSpec(
        name="stacked-mnist",
        load=load,
        image_shape=(CHANNELS, 28, 28),
        num_classes=MODES,
        description="Stacked-MNIST (Metz et al. 2017; VEEGAN; PacGAN): 3 MNIST digits as RGB, 128k train / 26k test, 1000 modes",
        feature_extractor="ganzoo-mnist-per-channel",
        mode_reader="ganzoo-mnist",
        eval_n=26_000,
        separate_channels=True,
    )
