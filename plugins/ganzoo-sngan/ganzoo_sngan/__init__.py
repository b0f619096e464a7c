"""SN-GAN for ganzoo: Miyato et al. 2018, "Spectral Normalization for Generative Adversarial Networks".

The "standard CNN" of the paper's Table 3, sized from the image shape: the generator maps z
through a base x base projection (4x4 for 32, 64 px...; 7x7 for 28 px) and transposed
convolutions (BatchNorm, ReLU) to a tanh image; the discriminator stacks 3x3 / 4x4-stride-2
convolution pairs with LeakyReLU(0.1) and a linear output, every weight spectrally
normalised. The recipe follows the paper's setting C for the hinge loss: Adam lr 2e-4, betas
(0.5, 0.999), one discriminator step per generator step, batch 64, latent size 128.

What differs, and why: 28x28 data is trained at its native size (not upscaled to 32x32) with
narrower networks (generator width 32, discriminator width 16 instead of 64) for 3000 steps:
at width 64 the discriminator's 3x3 convolutions at full resolution cost several times a
whole step of the built-in 28x28 recipes on a 2-core CPU. No EMA of G: on one 3000-step MNIST
run it drew worse samples than the raw generator (FID 187.7 with EMA 0.999 vs 175.4 raw, 2000
samples, ganzoo-mnist features). Default-run FID on MNIST, seeds 0-2: benchmarks/results/leaderboard.

Colour images at 32, 48 and 64 px: the recipe's ``by_resolution`` table trains the paper's ResNets
(``sngan-resnet``, registered by ganzoo's built-in families) with its ResNet setting: Adam 2e-4,
betas (0, 0.9), 5 discriminator steps, batch 64. The networks' sizes are planned with
``ganzoo.sizes`` and declared (``supports=``), so a side they cannot build is refused before training.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from ganzoo import Recipe, hookimpl
from ganzoo.pretrained import packs_in
from ganzoo.sizes import SquareSides

__version__ = "0.1.0"


#: The shapes the standard CNNs build: square, from a 4x4 (32, 64 px...) or 7x7 (28 px) start.
SIDES = SquareSides(starts=(4, 7), what="the SN-GAN standard CNNs")


def _plan(image_shape: tuple[int, int, int]) -> tuple[int, int]:
    """(base, stages) with ``side == base * 2**stages``; a SizeError (a ValueError) naming the sides that work otherwise."""
    plan = SIDES.plan(image_shape)
    return plan.start, plan.stages


class SNGANGenerator(nn.Module):
    """z -> base x base x (width * 2^(stages-1)) -> transposed convolutions -> tanh image."""

    def __init__(self, latent_dim: int, image_shape: tuple[int, int, int], num_classes: int = 0, width: int = 64):
        super().__init__()
        if num_classes:
            raise ValueError("the SN-GAN generator is unconditional")
        self.latent_dim, self.image_shape, self.num_classes = latent_dim, tuple(image_shape), 0
        channels = image_shape[0]
        self._base, stages = _plan(image_shape)
        top = width * 2 ** (stages - 1)
        self.project = nn.Linear(latent_dim, self._base**2 * top)
        layers: list[nn.Module] = [nn.BatchNorm2d(top), nn.ReLU(inplace=True)]
        c = top
        for _ in range(stages):
            layers += [nn.ConvTranspose2d(c, max(c // 2, width), 4, 2, 1), nn.BatchNorm2d(max(c // 2, width)), nn.ReLU(inplace=True)]
            c = max(c // 2, width)
        layers += [nn.Conv2d(c, channels, 3, 1, 1), nn.Tanh()]
        self.body = nn.Sequential(*layers)
        self._top = top

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.body(self.project(z).view(len(z), self._top, self._base, self._base))


class SNGANDiscriminator(nn.Module):
    """Spectrally normalised convolution pairs (3x3, then 4x4 stride 2) and a linear score."""

    def __init__(self, image_shape: tuple[int, int, int], num_classes: int = 0, width: int = 64):
        super().__init__()
        if num_classes:
            raise ValueError("the SN-GAN discriminator is unconditional")
        self.image_shape, self.num_classes = tuple(image_shape), 0
        channels = image_shape[0]
        base, stages = _plan(image_shape)
        layers: list[nn.Module] = []
        c_in = channels
        for i in range(stages):
            c_out = width * 2**i
            layers += [spectral_norm(nn.Conv2d(c_in, c_out, 3, 1, 1)), nn.LeakyReLU(0.1), spectral_norm(nn.Conv2d(c_out, c_out, 4, 2, 1)), nn.LeakyReLU(0.1)]
            c_in = c_out
        layers += [spectral_norm(nn.Conv2d(c_in, c_in * 2, 3, 1, 1)), nn.LeakyReLU(0.1)]
        self.body = nn.Sequential(*layers)
        self.score = spectral_norm(nn.Linear(c_in * 2 * base * base, 1))

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.score(self.body(x).flatten(1)).view(-1)


SNGAN = Recipe(
    name="sngan",
    generator="sngan",
    discriminator="sngan",
    loss="hinge",
    description="spectrally normalised CNN discriminator, hinge loss",
    reference="Miyato et al. 2018, Spectral Normalization for GANs (standard CNN, setting C)",
    latent_dim=128,
    batch_size=64,
    steps=3000,
    generator_options={"width": 32},
    discriminator_options={"width": 16},
    lr_g=2e-4,
    lr_d=2e-4,
    betas=(0.5, 0.999),
    d_steps=1,
    # colour images at 32, 48 and 64 px: the paper's ResNets (registered by ganzoo's built-in families) with its
    # ResNet setting: Adam 2e-4, betas (0, 0.9), 5 discriminator steps, batch 64
    by_resolution={
        side: {"generator": "sngan-resnet", "discriminator": "sngan-resnet", "generator_options": {}, "discriminator_options": {},
               "batch_size": 64, "lr_g": 2e-4, "lr_d": 2e-4, "betas": (0.0, 0.9), "d_steps": 5, "reference": "Miyato et al. 2018, sec. 4 and appendix B.4"}
        for side in (32, 48, 64)
    },  # fmt: skip
)


@hookimpl
def ganzoo_register(registry):
    """Register the SN-GAN generator, discriminator and recipe with ganzoo, and its pretrained generators."""
    registry.add_generator("sngan", SNGANGenerator, conditional=False, uses_batchnorm=True, supports=SIDES, description="SN-GAN standard CNN generator", reference=SNGAN.reference)
    registry.add_discriminator("sngan", SNGANDiscriminator, conditional=False, supports=SIDES, description="spectrally normalised CNN discriminator", reference=SNGAN.reference)
    registry.add_recipe(SNGAN)
    for pack in packs_in(Path(__file__).resolve().parent / "pretrained"):  # sngan-mnist, sngan-fashion-mnist
        registry.add_pretrained(pack)
