"""DCGAN: Radford, Metz & Chintala 2015, "Unsupervised Representation Learning with Deep
Convolutional Generative Adversarial Networks".

The paper's guidelines: strided (transposed) convolutions instead of pooling, BatchNorm in
both networks (not on D's input block nor G's output), ReLU in G with tanh output,
LeakyReLU(0.2) in D, weights from N(0, 0.02), Adam with lr 2e-4 and beta1 0.5, batch 128 in
the paper (64 here, the canonical PyTorch example's size), latent size 100, 64 base channels.
28x28 data is trained at 32x32, the usual DCGAN resolution for MNIST-like sets; the networks
also build at 28, 64 and larger powers of two (see ``conv.resolution_plan``).
"""

from __future__ import annotations

from ganzoo import Recipe, hookimpl
from ganzoo_families.conv import DCGANDiscriminator, DCGANGenerator

DCGAN = Recipe(
    name="dcgan",
    generator="dcgan",
    discriminator="dcgan",
    loss="bce",
    description="convolutional G and D with BatchNorm, non-saturating loss",
    reference="Radford et al. 2015, DCGAN",
    image_size=32,
)


@hookimpl
def ganzoo_register(registry):
    registry.add_generator("dcgan", DCGANGenerator, conditional=None, description="DCGAN generator: transposed convs, BatchNorm, ReLU, tanh", reference=DCGAN.reference)
    registry.add_discriminator(
        "dcgan", DCGANDiscriminator, conditional=None, uses_batchnorm=True, description="DCGAN discriminator: strided convs, BatchNorm, LeakyReLU(0.2)", reference=DCGAN.reference
    )
    registry.add_recipe(DCGAN)
