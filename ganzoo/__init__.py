"""ganzoo: a plugin-based zoo of generative adversarial networks.

The public API for plugin authors: :data:`hookimpl`, the contracts in :mod:`ganzoo.protocols`
(:class:`Recipe`, :class:`PartSpec`, :class:`Generator`, :class:`Discriminator`, :class:`Loss`,
:class:`PhaseContext`, :class:`Augmentation`),
:class:`DatasetSpec` / :class:`ImageDataset` for datasets, and the errors in :mod:`ganzoo.errors`.
"""

from ganzoo.data.dataset import DatasetSpec, ImageDataset
from ganzoo.errors import CheckpointError, ConfigError, DataError, GanzooError, PluginError, RunError
from ganzoo.hookspecs import hookimpl
from ganzoo.protocols import Augmentation, Discriminator, Generator, Loss, PartSpec, PhaseContext, Recipe

__version__ = "0.1.0"

__all__ = [
    "Augmentation",
    "CheckpointError",
    "ConfigError",
    "DataError",
    "DatasetSpec",
    "Discriminator",
    "GanzooError",
    "Generator",
    "ImageDataset",
    "Loss",
    "PartSpec",
    "PhaseContext",
    "PluginError",
    "Recipe",
    "RunError",
    "__version__",
    "hookimpl",
]
