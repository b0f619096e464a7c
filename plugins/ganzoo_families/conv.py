"""The DCGAN convolutional networks (Radford et al. 2015), shared by dcgan, lsgan and wgan-gp.

Sizes: a square image side ``base * 2**stages`` with base 4 (32, 64, 128 px...) or 7 (28 px),
planned by :func:`ganzoo.sizes.plan_upsampling` and declared in the registry as :data:`SIDES`
(a non-square or unreachable shape is a configuration error naming the sides that work). The
generator projects z (plus a label embedding when conditional) with a transposed convolution
to ``base x base``, then doubles the resolution per stage with 4x4 stride-2 transposed
convolutions, BatchNorm and ReLU, ending in tanh. The discriminator mirrors it with 4x4
stride-2 convolutions and LeakyReLU(0.2), normalisation on every block but the first (batch
norm for DCGAN, layer norm or none for a WGAN-GP critic), and a final ``base x base``
convolution to one raw score. Conditional discriminators receive the label as an extra input
channel (an embedded map), or by projection (Miyato & Koyama 2018) in
:class:`ProjectionDiscriminator`. All weights start from N(0, 0.02).
"""

from __future__ import annotations

import torch
from torch import nn

from ganzoo.sizes import SquareSides
from ganzoo_families.layers import LabelEmbedding, MinibatchStdDev, init_normal

NORMS = ("batch", "layer", "none")
#: The shapes the DCGAN networks build: square, from a 4x4 (32, 64, 128 px...) or 7x7 (28 px) start.
SIDES = SquareSides(starts=(4, 7), what="the DCGAN networks")


def resolution_plan(image_shape: tuple[int, int, int]) -> tuple[int, int]:
    """(base, stages) with ``side == base * 2**stages``; a SizeError (a ValueError) for shapes :data:`SIDES` refuses."""
    plan = SIDES.plan(image_shape)
    return plan.start, plan.stages


def norm_2d(kind: str, channels: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "layer":  # normalises each sample over (C, H, W), as the WGAN-GP paper suggests
        return nn.GroupNorm(1, channels)
    if kind == "none":
        return nn.Identity()
    raise ValueError(f"norm must be one of {', '.join(NORMS)}; got {kind!r}")


class DCGANGenerator(nn.Module):
    """z (+ label embedding) -> transposed convolutions -> tanh image."""

    def __init__(self, latent_dim: int, image_shape: tuple[int, int, int], num_classes: int = 0, width: int = 64):
        super().__init__()
        self.latent_dim, self.image_shape, self.num_classes = latent_dim, tuple(image_shape), num_classes
        channels = image_shape[0]
        base, stages = resolution_plan(image_shape)
        self.embed = LabelEmbedding(num_classes, 50)
        c = width * 2 ** (stages - 1)
        layers: list[nn.Module] = [nn.ConvTranspose2d(latent_dim + self.embed.dim, c, base, 1, 0, bias=False), nn.BatchNorm2d(c), nn.ReLU(True)]
        for _ in range(stages - 1):
            layers += [nn.ConvTranspose2d(c, c // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(c // 2), nn.ReLU(True)]
            c //= 2
        layers += [nn.ConvTranspose2d(c, channels, 4, 2, 1, bias=False), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        init_normal(self)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        h = torch.cat([z, self.embed(labels, len(z), z)], dim=1)
        return self.net(h[:, :, None, None])


class DCGANFeatures(nn.Module):
    """The discriminator's convolution stack: image (+ label map) -> (B, C, base, base) features."""

    def __init__(self, image_shape: tuple[int, int, int], extra_channels: int = 0, width: int = 64, norm: str = "batch"):
        super().__init__()
        channels = image_shape[0]
        self.base, stages = resolution_plan(image_shape)
        layers: list[nn.Module] = [nn.Conv2d(channels + extra_channels, width, 4, 2, 1, bias=norm == "none"), nn.LeakyReLU(0.2, True)]
        c = width
        for _ in range(stages - 1):
            layers += [nn.Conv2d(c, c * 2, 4, 2, 1, bias=norm == "none"), norm_2d(norm, c * 2), nn.LeakyReLU(0.2, True)]
            c *= 2
        self.net = nn.Sequential(*layers)
        self.out_channels = c

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class DCGANDiscriminator(nn.Module):
    """Convolutions -> one raw score per image; labels enter as an embedded input channel.

    ``mbstd=True`` appends the minibatch standard deviation (groups of ``mbstd_group``) to the
    last feature map before the score (Karras et al. 2018).
    """

    def __init__(self, image_shape: tuple[int, int, int], num_classes: int = 0, width: int = 64, norm: str = "batch", mbstd: bool = False, mbstd_group: int = 4):
        super().__init__()
        self.image_shape, self.num_classes = tuple(image_shape), num_classes
        _, height, width_px = image_shape
        self.label_map = LabelEmbedding(num_classes, height * width_px)
        self.features = DCGANFeatures(image_shape, 1 if num_classes else 0, width, norm)
        self.stddev = MinibatchStdDev(mbstd_group) if mbstd else nn.Identity()
        self.score = nn.Conv2d(self.features.out_channels + int(mbstd), 1, self.features.base, 1, 0, bias=False)
        init_normal(self)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if self.num_classes:
            x = torch.cat([x, self.label_map(labels, len(x), x).view(len(x), 1, *x.shape[2:])], dim=1)
        return self.score(self.stddev(self.features(x))).view(-1)


class ProjectionDiscriminator(nn.Module):
    """DCGAN features with a projection head: ``score = w . h + embed(y) . h`` (Miyato & Koyama 2018)."""

    def __init__(self, image_shape: tuple[int, int, int], num_classes: int = 0, width: int = 64, norm: str = "batch"):
        super().__init__()
        if num_classes < 1:
            raise ValueError("the projection discriminator is conditional: it needs num_classes > 0")
        self.image_shape, self.num_classes = tuple(image_shape), num_classes
        self.features = DCGANFeatures(image_shape, 0, width, norm)
        self.linear = nn.Linear(self.features.out_channels, 1)
        self.embed = nn.Embedding(num_classes, self.features.out_channels)
        init_normal(self)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if labels is None:
            raise ValueError("this network is conditional: pass class labels")
        h = self.features(x).sum(dim=(2, 3))  # global sum pooling of the activated features
        return self.linear(h).view(-1) + (self.embed(labels).to(h.dtype) * h).sum(dim=1)


#: What a row of a recipe's ``by_resolution`` table that trains these networks sets: both parts at
#: their registered defaults (width 64, the PyTorch DCGAN example's ``ngf = ndf = 64``).
DCGAN_PAIR = {"generator": "dcgan", "discriminator": "dcgan", "generator_options": {}, "discriminator_options": {}}


def rows_for(sides: tuple[int, ...], **settings) -> dict[int, dict]:
    """A ``by_resolution`` table giving each of ``sides`` the same ``settings`` (a fresh dict per side)."""
    return {side: {key: (dict(value) if isinstance(value, dict) else value) for key, value in settings.items()} for side in sides}
