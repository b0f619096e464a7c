"""DCGAN: Radford, Metz & Chintala 2015, "Unsupervised Representation Learning with Deep
Convolutional Generative Adversarial Networks".

The paper's guidelines, all kept: strided (transposed) convolutions instead of pooling,
BatchNorm in both networks (not on D's input block nor G's output), ReLU in G with tanh
output, LeakyReLU(0.2) in D, weights from N(0, 0.02), the non-saturating loss, Adam with lr
2e-4 and beta1 0.5, latent size 100; batch 64 (128 in the paper; 64 is the canonical PyTorch
example's size).

What differs, and why: the default networks are the InfoGAN pair that Lucic et al. 2018 used
to compare every family on MNIST and Fashion-MNIST (``infogan``: two (transposed) convolutions
at 14x14 and 7x7 plus a fully connected layer; see ``infogan.py``), at half their width
(32/64 channels, 512 hidden units), on 28x28 images. The canonical 64-channel networks at
32x32 (``--generator dcgan --discriminator dcgan --image-size 32``, still registered) cost
about 3.5x more per image on a 2-core CPU and still draw rough strokes after the minutes a
default run may take; the smaller pair draws digits of every class within its 3000 steps
(``docs/families.md`` has the measured grids, FID and class coverage).

Colour or larger images: at 32, 64 and 128 px (the dataset's side or ``--image-size``) the
recipe's ``by_resolution`` table trains the paper's networks (``dcgan``, width 64) with its
batch of 128 (``docs/resolutions.md``); at 64 px at half width with DiffAugment, measured to draw
closer to the data on a CPU's budget. The flags a user sets still win.
"""

from __future__ import annotations

from ganzoo import Recipe, hookimpl
from ganzoo_families.conv import DCGAN_PAIR, SIDES, DCGANDiscriminator, DCGANGenerator, rows_for
from ganzoo_families.infogan import SMALL_INFOGAN

#: Radford et al.'s networks and optimiser for colour images (batch 128, Adam 2e-4, beta1 0.5).
PAPER_SETTINGS = dict(**DCGAN_PAIR, batch_size=128, lr_g=2e-4, lr_d=2e-4, betas=(0.5, 0.999), d_steps=1)
#: The 64-px default: both networks at width 32 (the paper's layout, half its channels) with
#: DiffAugment. On 3781 colour emoji for 15 minutes of one CPU thread it made 3.6x the steps of
#: width 64 and reached FD 413 against the paper's width's 1770 and the plain PyTorch loop's
#: 1447 (``docs/colour.md``); ``--set generator.width=64 --set discriminator.width=64 --augment none``
#: (or the ``dcgan-celeba64`` preset) trains the paper's width.
HALF_WIDTH_AUGMENTED = {"generator_options": {"width": 32}, "discriminator_options": {"width": 32}, "augment": "diffaugment"}
HALF_WIDTH_REFERENCE = "Radford et al. 2015, sec. 4, at half width; DiffAugment, Zhao et al. 2020 (docs/colour.md)"

DCGAN = Recipe(
    name="dcgan",
    generator="infogan",
    discriminator="infogan",
    loss="bce",
    description="convolutional G and D with BatchNorm, non-saturating loss",
    reference="Radford et al. 2015, DCGAN",
    steps=3000,
    generator_options=dict(SMALL_INFOGAN),
    discriminator_options=dict(SMALL_INFOGAN),
    # the paper's networks and settings for colour images at 32-128 px (batch 128, Adam 2e-4, beta1 0.5);
    # at 64 px at half width with DiffAugment: 4.3x lower FD than the paper's width in 15 CPU minutes
    by_resolution={
        **rows_for((32, 128), **PAPER_SETTINGS, reference="Radford et al. 2015, sec. 4"),
        **rows_for((64,), **{**PAPER_SETTINGS, **HALF_WIDTH_AUGMENTED}, reference=HALF_WIDTH_REFERENCE),
    },
)


@hookimpl
def ganzoo_register(registry):
    registry.add_generator("dcgan", DCGANGenerator, conditional=None, supports=SIDES, description="DCGAN generator: transposed convs, BatchNorm, ReLU, tanh", reference=DCGAN.reference)
    registry.add_discriminator(
        "dcgan", DCGANDiscriminator, conditional=None, uses_batchnorm=True, supports=SIDES, description="DCGAN discriminator: strided convs, BatchNorm, LeakyReLU(0.2)", reference=DCGAN.reference
    )
    registry.add_recipe(DCGAN)
