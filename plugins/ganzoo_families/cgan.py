"""Conditional GAN: Mirza & Osindero 2014, "Conditional Generative Adversarial Nets".

Both networks receive the class label: the paper's MNIST model is a pair of MLPs with the
one-hot label joined to the input of each; here a learned label embedding is concatenated to
z in the generator and to the flattened image in the discriminator (the ``mlp`` parts with
``num_classes > 0``). Optimisation uses the vanilla recipe's Adam settings (2e-4, betas
(0.5, 0.999), batch 64) rather than the paper's SGD schedule. A projection discriminator
(Miyato & Koyama 2018) on DCGAN features is registered as the second option:
``ganzoo train cgan --data mnist --generator dcgan --discriminator projection --image-size 32``.
"""

from __future__ import annotations

from ganzoo import Recipe, hookimpl
from ganzoo_families.conv import ProjectionDiscriminator

CGAN = Recipe(
    name="cgan",
    generator="mlp",
    discriminator="mlp",
    loss="bce",
    conditional=True,
    description="label-conditioned MLP generator and discriminator",
    reference="Mirza & Osindero 2014, Conditional Generative Adversarial Nets",
    generator_options={"batchnorm": True},
)


@hookimpl
def ganzoo_register(registry):
    registry.add_discriminator(
        "projection",
        ProjectionDiscriminator,
        conditional=True,
        uses_batchnorm=True,
        description="DCGAN features with a class projection head",
        reference="Miyato & Koyama 2018, cGANs with Projection Discriminator",
    )
    registry.add_recipe(CGAN)
