"""The training configuration: a typed dataclass of registry names and numbers.

:func:`resolve_config` starts from a recipe's defaults (or from the bare defaults when the
three parts are named directly), applies the user's overrides, validates every value and the
compatibility of the parts with each other and with the dataset, and returns a complete
:class:`TrainConfig` that a run writes to ``RUN/config.json``.
"""

from __future__ import annotations

import dataclasses
import json
import warnings
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from ganzoo.errors import ConfigError, GanzooWarning
from ganzoo.protocols import Recipe
from ganzoo.registry import Registry

PRECISIONS = ("fp32", "bf16", "fp16")
ON_NAN = ("stop", "rollback")


@dataclass
class TrainConfig:
    """Everything a training run depends on. Parts are registry names, never import paths."""

    dataset: str  # registry name of the dataset
    generator: str  # registry name of the generator
    discriminator: str  # registry name of the discriminator
    loss: str  # registry name of the loss
    recipe: str | None = None  # the recipe the defaults came from, if any
    conditional: bool = False  # feed class labels to both networks
    latent_dim: int = 100  # size of z
    image_size: int | None = None  # square side of the images; None = the dataset's own
    batch_size: int = 64  # real images per discriminator step
    steps: int = 5000  # generator steps in total
    lr_g: float = 2e-4  # Adam learning rate of the generator
    lr_d: float = 2e-4  # Adam learning rate of the discriminator
    betas: tuple[float, float] = (0.5, 0.999)  # Adam betas of both optimisers
    d_steps: int = 1  # discriminator steps per generator step
    ema_decay: float = 0.0  # EMA of the generator weights; 0 = off
    generator_options: dict = field(default_factory=dict)  # extra keyword arguments of the generator factory
    discriminator_options: dict = field(default_factory=dict)  # ... of the discriminator factory
    loss_options: dict = field(default_factory=dict)  # ... of the loss factory
    augment: str | None = None  # registry name of the augmentation applied before D; None = off
    augment_options: dict = field(default_factory=dict)  # ... of the augmentation factory
    limit: int = 0  # train on the first N images of the dataset only; 0 = all
    seed: int = 0  # seeds weights, data order, latents
    precision: str = "fp32"  # fp32 | bf16 | fp16
    device: str = "auto"  # auto | cpu | cuda | cuda:N
    compile: bool = False  # torch.compile the networks (the first steps compile, ~30 s on a CPU)
    channels_last: bool = False  # NHWC memory layout for convolutional networks
    profile: bool = False  # time each section of a step (synchronises the device; slower)
    eval_every: int = 0  # steps between evaluations appended to metrics.jsonl; 0 = off
    eval_n: int = 2000  # generated samples per evaluation during training
    eval_metrics: str = "fid,kid"  # metrics of those evaluations
    log_every: int = 50  # steps between metrics.jsonl records
    sample_every: int = 500  # steps between sample grids (and one at the end)
    checkpoint_every: int = 1000  # steps between checkpoints (and one at the end)
    keep: int = 3  # checkpoints kept; 0 = all
    on_nan: str = "stop"  # stop | rollback (to the last checkpoint, halving both learning rates)
    data_root: str | None = None  # resolved data folder (recorded for reproducibility)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of every field."""
        data = asdict(self)
        data["betas"] = list(self.betas)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TrainConfig":
        """Rebuild from :meth:`to_dict` output; unknown or missing keys raise ConfigError."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ConfigError(f"The configuration has unknown keys: {', '.join(unknown)}.")
        try:
            config = cls(**data)
        except TypeError as error:
            raise ConfigError(f"The configuration is incomplete: {error}.") from error
        config.betas = tuple(config.betas)
        return config

    @classmethod
    def from_json_file(cls, path: Path) -> "TrainConfig":
        """Read a ``config.json`` written by a run."""
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, ValueError) as error:
            raise ConfigError(f"Could not read the configuration {path}: {error}.") from error
        if not isinstance(data, dict) or not isinstance(data.get("config"), dict):
            raise ConfigError(f"{path} is not a ganzoo run configuration (no 'config' object).")
        return cls.from_dict(data["config"])


_RECIPE_FIELDS = [f for f in Recipe.default_fields() if f not in {"generator", "discriminator", "loss"}]


def resolve_config(registry: Registry, dataset: str, recipe: str | None = None, **overrides: Any) -> TrainConfig:
    """Recipe defaults + overrides (``None`` = not given) -> a validated :class:`TrainConfig`."""
    overrides = {k: v for k, v in overrides.items() if v is not None}
    known = {f.name for f in fields(TrainConfig)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ConfigError(f"Unknown configuration keys: {', '.join(unknown)}.")
    if recipe is not None:
        base = registry.recipe(recipe)
    else:
        missing = [part for part in ("generator", "discriminator", "loss") if part not in overrides]
        if missing:
            raise ConfigError(
                f"Name a recipe (e.g. `ganzoo train vanilla --data {dataset}`) or all three parts; missing: "
                + ", ".join(f"--{m}" for m in missing)
                + ". See `ganzoo list recipes`."
            )
        base = Recipe(name="custom", generator=overrides["generator"], discriminator=overrides["discriminator"], loss=overrides["loss"])
    values = {name: getattr(base, name) for name in ("generator", "discriminator", "loss", *_RECIPE_FIELDS)}
    values = {k: (dict(v) if isinstance(v, dict) else v) for k, v in values.items()}
    for part in ("generator", "discriminator", "loss"):
        # a recipe's options were written for its own part, not for a replacement
        if overrides.get(part, values[part]) != values[part] and f"{part}_options" not in overrides:
            values[f"{part}_options"] = {}
    values.update(overrides)
    config = TrainConfig(dataset=dataset, recipe=recipe, **values)
    config.betas = tuple(config.betas)
    validate_config(registry, config)
    return config


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(message)


def validate_config(registry: Registry, config: TrainConfig) -> None:
    """Raise ConfigError when a value is out of range or the parts do not fit together."""
    for name in ("steps", "batch_size", "latent_dim", "d_steps", "log_every", "sample_every", "checkpoint_every"):
        value = getattr(config, name)
        _check(isinstance(value, int) and value > 0, f"--{name.replace('_', '-')} must be a positive whole number; got {value!r}.")
    for name in ("lr_g", "lr_d"):
        value = getattr(config, name)
        _check(value > 0 and value < 1, f"--{name.replace('_', '-')} must be between 0 and 1 (exclusive); got {value!r}.")
    _check(len(config.betas) == 2 and all(0 <= b < 1 for b in config.betas), f"--betas must be two numbers in [0, 1); got {config.betas!r}.")
    _check(0 <= config.ema_decay < 1, f"--ema-decay must be in [0, 1) (0 turns EMA off); got {config.ema_decay!r}.")
    _check(config.keep >= 0, f"--keep must be 0 (keep all) or more; got {config.keep!r}.")
    _check(config.eval_every >= 0, f"--eval-every must be 0 (off) or a positive number of steps; got {config.eval_every!r}.")
    _check(config.eval_n >= 2, f"--eval-n must be at least 2; got {config.eval_n!r}.")
    if config.eval_every:
        from ganzoo.evaluate.metrics import parse_metrics

        parse_metrics(config.eval_metrics)
    limit_ok = config.limit == 0 or config.limit >= config.batch_size
    _check(limit_ok, f"--limit must be 0 (all images) or at least --batch-size; got {config.limit!r}.")
    _check(config.seed >= 0, f"--seed must be 0 or more; got {config.seed!r}.")
    _check(config.image_size is None or 8 <= config.image_size <= 1024, f"--image-size must be between 8 and 1024; got {config.image_size!r}.")
    _check(config.precision in PRECISIONS, f"--precision must be one of {', '.join(PRECISIONS)}; got {config.precision!r}.")
    _check(config.on_nan in ON_NAN, f"--on-nan must be one of {', '.join(ON_NAN)}; got {config.on_nan!r}.")

    data = registry.dataset(config.dataset)
    parts = {"generator": registry.generator(config.generator), "discriminator": registry.discriminator(config.discriminator), "loss": registry.loss(config.loss)}
    if config.conditional:
        _check(
            data.num_classes > 0,
            f"This run is conditional (class labels are fed to the networks) but dataset {config.dataset!r} has no labels. "
            "Choose a labelled dataset or an unconditional recipe.",
        )
    for kind, spec in parts.items():
        if spec.conditional is True and not config.conditional:
            raise ConfigError(f"The {kind} {spec.name!r} needs class labels, but this run is unconditional. Use a conditional recipe or add --conditional.")
        if spec.conditional is False and config.conditional and kind != "loss":
            raise ConfigError(f"The {kind} {spec.name!r} cannot use class labels, but this run is conditional. Choose a {kind} that accepts labels (see `ganzoo list {kind}s`).")
    if parts["loss"].regularizer:
        raise ConfigError(f"{config.loss!r} is a regulariser: add it to a loss, e.g. --loss bce+{config.loss}.")
    if config.augment is not None:
        registry.augmentation(config.augment)
    penalty = "double_backward" in parts["loss"].needs
    if penalty and parts["discriminator"].uses_batchnorm:
        warnings.warn(
            f"Loss {config.loss!r} penalises the critic's per-sample gradients, but discriminator {config.discriminator!r} uses BatchNorm, "
            "which mixes samples and makes that penalty invalid (Gulrajani et al. 2017, sec. 4). Training continues; prefer a critic without BatchNorm.",
            GanzooWarning,
            stacklevel=2,
        )


def replace(config: TrainConfig, **changes: Any) -> TrainConfig:
    """A copy of ``config`` with some fields changed."""
    return dataclasses.replace(config, **changes)
