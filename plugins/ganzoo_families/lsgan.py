"""LSGAN: Mao et al. 2017, "Least Squares Generative Adversarial Networks".

The DCGAN networks trained with the least-squares objectives and the paper's 0-1 coding
(a=0 for fakes, b=1 for reals, c=1 as the generator's target); Adam with lr 2e-4 and
beta1 0.5, batch 64, 32x32 images for 28x28 data.
"""

from __future__ import annotations

from ganzoo import Recipe, hookimpl

LSGAN = Recipe(
    name="lsgan",
    generator="dcgan",
    discriminator="dcgan",
    loss="lsgan",
    description="DCGAN networks, least-squares loss (a=0, b=1, c=1)",
    reference="Mao et al. 2017, Least Squares GANs",
    image_size=32,
    loss_options={"a": 0.0, "b": 1.0, "c": 1.0},
)


@hookimpl
def ganzoo_register(registry):
    registry.add_recipe(LSGAN)
