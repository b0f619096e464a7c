"""The registry entries that describe data, loggers and pretrained packs: plain frozen dataclasses.

They sit in the base layer so that the registry can type-check what plugins add without importing
the data, logger or pretrained packages (nothing here imports torch).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

SPLITS = ("train", "test")


@dataclass(frozen=True)
class DatasetSpec:
    """A registered dataset: how to load it, and what it holds.

    ``load(root, split, download)`` returns an :class:`ImageDataset`; ``root`` is the resolved
    data root (see :func:`ganzoo.data.resolve_data_root`).
    """

    name: str
    load: Callable[[Path, str, bool], Any]
    image_shape: tuple[int, int, int]
    num_classes: int = 0
    description: str = ""
    splits: tuple[str, ...] = field(default=SPLITS)
    feature_extractor: str | None = None  # the evaluator's default feature extractor for this data
    #: For data whose classes are read channel by channel (Stacked-MNIST): the domain classifier
    #: (an extractor name, e.g. ``ganzoo-mnist``) that reads each channel. An image's mode is its
    #: channels' classes read as one number, first channel most significant (3 digits -> 0..999);
    #: the evaluator then counts modes and their KL divergence from uniform instead of classes.
    mode_reader: str | None = None
    eval_n: int | None = None  # samples its evaluation protocol draws (Stacked-MNIST: 26,000); None: ganzoo's default
    #: For a parametrised dataset registered as ``NAME`` and used as ``NAME:ARGUMENT`` (e.g.
    #: ``folder:PATH``): builds the concrete spec from ARGUMENT. ``None`` for plain datasets.
    parametrize: Callable[[str], "DatasetSpec"] | None = None
    #: A digest of the data's content (``folder:PATH``: its files' names, sizes and times, and the
    #: options), for caches that must go stale when the data changes; "" for fixed datasets.
    content_key: str = ""
    #: Each channel is an image of its own, drawn independently of the others (Stacked-MNIST: three random
    #: digits). A run on such data switches on the ``split_channels`` option of its generator and
    #: discriminator where they have one (the InfoGAN networks: each channel drawn and judged by shared
    #: convolutions), the generator's ``split_latent`` (each channel from its own slice of z) and the
    #: discriminator's ``joint_score=False`` (each channel judged alone, the scores summed);
    #: ``--set generator.split_latent=false`` keeps the channels' latent shared (and the joint score), ``--set
    #: generator.split_channels=false --set discriminator.split_channels=false`` the plain networks.
    separate_channels: bool = False


@dataclass(frozen=True)
class LoggerSpec:
    """A registered logger: ``factory()`` returns a :class:`~ganzoo.loggers.Logger`.

    ``requires`` names the top-level modules the logger imports (checked without importing
    them); ``install`` is the command that installs them, shown when one is missing.
    """

    name: str
    factory: Callable[[], Any]
    description: str = ""
    requires: tuple[str, ...] = ()
    install: str = ""
    reference: str = ""  # where the tracker's own documentation is


@dataclass(frozen=True)
class PretrainedSpec:
    """A pretrained generator: a name and the pack folder that holds it.

    ``path`` is the folder with ``config.json``, ``generator.safetensors`` and ``card.json``
    (see :mod:`ganzoo.pretrained`); ``sha256`` is the weights file's digest, checked before
    the weights are loaded. ``dataset`` and ``recipe`` are shown by ``ganzoo list pretrained``.
    """

    name: str
    path: str
    description: str = ""
    dataset: str = ""
    recipe: str = ""
    sha256: str = ""


@dataclass(frozen=True)
class HealthSpec:
    """A registered training-health check (see :mod:`ganzoo.health`): ``factory()`` returns its object.

    ``role`` is ``"signal"`` (an object with ``measure(probe) -> {key: float}``, called every
    ``--health-every`` steps on a fixed probe batch) or ``"rule"`` (an object with
    ``observe(record) -> list of alerts``, fed every metrics record in step order, live and by
    ``ganzoo doctor``). ``keys`` names what a signal writes or a rule reads.
    """

    name: str
    factory: Callable[[], Any]
    role: str = "rule"
    description: str = ""
    keys: tuple[str, ...] = ()
