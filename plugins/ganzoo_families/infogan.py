"""The InfoGAN networks for 28x28 data, as Lucic et al. 2018 used them for every family.

"Are GANs Created Equal? A Large-Scale Study" (Lucic et al. 2018, Table 7) compares GAN
families on MNIST and Fashion-MNIST with one pair of networks, taken from InfoGAN (Chen et
al. 2016):

* generator: z -> FC 1024, BN, ReLU -> FC 7x7x128, BN, ReLU -> 4x4 transposed conv 64,
  stride 2, BN, ReLU -> 4x4 transposed conv to the image, stride 2 (tanh here; sigmoid there);
* discriminator: 4x4 conv 64, stride 2, LeakyReLU(0.2) -> 4x4 conv 128, stride 2, norm,
  LeakyReLU -> FC 1024, norm, LeakyReLU -> FC 1 raw score.

They are sized for 28x28 images (any side divisible by 4 builds): the two convolutions work
at 14x14 and 7x7, which makes a step several times cheaper than the DCGAN networks at 32x32
while the fully connected layers keep the capacity that MNIST-like data needs. ``width``
scales the channels (64 and 128 at the default), ``hidden`` the fully connected layer.

The discriminator's ``norm`` is ``batch`` (DCGAN, LSGAN), ``layer`` (a WGAN-GP critic: the
gradient penalty is per sample, which BatchNorm's batch coupling breaks) or ``none``;
``spectral=True`` wraps every weight in spectral normalisation (SN-GAN); ``mbstd=True`` appends
the minibatch standard deviation (over groups of ``mbstd_group`` samples) to the last feature
map, a remedy for mode collapse (Karras et al. 2018). ``split_channels=True`` treats each image
channel as an image of its own, for data built that way (Stacked-MNIST's three digits; the dataset
declares it and the run switches the option on in both networks, see ``DatasetSpec.separate_channels``):
the generator's second fully connected layer gives one feature map per channel and the same two
transposed convolutions draw each map as a 1-channel image; the discriminator's convolutions read
each channel as a 1-channel image, a linear score judges each channel's features alone and the fully
connected layer judges all channels' features together (so a digit drawn badly in one channel, and
three channels that do not go together, both cost the score); with ``joint_score=False`` the whole
discriminator judges each channel alone and sums the channels' scores (the log-ratio of two densities
whose channels are independent is the sum of the channels' log-ratios). The generator's ``split_latent=True``
(with ``split_channels``) goes one step further, for data whose channels are independent images: each
channel's map comes from its own slice of z (``latent_dim // channels`` dims; a conditional generator adds
the label and a one-hot code of the channel) through the same fully connected layers, so the channels
are independent by construction (given the label). Conditional networks
take the label as a learned embedding concatenated to z (generator) and through a projection
head on the last hidden features (discriminator; Miyato & Koyama 2018).
"""

from __future__ import annotations

from functools import partial

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from ganzoo import hookimpl
from ganzoo_families.conv import NORMS, norm_2d
from ganzoo_families.layers import LabelEmbedding, MinibatchStdDev, init_normal

#: The networks at half width (32/64 channels, 512 hidden units): what the 28x28 recipes train
#: by default, about 4x cheaper per step than full width on a 2-core CPU.
SMALL_INFOGAN = {"width": 32, "hidden": 512}


def supports(image_shape: tuple[int, int, int]) -> str | None:
    """The registry's declaration of the shapes the InfoGAN networks build: sides divisible by 4, square or not."""
    _, height, width = image_shape
    if height % 4 or width % 4:
        return f"the InfoGAN networks need image sides divisible by 4 (28 for MNIST); got {height}x{width}"
    return None


def _check_side(image_shape: tuple[int, int, int]) -> tuple[int, int, int]:
    refusal = supports(image_shape)
    if refusal:
        raise ValueError(refusal)
    channels, height, width = image_shape
    return channels, height // 4, width // 4


def _norm_1d(kind: str, features: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm1d(features)
    if kind == "layer":
        return nn.LayerNorm(features)
    if kind == "none":
        return nn.Identity()
    raise ValueError(f"norm must be one of {', '.join(NORMS)}; got {kind!r}")


class InfoGANGenerator(nn.Module):
    """z (+ label embedding) -> FC -> FC to a (2·width)x(H/4)x(W/4) map -> two transposed convs -> tanh."""

    def __init__(
        self,
        latent_dim: int,
        image_shape: tuple[int, int, int],
        num_classes: int = 0,
        width: int = 64,
        hidden: int = 1024,
        split_channels: bool = False,
        split_latent: bool = False,
    ):
        super().__init__()
        self.latent_dim, self.image_shape, self.num_classes = latent_dim, tuple(image_shape), num_classes
        channels, h, w = _check_side(image_shape)
        if split_latent and not split_channels:
            raise ValueError("split_latent draws each channel from its own slice of z: it needs split_channels=True")
        if split_latent and latent_dim < channels:
            raise ValueError(f"split_latent gives each of the {channels} channels latent_dim // {channels} dims; latent_dim is {latent_dim}")
        self.embed = LabelEmbedding(num_classes, 50)
        # split_channels: one feature map per image channel, each drawn by the same convolutions as a 1-channel image;
        # split_latent: each channel's map from its own slice of z by the same fully connected layers (independent channels)
        maps, out = (channels, 1) if split_channels else (1, channels)
        self.slices = channels if split_latent else 1
        # split_latent: a channel's slice of z; conditional, plus a one-hot code of the channel, so the shared layers
        # can tell the channels apart (the label names a different digit for each)
        self.codes = channels if split_latent and num_classes else 0
        fc_inputs, fc_maps = (latent_dim // channels + self.codes, 1) if split_latent else (latent_dim, maps)
        self.map_shape = (2 * width, h, w)
        self.fc = nn.Sequential(
            nn.Linear(fc_inputs + self.embed.dim, hidden, bias=False),
            nn.BatchNorm1d(hidden),
            nn.ReLU(True),
            nn.Linear(hidden, fc_maps * 2 * width * h * w, bias=False),
            nn.BatchNorm1d(fc_maps * 2 * width * h * w),
            nn.ReLU(True),
        )
        self.conv = nn.Sequential(
            nn.ConvTranspose2d(2 * width, width, 4, 2, 1, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(True),
            nn.ConvTranspose2d(width, out, 4, 2, 1),
            nn.Tanh(),
        )
        init_normal(self)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        label = self.embed(labels, len(z), z)
        if self.slices > 1:  # (B, slices·k) -> (B·slices, k), each row with its sample's label (and its channel's code)
            z = z[:, : z.shape[1] // self.slices * self.slices].reshape(len(label) * self.slices, -1)
            if self.codes:
                z = torch.cat([z, torch.eye(self.codes, dtype=z.dtype, device=z.device).repeat(len(label), 1)], dim=1)
            label = label.repeat_interleave(self.slices, dim=0)
        h = torch.cat([z, label], dim=1)
        images = self.conv(self.fc(h).view(-1, *self.map_shape))
        return images.view(-1, *self.image_shape)


class InfoGANDiscriminator(nn.Module):
    """Two strided convs -> FC hidden -> one raw score (+ a class projection when conditional)."""

    def __init__(
        self,
        image_shape: tuple[int, int, int],
        num_classes: int = 0,
        width: int = 64,
        hidden: int = 1024,
        norm: str = "batch",
        spectral: bool = False,
        mbstd: bool = False,
        mbstd_group: int = 4,
        split_channels: bool = False,
        joint_score: bool = True,
    ):
        super().__init__()
        self.image_shape, self.num_classes = tuple(image_shape), num_classes
        channels, h, w = _check_side(image_shape)
        # split_channels: the convolutions read each image channel as a 1-channel image (shared weights), a
        # linear score judges each channel's features alone, and the fully connected layer judges them together;
        # joint_score=False: the whole network judges each channel alone, and the channels' scores are summed
        self.split = channels if split_channels else 0
        self.alone = channels if split_channels and not joint_score else 0
        convs = [
            nn.Conv2d(1 if split_channels else channels, width, 4, 2, 1),
            nn.LeakyReLU(0.2, True),
            nn.Conv2d(width, 2 * width, 4, 2, 1, bias=norm == "none"),
            norm_2d(norm, 2 * width),
            nn.LeakyReLU(0.2, True),
        ]
        maps = (channels if split_channels and not self.alone else 1) * 2 * width
        if split_channels and not self.alone:
            self.channel_features = nn.Sequential(*convs)
            self.channel_score = nn.Linear(2 * width * h * w, 1)
            convs = []
        # the minibatch standard deviation joins the last feature map as one more channel (Karras et al. 2018)
        stddev = [MinibatchStdDev(mbstd_group)] if mbstd else []
        self.features = nn.Sequential(
            *convs,
            *stddev,
            nn.Flatten(),
            nn.Linear((maps + len(stddev)) * h * w, hidden, bias=norm == "none"),
            _norm_1d(norm, hidden),
            nn.LeakyReLU(0.2, True),
        )
        self.score = nn.Linear(hidden, 1)
        self.project = nn.Embedding(num_classes, hidden) if num_classes else None
        init_normal(self)
        if spectral:  # after the initialisation, which writes the unnormalised weights
            for layer in self.modules():
                if isinstance(layer, (nn.Conv2d, nn.Linear, nn.Embedding)):
                    spectral_norm(layer)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if self.alone:  # (B, C, H, W) -> B·C one-channel images, each row with its sample's label; scores summed
            h = self.features(x.reshape(-1, 1, *x.shape[2:]))
            score = self.score(h).view(len(x), self.alone).sum(dim=1)
            if self.project is None:
                return score
            if labels is None:
                raise ValueError("this network is conditional: pass class labels")
            projected = (self.project(labels.repeat_interleave(self.alone)).to(h.dtype) * h).sum(dim=1)
            return score + projected.view(len(x), self.alone).sum(dim=1)
        if self.split:
            maps = self.channel_features(x.reshape(-1, 1, *x.shape[2:]))
            channel_scores = self.channel_score(maps.flatten(1)).view(len(x), self.split).sum(dim=1)
            h = self.features(maps.reshape(len(x), -1, *maps.shape[2:]))
            score = self.score(h).view(-1) + channel_scores
        else:
            h = self.features(x)
            score = self.score(h).view(-1)
        if self.project is None:
            return score
        if labels is None:
            raise ValueError("this network is conditional: pass class labels")
        return score + (self.project(labels).to(h.dtype) * h).sum(dim=1)


@hookimpl
def ganzoo_register(registry):
    reference = "Lucic et al. 2018, Are GANs Created Equal? (Table 7: the InfoGAN networks of Chen et al. 2016)"
    registry.add_generator(
        "infogan", InfoGANGenerator, conditional=None, uses_batchnorm=True, supports=supports,
        description="InfoGAN generator for 28x28: FC 1024, FC 7x7x128, two transposed convs", reference=reference,
    )
    registry.add_discriminator(
        "infogan", InfoGANDiscriminator, conditional=None, uses_batchnorm=True, supports=supports,
        description="InfoGAN discriminator for 28x28: two strided convs, FC 1024 (BatchNorm; projection head when conditional)",
        reference=reference,
    )
    registry.add_discriminator(
        "infogan-critic", partial(InfoGANDiscriminator, norm="layer"), conditional=None, supports=supports,
        description="InfoGAN discriminator with layer norm instead of BatchNorm (a WGAN-GP critic)", reference=reference,
    )
