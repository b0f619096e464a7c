"""Planning the image sizes of convolutional networks, for plugin authors.

A DCGAN-style or ResNet generator starts from a small square feature map (4x4 for CIFAR-10,
CelebA or LSUN; 6x6 for STL-10's 48 px; 7x7 for MNIST's 28 px) and doubles its side once per
stride-2 upsampling stage; its discriminator halves it back. :func:`plan_upsampling` finds the
start and the number of stages that reach an image side, and refuses with a
:class:`SizeError` (a ``ConfigError`` and a ``ValueError``) that lists the sides that do work::

    from ganzoo.sizes import SquareSides, plan_upsampling

    plan = plan_upsampling((3, 64, 64), starts=(4,))   # UpsamplingPlan(start=4, stages=4)
    plan.sides                                           # (4, 8, 16, 32, 64)

:class:`SquareSides` is the same rule as a declaration: registered as a part's ``supports``
(see :class:`ganzoo.protocols.PartSpec`), it lets the configuration check refuse an image
shape the part cannot build before any data is read, and it says which shapes it builds
(``str(SquareSides(...))``). Pure Python: nothing here imports torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence, Union

from ganzoo.errors import ConfigError

__all__ = ["SizeError", "SquareSides", "UpsamplingPlan", "plan_upsampling", "sides_that_work"]

#: An image side, an (H, W) pair or a (C, H, W) shape.
Shape = Union[int, Sequence[int]]
LARGEST = 1024  # the largest side an image may have (the --image-size range)


class SizeError(ConfigError, ValueError):
    """An image shape that a network cannot build; the message lists the sizes that work.

    A ``ValueError`` too, so that a factory raising it reads like any refused argument.
    """


@dataclass(frozen=True)
class UpsamplingPlan:
    """``start`` x ``start`` feature maps, doubled ``stages`` times to the image side."""

    start: int
    stages: int

    @property
    def side(self) -> int:
        """The image side the plan reaches: ``start * 2**stages``."""
        return self.start * 2**self.stages

    @property
    def sides(self) -> tuple[int, ...]:
        """The side of the feature map before the first stage and after each: ``(start, 2*start, ..., side)``."""
        return tuple(self.start * 2**k for k in range(self.stages + 1))


def _height_width(shape: Shape) -> tuple[int, int]:
    if isinstance(shape, int):
        return shape, shape
    values = tuple(shape)
    if len(values) not in (2, 3) or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise SizeError(f"an image shape is a side, (H, W) or (C, H, W) of whole numbers; got {shape!r}")
    return values[-2], values[-1]


def _describe(shape: Shape) -> str:
    height, width = _height_width(shape)
    return f"{height}x{width}"


def sides_that_work(starts: Sequence[int] = (4,), min_stages: int = 1, max_stages: int | None = None, largest: int = LARGEST) -> list[int]:
    """Every square side up to ``largest`` that some start in ``starts`` reaches in ``min_stages``..``max_stages`` doublings, sorted."""
    found = set()
    for start in starts:
        stages = min_stages
        while start * 2**stages <= largest and (max_stages is None or stages <= max_stages):
            found.add(start * 2**stages)
            stages += 1
    return sorted(found)


def _listing(sides: list[int]) -> str:
    shown = [str(s) for s in sides[:10]]
    return ", ".join(shown) + (", ..." if len(sides) > 10 else "")


def plan_upsampling(
    shape: Shape,
    *,
    starts: Sequence[int] = (4,),
    min_stages: int = 1,
    max_stages: int | None = None,
    what: str = "these networks",
) -> UpsamplingPlan:
    """The start side and number of stride-2 stages that reach ``shape``'s side.

    ``shape`` is a side, (H, W) or (C, H, W); it must be square. ``starts`` are the start sides
    to try, in order of preference (the first that reaches the side wins); a plan has between
    ``min_stages`` and ``max_stages`` (no limit when ``None``) doublings. Anything else raises
    :class:`SizeError` naming ``what`` and the sides that work.
    """
    if not starts or any(not isinstance(s, int) or s < 1 for s in starts):
        raise ValueError(f"starts are positive whole numbers; got {starts!r}")
    height, width = _height_width(shape)
    works = sides_that_work(starts, min_stages, max_stages)
    advice = f"{what} build square images with a side of {_listing(works)}; got {height}x{width}: pass --image-size with one of them"
    if height != width:
        raise SizeError(f"{advice} (non-square images: crop or resize them to a square)")
    for start in starts:
        stages, side = 0, start
        while side < height:
            side, stages = side * 2, stages + 1
        if side == height and stages >= min_stages and (max_stages is None or stages <= max_stages):
            return UpsamplingPlan(start, stages)
    raise SizeError(advice)


@dataclass(frozen=True)
class SquareSides:
    """A part's declaration of the shapes it builds: square sides that :func:`plan_upsampling` reaches, and its channels.

    Called with a (C, H, W) image shape it returns ``None`` when the part builds it, else the
    reason it does not (a sentence naming the shapes that work). ``sides`` restricts the sides
    further to an explicit set (the layouts a paper gives); ``channels`` to the image channels
    the part accepts (``None``: any number).
    """

    starts: tuple[int, ...] = (4,)
    min_stages: int = 1
    max_stages: int | None = None
    sides: tuple[int, ...] | None = None
    channels: tuple[int, ...] | None = None
    what: str = "these networks"

    def plan(self, shape: Shape) -> UpsamplingPlan:
        """The plan for ``shape``, or a :class:`SizeError` saying which shapes work."""
        if self.sides is not None:
            height, width = _height_width(shape)
            if height != width or height not in self.sides:
                listing = ", ".join(map(str, self.sides))
                raise SizeError(f"{self.what} build square images with a side of {listing} only; got {_describe(shape)}: pass --image-size with one of them")
        return plan_upsampling(shape, starts=self.starts, min_stages=self.min_stages, max_stages=self.max_stages, what=self.what)

    def working_sides(self) -> list[int]:
        """The square sides the part builds (up to 1024)."""
        works = sides_that_work(self.starts, self.min_stages, self.max_stages)
        return [s for s in works if self.sides is None or s in self.sides]

    def __call__(self, image_shape: Sequence[int]) -> str | None:
        if self.channels is not None and len(tuple(image_shape)) == 3 and image_shape[0] not in self.channels:
            listing = " or ".join(map(str, self.channels))
            return f"{self.what} build images of {listing} channel(s); got {image_shape[0]}"
        try:
            self.plan(image_shape)
        except SizeError as error:
            return str(error)
        return None

    def __str__(self) -> str:
        channels = "" if self.channels is None else f", {' or '.join(map(str, self.channels))} channel(s)"
        return f"square, side {_listing(self.working_sides())}{channels}"
