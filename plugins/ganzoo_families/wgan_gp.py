"""WGAN-GP: Gulrajani et al. 2017, "Improved Training of Wasserstein GANs".

Kept from the paper: the Wasserstein loss with a gradient penalty of weight 10 on per-sample
interpolates, 5 critic steps per generator step, a critic without BatchNorm (the penalty is
per sample, which BatchNorm's batch coupling breaks), Adam with beta2 0.9, batch 64.

What differs, and why: the critic is the vanilla recipe's MLP (512-256, LeakyReLU(0.2), no
normalisation) and the generator the half-width InfoGAN generator of the 28x28 recipes
(``infogan.py``). The penalty needs a double backward through the critic at each of the 5
critic steps; through convolutions that cost 4.7x more per generator step than through the
MLP on a 2-core CPU (measured), so a convolutional critic reaches too few generator steps in a
default run; the paper's toy-data experiments use MLP critics too. Adam lr 2e-4 for both
players with betas (0.5, 0.9) instead of the paper's 1e-4, for the same reason: 3000 generator
steps (15,000 critic steps) is a short run. Samples come from an EMA of the generator (decay
0.999, ramped up; not in the paper): on one MNIST run (seed 0, 2000 samples) FID was 152 raw
vs 165 EMA at 2000 steps and 108 raw vs 96.5 EMA at 3000 steps, hence 3000 steps with EMA.
The paper's layer-norm DCGAN critic is registered as ``wgan-gp`` (32x32 and up) and the InfoGAN
one as ``infogan-critic``.

Colour or larger images (``docs/resolutions.md``): at 32 px the paper's CIFAR-10 ResNet
(``wgan-gp-resnet``, see ``resnet.py``) with Adam 2e-4, betas (0, 0.9), 5 critic steps, batch 64;
at 64 and 128 px the DCGAN generator and the layer-norm critic with Algorithm 1's defaults (Adam
1e-4, betas (0, 0.9)).
"""

from __future__ import annotations

from functools import partial

from ganzoo import Recipe, hookimpl
from ganzoo_families.conv import SIDES, DCGANDiscriminator, rows_for
from ganzoo_families.infogan import SMALL_INFOGAN

WGAN_GP = Recipe(
    name="wgan-gp",
    generator="infogan",
    discriminator="mlp",
    loss="wgan-gp",
    description="convolutional generator, MLP critic, Wasserstein loss + gradient penalty, 5 critic steps",
    reference="Gulrajani et al. 2017, Improved Training of Wasserstein GANs",
    steps=3000,
    ema_decay=0.999,
    generator_options=dict(SMALL_INFOGAN),
    lr_g=2e-4,
    lr_d=2e-4,
    betas=(0.5, 0.9),
    d_steps=5,
    by_resolution={
        # the CIFAR-10 ResNet (appendix F): Adam 2e-4, betas (0, 0.9), 5 critic steps, batch 64
        **rows_for((32,), generator="wgan-gp-resnet", discriminator="wgan-gp-resnet", generator_options={}, discriminator_options={},
                   batch_size=64, lr_g=2e-4, lr_d=2e-4, betas=(0.0, 0.9), d_steps=5, reference="Gulrajani et al. 2017, appendix F"),
        # larger images: the DCGAN generator and the layer-norm DCGAN critic, Algorithm 1's defaults
        **rows_for((64, 128), generator="dcgan", discriminator="wgan-gp", generator_options={}, discriminator_options={},
                   batch_size=64, lr_g=1e-4, lr_d=1e-4, betas=(0.0, 0.9), d_steps=5, reference="Gulrajani et al. 2017, Algorithm 1"),
    },  # fmt: skip
)


@hookimpl
def ganzoo_register(registry):
    registry.add_discriminator(
        "wgan-gp",
        partial(DCGANDiscriminator, norm="layer"),
        conditional=None,
        supports=SIDES,
        description="DCGAN critic with layer norm (no BatchNorm)",
        reference=WGAN_GP.reference,
    )
    registry.add_recipe(WGAN_GP)
