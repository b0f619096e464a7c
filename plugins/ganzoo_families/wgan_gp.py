"""WGAN-GP: Gulrajani et al. 2017, "Improved Training of Wasserstein GANs".

The critic is the DCGAN discriminator with layer normalisation instead of BatchNorm (the
penalty is per sample, which BatchNorm's batch coupling breaks; the paper recommends layer
norm), trained 5 times per generator step with the Wasserstein loss plus a gradient penalty
of weight 10 on per-sample interpolates; Adam with lr 1e-4 and betas (0.0, 0.9), batch 64,
the DCGAN generator, 32x32 images for 28x28 data.
"""

from __future__ import annotations

from functools import partial

from ganzoo import Recipe, hookimpl
from ganzoo_families.conv import DCGANDiscriminator

WGAN_GP = Recipe(
    name="wgan-gp",
    generator="dcgan",
    discriminator="wgan-gp",
    loss="wgan-gp",
    description="DCGAN generator, layer-norm critic, Wasserstein loss + gradient penalty",
    reference="Gulrajani et al. 2017, Improved Training of Wasserstein GANs",
    image_size=32,
    steps=2000,
    lr_g=1e-4,
    lr_d=1e-4,
    betas=(0.0, 0.9),
    d_steps=5,
)


@hookimpl
def ganzoo_register(registry):
    registry.add_discriminator(
        "wgan-gp",
        partial(DCGANDiscriminator, norm="layer"),
        conditional=None,
        description="DCGAN critic with layer norm (no BatchNorm)",
        reference=WGAN_GP.reference,
    )
    registry.add_recipe(WGAN_GP)
