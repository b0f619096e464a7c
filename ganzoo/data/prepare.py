"""The data a run trains on, prepared in one place: loaded, limited, resized, labels kept or dropped.

:func:`prepare_data` is what the trainer (and anything else that trains) calls; it returns the
dataset and the :class:`Shapes` the networks are built for, both derived from the prepared images,
so the image shape comes from one place. It reads the configuration's data fields only (``dataset``,
``data_root``, ``limit``, ``image_size``, ``conditional``, ``latent_dim``) and changes none of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ganzoo.data.dataset import ImageDataset
from ganzoo.data.root import resolve_data_root

if TYPE_CHECKING:
    from ganzoo.registry import Registry


@dataclass(frozen=True)
class Shapes:
    """What the networks are built for."""

    image_shape: tuple[int, int, int]  # (C, H, W) fed to and produced by the networks
    num_classes: int  # 0 when the run is unconditional
    latent_dim: int


def prepare_data(config: Any, registry: "Registry", split: str = "train", download: bool = True) -> tuple[ImageDataset, Shapes]:
    """The ``split`` of ``config.dataset`` as the run trains on it, and the shapes of its networks.

    The data root is ``config.data_root``, else ``$GANZOO_DATA_ROOT``, else the home cache
    (:func:`resolve_data_root`); ``config.limit`` keeps the first images (0: all), ``config.image_size``
    resizes them once, in memory; an unconditional run gets no labels.
    """
    spec = registry.dataset(config.dataset)
    root = resolve_data_root(config.data_root)
    dataset = spec.load(root, split, download).first(config.limit).resized(config.image_size)
    num_classes = spec.num_classes if config.conditional else 0
    if not num_classes:
        dataset = ImageDataset(dataset.name, dataset.images, None, dataset.num_classes, dataset.class_names, dataset.on_disk)
    return dataset, Shapes(dataset.image_shape, num_classes, config.latent_dim)
