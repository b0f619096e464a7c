"""The vanilla GAN: multilayer perceptrons trained with the non-saturating loss.

Goodfellow et al. 2014, "Generative Adversarial Nets". The paper's MNIST networks were MLPs
(maxout and dropout in D); this recipe uses the common modern MLP baseline: LeakyReLU(0.2)
hidden layers, BatchNorm on the generator's hidden layers, tanh output, logits from D (no
sigmoid), Adam 2e-4 with betas (0.5, 0.999), batch 64, latent size 100, 5000 steps. Without
the generator's BatchNorm, 5000 steps on MNIST give speckled, barely legible digits; with it
they are recognisable (both grids were compared on this project's CPU). Samples come from an
exponential moving average of the generator's weights (decay 0.999, ramped up over the first
steps; not in the paper): on the same 5000-step MNIST run it lowered FID from 237.7 (the raw
generator) to 204.5 (2000 samples, same seed). Both networks accept class labels when ``num_classes > 0``, by concatenating a label embedding to their input.
At 32, 64 and 128 px (``docs/resolutions.md``) the recipe trains convolutional networks instead, as
the paper did on CIFAR-10: the DCGAN pair, batch 64, no other change.
"""

from __future__ import annotations

import torch
from torch import nn

from ganzoo import Recipe, hookimpl
from ganzoo_families.conv import DCGAN_PAIR, rows_for
from ganzoo_families.layers import LabelEmbedding, MinibatchStdDev, flat_size, mlp


class MLPGenerator(nn.Module):
    """z (+ label embedding) -> hidden widths -> tanh image."""

    def __init__(
        self, latent_dim: int, image_shape: tuple[int, int, int], num_classes: int = 0, hidden: tuple[int, ...] = (256, 512, 1024), batchnorm: bool = False
    ):
        super().__init__()
        self.latent_dim, self.image_shape, self.num_classes = latent_dim, tuple(image_shape), num_classes
        self.embed = LabelEmbedding(num_classes, 50)
        self.net = mlp([latent_dim + self.embed.dim, *hidden, flat_size(image_shape)], batchnorm=batchnorm)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        h = torch.cat([z, self.embed(labels, len(z), z)], dim=1)
        return torch.tanh(self.net(h)).view(len(z), *self.image_shape)


class MLPDiscriminator(nn.Module):
    """Flattened image (+ label embedding) -> hidden widths -> one logit.

    ``mbstd=True`` appends the minibatch standard deviation of the last hidden layer (groups of
    ``mbstd_group``) as one more input of the output layer (Karras et al. 2018).
    """

    def __init__(
        self,
        image_shape: tuple[int, int, int],
        num_classes: int = 0,
        hidden: tuple[int, ...] = (512, 256),
        dropout: float = 0.0,
        mbstd: bool = False,
        mbstd_group: int = 4,
    ):
        super().__init__()
        self.image_shape, self.num_classes = tuple(image_shape), num_classes
        self.embed = LabelEmbedding(num_classes, 50)
        sizes = [flat_size(image_shape) + self.embed.dim, *hidden]
        if mbstd:
            last = [nn.LeakyReLU(0.2, True), *([nn.Dropout(dropout)] if dropout > 0 else []), MinibatchStdDev(mbstd_group), nn.Linear(sizes[-1] + 1, 1)]
            self.net = nn.Sequential(*mlp(sizes, dropout=dropout), *last)
        else:
            self.net = mlp([*sizes, 1], dropout=dropout)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        h = torch.cat([x.flatten(1), self.embed(labels, len(x), x)], dim=1)
        return self.net(h).view(-1)


VANILLA = Recipe(
    name="vanilla",
    generator="mlp",
    discriminator="mlp",
    loss="bce",
    description="MLP generator and discriminator, non-saturating loss",
    reference="Goodfellow et al. 2014, Generative Adversarial Nets",
    generator_options={"batchnorm": True},
    ema_decay=0.999,
    # colour images at 32-128 px: convolutional networks, as the paper's CIFAR-10 experiment (here the DCGAN pair)
    by_resolution=rows_for((32, 64, 128), **DCGAN_PAIR, batch_size=64, lr_g=2e-4, lr_d=2e-4, betas=(0.5, 0.999), d_steps=1, reference="Goodfellow et al. 2014, sec. 5 (CIFAR-10: convolutional D, deconvolutional G)"),
)


@hookimpl
def ganzoo_register(registry):
    registry.add_generator("mlp", MLPGenerator, conditional=None, description="MLP generator 256-512-1024 (optional BatchNorm), tanh output", reference=VANILLA.reference)
    registry.add_discriminator("mlp", MLPDiscriminator, conditional=None, description="MLP discriminator 512-256, logit output", reference=VANILLA.reference)
    registry.add_recipe(VANILLA)
