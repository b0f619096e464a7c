"""PacGAN: Lin, Khetan, Fanti & Oh 2018, "PacGAN: The power of two samples in generative adversarial networks".

A packing discriminator judges ``pack`` samples at once: real packs hold ``pack`` real images,
fake packs ``pack`` generated ones, concatenated along the channels. A generator that
repeats a few modes makes packs that look unlike real ones, so packing penalises mode
collapse; the paper proves it and measures it on Stacked-MNIST (``docs/mode-collapse.md``).

``pacgan`` wraps any registered discriminator (``inner``, default ``infogan``): it builds the
inner one through :meth:`ganzoo.registry.Registry.build_part` for images of ``pack`` times the
channels, and passes it every option it does not name itself (``--set discriminator.width=32``
reaches the inner network). ``--discriminator pacgan`` on a recipe wraps the recipe's own
discriminator with the recipe's options. Batches are split into consecutive packs (the data
order is shuffled), so the batch size must be a multiple of ``pack``: the configuration check
refuses any other before training. The score of a pack is given to each of its images, so D
still returns one score per image: a loss that averages scores over the batch (every built-in
adversarial loss) trains exactly the paper's packed objective. Under a gradient penalty each
image's gradient is its pack's score's gradient times ``pack``.

Unconditional only: the images of one pack would carry different labels.
"""

from __future__ import annotations

from typing import Any, Callable

import torch
from torch import nn

from ganzoo import hookimpl

PACKS = (2, 3, 4)  # the packing degrees of the paper's experiments


class PackedDiscriminator(nn.Module):
    """Scores packs of ``pack`` consecutive images with ``inner`` (built for ``pack`` x the channels)."""

    def __init__(self, inner: nn.Module, pack: int, image_shape: tuple[int, int, int]):
        super().__init__()
        self.inner, self.pack = inner, pack
        self.image_shape, self.num_classes = tuple(image_shape), 0

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        batch = x.shape[0]
        if batch % self.pack:
            raise ValueError(f"pacgan with pack={self.pack} scores packs of {self.pack} images; a batch of {batch} does not split into them")
        packed = x.reshape(batch // self.pack, self.pack * x.shape[1], *x.shape[2:])
        return self.inner(packed).reshape(-1).repeat_interleave(self.pack)


def check_pack(options: dict[str, Any]) -> None:
    """Refuse a packing degree outside 2-4 (ValueError, turned into a ConfigError by the configuration check)."""
    pack = options["pack"]
    if isinstance(pack, bool) or not isinstance(pack, int) or pack not in PACKS:
        raise ValueError(f"pack must be {', '.join(map(str, PACKS[:-1]))} or {PACKS[-1]} (images per pack, as in Lin et al. 2018); got {pack!r}")


def pacgan_factory(registry) -> Callable[..., PackedDiscriminator]:
    """The ``pacgan`` factory, which builds its inner discriminator from ``registry``.

    ``registry`` is the read-only :class:`~ganzoo.registry.RegistryView` the registrar hands out
    (``registry.registry`` in the hook): it cannot add entries, and a lookup when the part is
    built sees every plugin's, so ``inner`` may name any discriminator, ``DIST:NAME`` too.
    """

    def pacgan(image_shape: tuple[int, int, int], num_classes: int = 0, inner: str = "infogan", pack: int = 2, **inner_options: Any) -> PackedDiscriminator:
        check_pack({"pack": pack})
        channels, height, width = image_shape
        network = registry.build_part("discriminator", inner, image_shape=(channels * pack, height, width), num_classes=num_classes, **inner_options)
        return PackedDiscriminator(network, pack, image_shape)

    return pacgan


@hookimpl
def ganzoo_register(registry):
    registry.add_discriminator(
        "pacgan",
        pacgan_factory(registry.registry),
        conditional=False,
        description="packing wrapper: any discriminator judges packs of 2-4 images (inner=NAME, pack=N, other options go to the inner one)",
        reference="Lin et al. 2018, PacGAN: The power of two samples in generative adversarial networks",
        batch_multiple=lambda options: options["pack"],
        check_options=check_pack,
        wraps="discriminator",
    )
