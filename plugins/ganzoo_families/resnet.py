"""The ResNet GANs of the CIFAR-10 / STL-10 literature, unconditional or class-conditional.

* ``sngan-resnet`` (generator and discriminator): Miyato et al. 2018, "Spectral Normalization
  for Generative Adversarial Networks", appendix B.4 (Tables 4-6): the CIFAR-10 layout at 32
  px (G: 4x4x256 and three up-blocks of 256; D: 128 channels, two down-blocks then two
  plain ones), the STL-10 layout at 48 px (G from 6x6x512 halving to 64 channels; D doubling
  from 64 to 1024), and the 64 px layout of the same pyramid from 4x4x1024 (the one
  Mimicry and StudioGAN train on CelebA/LSUN). Every discriminator weight is spectrally
  normalised; D ends in ReLU, global sum pooling and a linear score.
* ``wgan-gp-resnet``: Gulrajani et al. 2017, "Improved Training of Wasserstein GANs",
  appendix F (the CIFAR-10 ResNet): G from 4x4x128 through three up-blocks of 128, critic of
  128 channels (two down-blocks, two plain ones), no normalisation in the critic (the gradient
  penalty is per sample), global mean pooling and a linear score.

``width`` is the base channel count (64 for SN-GAN, 128 for WGAN-GP, the papers' values);
the layouts multiply it. With ``num_classes > 0`` both networks are conditional the way
Miyato & Koyama 2018 ("cGANs with Projection Discriminator") condition them: the generator's
BatchNorms take class-conditional scales and shifts, and the discriminator adds the projection
``embed(y) . h`` of its pooled features to the score. Blocks: pre-activation, nearest-neighbour
upsampling before the first 3x3 convolution, average pooling after the second, learned 1x1
shortcuts where the shape changes; weights start Xavier-uniform as in the papers' code, class
scales N(1, 0.02) and shifts 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from ganzoo import hookimpl
from ganzoo.sizes import SquareSides


@dataclass(frozen=True)
class Layout:
    """One resolution's networks: the generator's channels (multiples of ``width``) from the start map to the last
    up-block, and the discriminator's blocks as (channels multiple, downsamples)."""

    generator: tuple[int, ...]
    discriminator: tuple[tuple[int, bool], ...]


#: Miyato et al. 2018, Tables 4-6 (CIFAR-10, STL-10) and the 64 px pyramid, width 64.
SNGAN_LAYOUTS = {
    32: Layout((4, 4, 4, 4), ((2, True), (2, True), (2, False), (2, False))),
    48: Layout((8, 4, 2, 1), ((1, True), (2, True), (4, True), (8, True), (16, False))),
    64: Layout((16, 8, 4, 2, 1), ((1, True), (2, True), (4, True), (8, True), (16, True))),
}
#: Gulrajani et al. 2017, appendix F (CIFAR-10), width 128.
WGAN_GP_LAYOUTS = {32: Layout((1, 1, 1, 1), ((1, True), (1, True), (1, False), (1, False)))}


def sides(layouts: dict[int, Layout], what: str) -> SquareSides:
    """The declaration of the shapes a family builds: the sides of its layouts, from a 4x4 or 6x6 start."""
    return SquareSides(starts=(4, 6), sides=tuple(sorted(layouts)), what=what)


SNGAN_SIDES = sides(SNGAN_LAYOUTS, "the SN-GAN ResNets")
WGAN_GP_SIDES = sides(WGAN_GP_LAYOUTS, "the WGAN-GP ResNets")


class ConditionalBatchNorm2d(nn.Module):
    """BatchNorm whose scale and shift are looked up per class (plain BatchNorm when ``num_classes == 0``)."""

    def __init__(self, channels: int, num_classes: int = 0):
        super().__init__()
        self.num_classes = num_classes
        self.norm = nn.BatchNorm2d(channels, affine=num_classes == 0)
        if num_classes:
            self.scale, self.shift = nn.Embedding(num_classes, channels), nn.Embedding(num_classes, channels)
            nn.init.normal_(self.scale.weight, 1.0, 0.02)  # scales near 1 that differ per class (Mimicry's initialisation)
            nn.init.zeros_(self.shift.weight)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        h = self.norm(x)
        if not self.num_classes:
            return h
        if labels is None:
            raise ValueError("this network is conditional: pass class labels")
        return h * self.scale(labels)[:, :, None, None].to(h.dtype) + self.shift(labels)[:, :, None, None].to(h.dtype)


class UpBlock(nn.Module):
    """(c)BN, ReLU, 2x nearest upsampling, 3x3 conv, (c)BN, ReLU, 3x3 conv; a 1x1-conv shortcut of the upsampled input."""

    def __init__(self, c_in: int, c_out: int, num_classes: int):
        super().__init__()
        self.norm1, self.norm2 = ConditionalBatchNorm2d(c_in, num_classes), ConditionalBatchNorm2d(c_out, num_classes)
        self.conv1, self.conv2 = nn.Conv2d(c_in, c_out, 3, 1, 1), nn.Conv2d(c_out, c_out, 3, 1, 1)
        self.shortcut = nn.Conv2d(c_in, c_out, 1)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        h = F.interpolate(F.relu(self.norm1(x, labels)), scale_factor=2, mode="nearest")
        h = self.conv2(F.relu(self.norm2(self.conv1(h), labels)))
        return h + self.shortcut(F.interpolate(x, scale_factor=2, mode="nearest"))


class DownBlock(nn.Module):
    """[ReLU,] 3x3 conv, ReLU, 3x3 conv[, 2x2 average pooling]; a 1x1-conv shortcut where the shape changes.

    The first block of a discriminator (``first=True``) sees the image itself: no ReLU before its
    first convolution, and its shortcut pools before the 1x1 convolution (the "optimized" block).
    """

    def __init__(self, c_in: int, c_out: int, down: bool, first: bool, spectral: bool):
        super().__init__()
        wrap = spectral_norm if spectral else (lambda module: module)
        self.down, self.first = down, first
        self.conv1, self.conv2 = wrap(nn.Conv2d(c_in, c_out, 3, 1, 1)), wrap(nn.Conv2d(c_out, c_out, 3, 1, 1))
        self.shortcut = wrap(nn.Conv2d(c_in, c_out, 1)) if (c_in != c_out or down) else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv2(F.relu(self.conv1(x if self.first else F.relu(x))))
        if self.down:
            h = F.avg_pool2d(h, 2)
        skip = x
        if self.first:
            skip = self.shortcut(F.avg_pool2d(x, 2) if self.down else x)
        elif self.shortcut is not None:
            skip = self.shortcut(x)
            skip = F.avg_pool2d(skip, 2) if self.down else skip
        return h + skip


def _init_xavier(module: nn.Module) -> None:
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)


class ResNetGenerator(nn.Module):
    """z -> linear to start x start x channels -> up-blocks -> BN, ReLU, 3x3 conv, tanh. Subclasses name their layouts."""

    LAYOUTS: dict[int, Layout] = {}
    SIDES: SquareSides = SquareSides()

    def __init__(self, latent_dim: int, image_shape: tuple[int, int, int], num_classes: int = 0, width: int = 64):
        super().__init__()
        if width < 1:
            raise ValueError(f"width must be a positive number of channels; got {width}")
        self.latent_dim, self.image_shape, self.num_classes = latent_dim, tuple(image_shape), num_classes
        plan = self.SIDES.plan(image_shape)
        channels = [m * width for m in self.LAYOUTS[plan.side].generator]
        self.start, self.top = plan.start, channels[0]
        self.project = nn.Linear(latent_dim, plan.start**2 * channels[0])
        self.blocks = nn.ModuleList(UpBlock(a, b, num_classes) for a, b in zip(channels[:-1], channels[1:], strict=True))
        self.out = nn.Sequential(nn.BatchNorm2d(channels[-1]), nn.ReLU(), nn.Conv2d(channels[-1], image_shape[0], 3, 1, 1), nn.Tanh())
        _init_xavier(self)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if self.num_classes and labels is None:
            raise ValueError("this network is conditional: pass class labels")
        h = self.project(z).view(len(z), self.top, self.start, self.start)
        for block in self.blocks:
            h = block(h, labels if self.num_classes else None)
        return self.out(h)


class ResNetDiscriminator(nn.Module):
    """Down-blocks -> ReLU -> global pooling -> linear score (+ class projection when conditional)."""

    LAYOUTS: dict[int, Layout] = {}
    SIDES: SquareSides = SquareSides()
    SPECTRAL = False
    POOLING = "sum"

    def __init__(self, image_shape: tuple[int, int, int], num_classes: int = 0, width: int = 64):
        super().__init__()
        if width < 1:
            raise ValueError(f"width must be a positive number of channels; got {width}")
        self.image_shape, self.num_classes = tuple(image_shape), num_classes
        plan = self.SIDES.plan(image_shape)
        wrap = spectral_norm if self.SPECTRAL else (lambda module: module)
        blocks, c_in = [], image_shape[0]
        for i, (multiple, down) in enumerate(self.LAYOUTS[plan.side].discriminator):
            blocks.append(DownBlock(c_in, multiple * width, down, first=i == 0, spectral=self.SPECTRAL))
            c_in = multiple * width
        self.blocks = nn.Sequential(*blocks)
        self.linear = wrap(nn.Linear(c_in, 1))
        self.embed = wrap(nn.Embedding(num_classes, c_in)) if num_classes else None
        _init_xavier(self)
        if self.embed is not None:
            nn.init.xavier_uniform_(self.embed.weight)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        h = F.relu(self.blocks(x))
        h = h.sum(dim=(2, 3)) if self.POOLING == "sum" else h.mean(dim=(2, 3))
        score = self.linear(h).view(-1)
        if self.embed is None:
            return score
        if labels is None:
            raise ValueError("this network is conditional: pass class labels")
        return score + (self.embed(labels).to(h.dtype) * h).sum(dim=1)


class SNGANResNetGenerator(ResNetGenerator):
    """The SN-GAN ResNet generator (CIFAR-10 32 px, STL-10 48 px, 64 px); conditional BatchNorm when ``num_classes > 0``."""

    LAYOUTS, SIDES = SNGAN_LAYOUTS, SNGAN_SIDES

    def __init__(self, latent_dim: int, image_shape: tuple[int, int, int], num_classes: int = 0, width: int = 64):
        super().__init__(latent_dim, image_shape, num_classes, width)


class SNGANResNetDiscriminator(ResNetDiscriminator):
    """The SN-GAN ResNet discriminator: spectral normalisation, sum pooling; projection when ``num_classes > 0``."""

    LAYOUTS, SIDES, SPECTRAL, POOLING = SNGAN_LAYOUTS, SNGAN_SIDES, True, "sum"

    def __init__(self, image_shape: tuple[int, int, int], num_classes: int = 0, width: int = 64):
        super().__init__(image_shape, num_classes, width)


class WGANGPResNetGenerator(ResNetGenerator):
    """The WGAN-GP CIFAR-10 ResNet generator (128 channels); conditional BatchNorm when ``num_classes > 0``."""

    LAYOUTS, SIDES = WGAN_GP_LAYOUTS, WGAN_GP_SIDES

    def __init__(self, latent_dim: int, image_shape: tuple[int, int, int], num_classes: int = 0, width: int = 128):
        super().__init__(latent_dim, image_shape, num_classes, width)


class WGANGPResNetCritic(ResNetDiscriminator):
    """The WGAN-GP CIFAR-10 ResNet critic: no normalisation, mean pooling; projection when ``num_classes > 0``."""

    LAYOUTS, SIDES, SPECTRAL, POOLING = WGAN_GP_LAYOUTS, WGAN_GP_SIDES, False, "mean"

    def __init__(self, image_shape: tuple[int, int, int], num_classes: int = 0, width: int = 128):
        super().__init__(image_shape, num_classes, width)


SNGAN_REFERENCE = "Miyato et al. 2018, Spectral Normalization for GANs (ResNet, appendix B.4); Miyato & Koyama 2018 (projection)"
WGAN_GP_REFERENCE = "Gulrajani et al. 2017, Improved Training of Wasserstein GANs (CIFAR-10 ResNet, appendix F)"


@hookimpl
def ganzoo_register(registry):
    registry.add_generator(
        "sngan-resnet", SNGANResNetGenerator, conditional=None, uses_batchnorm=True, supports=SNGAN_SIDES,
        description="SN-GAN ResNet generator (32, 48, 64 px); conditional BatchNorm with labels", reference=SNGAN_REFERENCE,
    )  # fmt: skip
    registry.add_discriminator(
        "sngan-resnet", SNGANResNetDiscriminator, conditional=None, supports=SNGAN_SIDES,
        description="SN-GAN ResNet discriminator, spectrally normalised (32, 48, 64 px); projection with labels", reference=SNGAN_REFERENCE,
    )  # fmt: skip
    registry.add_generator(
        "wgan-gp-resnet", WGANGPResNetGenerator, conditional=None, uses_batchnorm=True, supports=WGAN_GP_SIDES,
        description="WGAN-GP CIFAR-10 ResNet generator (32 px); conditional BatchNorm with labels", reference=WGAN_GP_REFERENCE,
    )  # fmt: skip
    registry.add_discriminator(
        "wgan-gp-resnet", WGANGPResNetCritic, conditional=None, supports=WGAN_GP_SIDES,
        description="WGAN-GP CIFAR-10 ResNet critic, no normalisation (32 px); projection with labels", reference=WGAN_GP_REFERENCE,
    )  # fmt: skip
