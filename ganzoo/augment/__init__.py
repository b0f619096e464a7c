"""Augmentations of the images the discriminator sees: DiffAugment and ADA, registered like any part.

An augmentation is applied by the trainer to real and fake images alike, before D, in both
phases (see :class:`ganzoo.PhaseContext.D`); its random parameters come from a generator the
trainer seeds per process and checkpoints, so a resumed run draws the same transforms.
"""

from ganzoo.augment.ada import AdaptiveAugment
from ganzoo.augment.diffaugment import DiffAugment

__all__ = ["AdaptiveAugment", "DiffAugment"]
