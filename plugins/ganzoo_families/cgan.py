"""Conditional GAN: Mirza & Osindero 2014, "Conditional Generative Adversarial Nets".

Kept from the paper: both networks receive the class label, and the objective is the GAN
game conditioned on it (here with the non-saturating generator loss, ``bce``).

What differs, and why: the paper's MNIST MLPs with one-hot labels joined to each input
(ganzoo's earlier default) drew the requested digit in about half the samples, never drew four
of the classes, and repeated nearly one image per class. This recipe trains the
convolutional InfoGAN networks of the 28x28 recipes (``infogan.py``, half width): the
generator receives a learned label embedding beside z; the discriminator receives the label
through a projection head on its last hidden features (Miyato & Koyama 2018, "cGANs with
Projection Discriminator"), which conditions D without feeding the label in as an input.
Adam 2e-4 with betas (0.5, 0.999), batch 64, 3000 steps. ``ganzoo eval`` reports the
conditional accuracy (overall and per class) and the intra-FID of a conditional run.

``--generator mlp --discriminator mlp`` still trains the paper's MLP pair, and the DCGAN-based
``projection`` discriminator is registered for 32x32 runs (``--generator dcgan
--discriminator projection --image-size 32``).

Colour or larger images (``docs/resolutions.md``): at 32, 48 and 64 px the SN-GAN ResNets with
class-conditional BatchNorm in G and a projection head in D, hinge loss, Adam 2e-4, betas (0, 0.9),
5 discriminator steps, batch 64 (Miyato & Koyama 2018); at 128 px the DCGAN generator and the
``projection`` discriminator.
"""

from __future__ import annotations

from ganzoo import Recipe, hookimpl
from ganzoo_families.conv import SIDES, ProjectionDiscriminator, rows_for
from ganzoo_families.infogan import SMALL_INFOGAN

CGAN = Recipe(
    name="cgan",
    generator="infogan",
    discriminator="infogan",
    loss="bce",
    conditional=True,
    description="label-conditioned convolutional G, projection discriminator, non-saturating loss",
    reference="Mirza & Osindero 2014, Conditional Generative Adversarial Nets",
    steps=3000,
    generator_options=dict(SMALL_INFOGAN),
    discriminator_options=dict(SMALL_INFOGAN),
    by_resolution={
        # colour images at 32-64 px: the SN-GAN ResNets with conditional BatchNorm and a projection head, hinge loss,
        # Adam 2e-4, betas (0, 0.9), 5 discriminator steps, batch 64 (Miyato & Koyama 2018, sec. 5)
        **rows_for((32, 48, 64), generator="sngan-resnet", discriminator="sngan-resnet", loss="hinge", generator_options={}, discriminator_options={},
                   batch_size=64, lr_g=2e-4, lr_d=2e-4, betas=(0.0, 0.9), d_steps=5, reference="Miyato & Koyama 2018, sec. 5"),
        # 128 px: the DCGAN generator with a label embedding and the DCGAN projection discriminator
        **rows_for((128,), generator="dcgan", discriminator="projection", generator_options={}, discriminator_options={},
                   batch_size=64, lr_g=2e-4, lr_d=2e-4, betas=(0.5, 0.999), d_steps=1, reference="Radford et al. 2015; Miyato & Koyama 2018"),
    },  # fmt: skip
)


@hookimpl
def ganzoo_register(registry):
    registry.add_discriminator(
        "projection",
        ProjectionDiscriminator,
        conditional=True,
        uses_batchnorm=True,
        supports=SIDES,
        description="DCGAN features with a class projection head",
        reference="Miyato & Koyama 2018, cGANs with Projection Discriminator",
    )
    registry.add_recipe(CGAN)
