"""LSGAN: Mao et al. 2017, "Least Squares Generative Adversarial Networks".

Kept from the paper: the least-squares objectives with its 0-1 coding (a=0 for fakes, b=1
for reals, c=1 as the generator's target), BatchNorm convolutional networks, Adam with lr
2e-4 and beta1 0.5, batch 64.

What differs, and why: the paper's networks were made for 112x112 LSUN scenes; on 28x28
data this recipe trains the same networks as ``dcgan`` (the half-width InfoGAN pair of Lucic
et al. 2018, see ``infogan.py``) at the native size for 3000 steps, so that LSGAN and DCGAN
differ only in the loss. The canonical DCGAN networks at 32x32 drew noisy strokes at the
budget a CPU user gives a default run. At 32, 64 and 128 px (``docs/resolutions.md``) the
recipe's table trains the DCGAN networks (width 64) with the least-squares loss, batch 64.
"""

from __future__ import annotations

from ganzoo import Recipe, hookimpl
from ganzoo_families.conv import DCGAN_PAIR, rows_for
from ganzoo_families.infogan import SMALL_INFOGAN

LSGAN = Recipe(
    name="lsgan",
    generator="infogan",
    discriminator="infogan",
    loss="lsgan",
    description="convolutional G and D with BatchNorm, least-squares loss (a=0, b=1, c=1)",
    reference="Mao et al. 2017, Least Squares GANs",
    steps=3000,
    generator_options=dict(SMALL_INFOGAN),
    discriminator_options=dict(SMALL_INFOGAN),
    loss_options={"a": 0.0, "b": 1.0, "c": 1.0},
    # colour images at 32-128 px: the DCGAN networks, the paper's Adam settings (2e-4, beta1 0.5), batch 64
    by_resolution=rows_for((32, 64, 128), **DCGAN_PAIR, batch_size=64, lr_g=2e-4, lr_d=2e-4, betas=(0.5, 0.999), d_steps=1, reference="Mao et al. 2017, sec. 4"),
)


@hookimpl
def ganzoo_register(registry):
    registry.add_recipe(LSGAN)
