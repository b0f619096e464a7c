"""Building the networks and the loss of a configuration from the registry, with contract checks."""

from __future__ import annotations

import torch
from torch import nn

from ganzoo.data.dataset import DatasetSpec
from ganzoo.data.prepare import Shapes
from ganzoo.errors import PluginError
from ganzoo.protocols import Augmentation, Loss
from ganzoo.registry import Registry
from ganzoo.train.config import TrainConfig, image_shape_of


__all__ = ["Shapes", "build_augmentation", "build_discriminator", "build_generator", "build_loss", "part_needs", "shapes_for"]


def shapes_for(config: TrainConfig, dataset: DatasetSpec) -> Shapes:
    """Image shape, classes and latent size of a run on ``dataset``."""
    image_shape = image_shape_of(dataset.image_shape, config.image_size)
    return Shapes(image_shape, dataset.num_classes if config.conditional else 0, config.latent_dim)


def build_generator(registry: Registry, config: TrainConfig, shapes: Shapes) -> nn.Module:
    """The generator of ``config``; checks the protocol's attributes and output shape on a batch of
    the run's own size, so that a part raising on that batch stops the run before it trains."""
    model = registry.build_part(
        "generator", config.generator, latent_dim=shapes.latent_dim, image_shape=shapes.image_shape, num_classes=shapes.num_classes, **config.generator_options
    )
    check_generator(model, config.generator, shapes, config.batch_size)
    return model


def build_discriminator(registry: Registry, config: TrainConfig, shapes: Shapes) -> nn.Module:
    """The discriminator of ``config``; checks the protocol's attributes and output shape.

    The probe is a batch of the run's own size (``--batch-size``), which the configuration check
    has already matched against the part's declared requirement (``PartSpec.batch_multiple``, e.g.
    a pack of 3): a part that needs another batch without declaring it fails here, before training,
    and its error names the plugin.
    """
    options = config.discriminator_options
    model = registry.build_part("discriminator", config.discriminator, image_shape=shapes.image_shape, num_classes=shapes.num_classes, **options)
    check_discriminator(model, config.discriminator, shapes, config.batch_size)
    return model


def build_loss(registry: Registry, config: TrainConfig) -> Loss:
    """The loss of ``config``; checks that it has both phases."""
    loss = registry.build_part("loss", config.loss, **config.loss_options)
    if not isinstance(loss, Loss):
        raise PluginError(f"Loss {config.loss!r} built a {type(loss).__name__} without discriminator_loss() and generator_loss().")
    return loss


def build_augmentation(registry: Registry, config: TrainConfig) -> Augmentation | None:
    """The augmentation of ``config`` (``None`` when off); checks that it is callable."""
    if config.augment is None:
        return None
    spec = registry.augmentation(config.augment)
    augmentation = registry.build_part("augmentation", config.augment, **config.augment_options)
    if not callable(augmentation):
        built = type(augmentation).__name__
        raise PluginError(f"Augmentation {spec.name!r} built a {built}, which cannot be called on images.")
    return augmentation


def part_needs(registry: Registry, config: TrainConfig) -> set[str]:
    """What the run's loss and augmentation declared they need from the trainer (see ganzoo.protocols.NEEDS)."""
    needs = set(registry.loss(config.loss).needs)
    if config.augment is not None:
        needs |= set(registry.augmentation(config.augment).needs)
    return needs


def _probe_labels(shapes: Shapes, batch: int) -> torch.Tensor | None:
    return torch.arange(batch) % shapes.num_classes if shapes.num_classes else None


def _check_attributes(model: nn.Module, who: str, expected: dict) -> None:
    if not isinstance(model, nn.Module):
        raise PluginError(f"{who} built a {type(model).__name__}, not a torch.nn.Module.")
    for attribute, wanted in expected.items():
        value = getattr(model, attribute, None)
        if (tuple(value) if isinstance(value, (list, tuple)) else value) != wanted:
            raise PluginError(f"{who} has {attribute}={value!r}; expected {wanted!r}.")


def check_generator(model: nn.Module, name: str, shapes: Shapes, batch: int = 2) -> None:
    """Raise PluginError unless ``model`` honours the Generator contract for ``shapes`` on a probe of ``batch`` latents."""
    _check_attributes(model, f"Generator {name!r}", {"latent_dim": shapes.latent_dim, "image_shape": shapes.image_shape, "num_classes": shapes.num_classes})
    was_training = model.training
    model.eval()
    with torch.no_grad():
        out = model(torch.zeros(batch, shapes.latent_dim), _probe_labels(shapes, batch))
    model.train(was_training)
    if tuple(out.shape) != (batch, *shapes.image_shape):
        raise PluginError(f"Generator {name!r} returned images of shape {tuple(out.shape)}; expected {(batch, *shapes.image_shape)}.")


def check_discriminator(model: nn.Module, name: str, shapes: Shapes, batch: int = 2) -> None:
    """Raise PluginError unless ``model`` honours the Discriminator contract for ``shapes`` on a probe of ``batch`` images."""
    _check_attributes(model, f"Discriminator {name!r}", {"image_shape": shapes.image_shape, "num_classes": shapes.num_classes})
    was_training = model.training
    model.eval()
    with torch.no_grad():
        out = model(torch.zeros(batch, *shapes.image_shape), _probe_labels(shapes, batch))
    model.train(was_training)
    if tuple(out.shape) != (batch,):
        raise PluginError(f"Discriminator {name!r} returned scores of shape {tuple(out.shape)}; expected ({batch},) — one raw score per image.")
