"""Registers ganzoo's built-in augmentations through the same entry-point path as any plugin."""

from __future__ import annotations

from ganzoo.augment.ada import AdaptiveAugment
from ganzoo.augment.diffaugment import DiffAugment
from ganzoo.hookspecs import hookimpl


@hookimpl
def ganzoo_register(registry):
    """Register ``diffaugment`` and ``ada``."""
    registry.add_augmentation(
        "diffaugment",
        DiffAugment,
        description="color, translation and cutout on every image D sees",
        reference="Zhao et al. 2020, Differentiable Augmentation for Data-Efficient GAN Training",
    )
    registry.add_augmentation(
        "ada",
        AdaptiveAugment,
        description="flip, translation, color, cutout with a probability p adapted to D's overfitting",
        reference="Karras et al. 2020, Training GANs with Limited Data",
    )
