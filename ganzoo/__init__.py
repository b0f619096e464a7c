"""ganzoo: a plugin-based zoo of generative adversarial networks.

Using ganzoo from Python: :mod:`ganzoo.api` (train, load a run or a pretrained generator,
sample, evaluate, list); ``ganzoo.load("cgan-mnist")`` is :func:`ganzoo.api.load`.

The public API for plugin authors: :data:`hookimpl`, the contracts in :mod:`ganzoo.protocols`
(:class:`Recipe` and a preset's :class:`PaperFigures`, :class:`PartSpec`, :class:`Generator`, :class:`Discriminator`, :class:`Loss`,
:class:`PhaseContext`, :class:`Augmentation`),
:class:`DatasetSpec` / :class:`ImageDataset` for datasets, and the errors in :mod:`ganzoo.errors`.

The names that live in torch-dependent modules are imported on first use (PEP 562), so that
``import ganzoo`` and the command line's ``--help``, ``--version`` and ``list`` start without
importing torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ganzoo.base.version import __version__
from ganzoo.errors import CheckpointError, ConfigError, DataError, GanzooError, PluginError, RunError
from ganzoo.hookspecs import hookimpl
from ganzoo.lazy import lazy_names

#: Public names imported on first access: name -> module.
_LAZY = {
    "DatasetSpec": "ganzoo.base.specs",
    "ImageDataset": "ganzoo.data.dataset",
    "Augmentation": "ganzoo.protocols",
    "Discriminator": "ganzoo.protocols",
    "Generator": "ganzoo.protocols",
    "Loss": "ganzoo.protocols",
    "PaperFigures": "ganzoo.protocols",
    "PartSpec": "ganzoo.protocols",
    "PhaseContext": "ganzoo.protocols",
    "Recipe": "ganzoo.protocols",
    "PretrainedSpec": "ganzoo.base.specs",
    "load": "ganzoo.api.model",
    "GanModel": "ganzoo.api.model",
}

if TYPE_CHECKING:
    from ganzoo.base.specs import DatasetSpec
    from ganzoo.data.dataset import ImageDataset
    from ganzoo.api.model import GanModel, load
    from ganzoo.base.specs import PretrainedSpec
    from ganzoo.protocols import Augmentation, Discriminator, Generator, Loss, PaperFigures, PartSpec, PhaseContext, Recipe


__getattr__, __dir__ = lazy_names(__name__, _LAZY)


__all__ = [
    "Augmentation",
    "CheckpointError",
    "ConfigError",
    "DataError",
    "DatasetSpec",
    "Discriminator",
    "GanModel",
    "GanzooError",
    "Generator",
    "ImageDataset",
    "Loss",
    "PaperFigures",
    "PartSpec",
    "PhaseContext",
    "PluginError",
    "PretrainedSpec",
    "Recipe",
    "RunError",
    "__version__",
    "hookimpl",
    "load",
]
