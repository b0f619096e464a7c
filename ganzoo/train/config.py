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
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from ganzoo.errors import ConfigError, GanzooWarning
from ganzoo.loggers.spec import check_installed
from ganzoo.options import ON_NAN, PRECISIONS, add_options, check_option, identity_options, training_options
from ganzoo.protocols import Recipe
from ganzoo.registry import Registry
from ganzoo.train.part_options import TRIO, SETTABLE, batch_multiple, check_part_options, inner_part, keep_accepted, part_spec
from ganzoo.train.part_options import part_options as declared_options

__all__ = ["ON_NAN", "PRECISIONS", "TrainConfig", "image_shape_of", "replace", "resolve_config", "run_identity", "validate_config"]


@dataclass
@add_options()
class TrainConfig:
    """Everything a training run depends on. Parts are registry names, never import paths.

    Besides the fields below, it has one field per training option, declared once with its
    default, help and checks in :class:`ganzoo.options.TrainingOptions`.
    """

    dataset: str  # registry name of the dataset
    generator: str  # registry name of the generator
    discriminator: str  # registry name of the discriminator
    loss: str  # registry name of the loss
    recipe: str | None = None  # the registered recipe the defaults came from, if any
    recipe_file: str | None = None  # the TOML recipe file the defaults came from, if any

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of every field."""
        data = asdict(self)
        data["betas"], data["logger"] = list(self.betas), list(self.logger)
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
        config.betas, config.logger = tuple(config.betas), tuple(config.logger)
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


#: The ``augment`` value that trains without augmentation even where the recipe sets one.
NO_AUGMENTATION = "none"


def resolve_config(
    registry: Registry,
    dataset: str,
    recipe: str | Recipe | None = None,
    *,
    part_options: dict[str, dict] | None = None,
    **overrides: Any,
) -> TrainConfig:
    """Recipe defaults + overrides (``None`` = not given) -> a validated :class:`TrainConfig`.

    ``recipe`` is a registered recipe's name, or a :class:`Recipe` object (a recipe file's, see
    :mod:`ganzoo.train.recipe_file`). ``part_options`` (``{"loss": {"gp_weight": 5}}``, from
    ``--set``) is merged over the options the recipe gives each part. When an override replaces
    a part, the recipe's options for it that the new part accepts are kept, the rest dropped
    with a warning.
    """
    overrides = {k: v for k, v in overrides.items() if v is not None}
    known = {f.name for f in fields(TrainConfig)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ConfigError(f"Unknown configuration keys: {', '.join(unknown)}.")
    if isinstance(recipe, Recipe):
        base = recipe
    elif recipe is not None:
        base = registry.recipe(recipe)
    else:
        missing = [part for part in TRIO if part not in overrides]
        if missing:
            raise ConfigError(
                f"Name a recipe (e.g. `ganzoo train vanilla --data {dataset}`) or all three parts; missing: "
                + ", ".join(f"--{m}" for m in missing)
                + ". See `ganzoo list recipes`."
            )
        base = Recipe(name="custom", generator=overrides["generator"], discriminator=overrides["discriminator"], loss=overrides["loss"])
    # warnings (dropped options) are shown once the configuration is known to be valid: an invalid one
    # gets its error alone, one paragraph
    with warnings.catch_warnings(record=True) as held:
        warnings.simplefilter("always")
        values = {name: getattr(base, name) for name in Recipe.default_fields()}
        if base.by_resolution:  # the recipe's defaults for this image size (the papers' networks at 32, 64 px...)
            size = overrides.get("image_size", values["image_size"])
            values.update(base.defaults_for(image_shape_of(registry.dataset(dataset).image_shape, size)))
        values = {k: (dict(v) if isinstance(v, dict) else v) for k, v in values.items()}
        for part in TRIO:
            # a recipe's options were written for its own part: keep those a replacement accepts
            if overrides.get(part, values[part]) != values[part] and f"{part}_options" not in overrides:
                spec = part_spec(registry, part, overrides[part])
                values[f"{part}_options"] = _replacement_options(registry, part, spec, values, (part_options or {}).get(part, {}), base.name)
        values.update(overrides)
        if values["augment"] == NO_AUGMENTATION:  # `--augment none` turns off the one a recipe sets
            values["augment"], values["augment_options"] = None, {}
        for part, options in (part_options or {}).items():
            if part not in SETTABLE:
                raise ConfigError(f"Part options are for {', '.join(SETTABLE)}; got {part!r}.")
            values[f"{part}_options"] = {**values[f"{part}_options"], **options}
        if registry.dataset(dataset).separate_channels:
            _split_channels(registry, values)
        config = TrainConfig(dataset=dataset, recipe=recipe if isinstance(recipe, str) else None, **values)
        if isinstance(config.betas, list):
            config.betas = tuple(config.betas)
        if isinstance(config.logger, list):
            config.logger = tuple(config.logger)
        validate_config(registry, config)
    for warning in held:
        warnings.warn(warning.message, warning.category, stacklevel=2)
    return config


def _split_channels(registry: Registry, values: dict[str, Any]) -> None:
    """On data whose channels are independent images of their own: ``split_channels=True`` for the generator and
    the discriminator when both have the option (a generator that draws channels apart needs a discriminator that
    judges them apart), ``split_latent=True`` where the generator has that option too (each channel from its
    own slice of z), and then ``joint_score=False`` where the discriminator has it (each channel judged alone,
    the scores summed), where the options (the recipe's, the user's ``--set``) do not say otherwise."""
    parts = ("generator", "discriminator")
    declared = {part: declared_options(part_spec(registry, part, values[part]))[0] for part in parts}
    if all("split_channels" in options for options in declared.values()):
        for part in parts:
            values[f"{part}_options"] = {"split_channels": True, **values[f"{part}_options"]}
        generator, discriminator = values["generator_options"], values["discriminator_options"]
        if "split_latent" in declared["generator"] and generator["split_channels"]:
            values["generator_options"] = generator = {"split_latent": True, **generator}
        if "joint_score" in declared["discriminator"] and discriminator["split_channels"] and generator.get("split_latent"):
            values["discriminator_options"] = {"joint_score": False, **discriminator}


def image_shape_of(dataset_shape: tuple[int, int, int], image_size: int | None) -> tuple[int, int, int]:
    """The (C, H, W) a run's networks are built for: the dataset's channels at ``image_size`` (square), else its own shape."""
    channels, height, width = dataset_shape
    return (channels, image_size, image_size) if image_size else (channels, height, width)


def _replacement_options(registry: Registry, part: str, spec, values: dict[str, Any], sets: dict[str, Any], recipe: str) -> dict[str, Any]:
    """The options a part that replaces the recipe's own starts from.

    Those of the recipe's part that the replacement accepts; a wrapper (``pacgan``) wraps the
    recipe's part unless ``--set PART.inner=`` names another, and passes it the recipe's options.
    """
    source = f"recipe {recipe!r}"
    if spec.wraps != part:
        return keep_accepted(part, spec, values[f"{part}_options"], source)
    inner = sets.get("inner", values[part])
    kept = values[f"{part}_options"] if inner == values[part] else keep_accepted(part, part_spec(registry, part, inner), values[f"{part}_options"], source)
    return {"inner": values[part], **kept}


def validate_config(registry: Registry, config: TrainConfig) -> None:
    """Raise ConfigError when a value is out of range or the parts do not fit together."""
    for option in training_options():
        check_option(option.name, getattr(config, option.name))
    if config.eval_every:
        from ganzoo.evaluate.metrics import parse_metrics

        parse_metrics(config.eval_metrics)
    for name in config.logger:  # an unknown logger or a tracker that is not installed: refused before anything runs
        check_installed(registry.logger(name))
    if config.limit and config.limit < config.batch_size:
        raise ConfigError(f"--limit must be 0 (all images) or at least --batch-size ({config.batch_size}); got {config.limit!r}.")

    data = registry.dataset(config.dataset)
    parts = {part: part_spec(registry, part, getattr(config, part)) for part in TRIO}
    for kind, spec in parts.items():
        check_part_options(kind, spec, getattr(config, f"{kind}_options"), registry)
    _check_batch(parts, config)
    checked = [(kind, spec, "") for kind, spec in parts.items()]
    for kind, spec in parts.items():  # a wrapper's inner part must fit the run as well
        inner = inner_part(registry, spec, getattr(config, f"{kind}_options"))
        if inner is not None:
            checked.append((kind, inner[0], f" (inside {spec.name!r})"))
    image_shape = image_shape_of(data.image_shape, config.image_size)
    for kind, spec, where in checked:  # the sizes and channels each network declares it builds
        refusal = spec.supports(image_shape) if spec.supports is not None else None
        if refusal:
            c, h, w = image_shape
            raise ConfigError(f"The {kind} {spec.name!r}{where} cannot be built for {c}x{h}x{w} images: {refusal}.")
    if config.conditional:
        _check(
            data.num_classes > 0,
            f"This run is conditional (class labels are fed to the networks) but dataset {config.dataset!r} has no labels. "
            "Choose a labelled dataset or an unconditional recipe.",
        )
        _check(
            data.num_classes != 1,
            f"This run is conditional but dataset {config.dataset!r} has one class only (e.g. a folder with one sub-folder): "
            "a conditional run needs two classes or more. Add a sub-folder per class, or choose an unconditional recipe.",
        )
    for kind, spec, where in checked:
        if spec.conditional is True and not config.conditional:
            raise ConfigError(f"The {kind} {spec.name!r}{where} needs class labels, but this run is unconditional. Use a conditional recipe or add --conditional.")
        if spec.conditional is False and config.conditional and kind != "loss":
            raise ConfigError(f"The {kind} {spec.name!r}{where} cannot use class labels, but this run is conditional. Choose a {kind} that accepts labels (see `ganzoo list {kind}s`).")
    if parts["loss"].regularizer:
        raise ConfigError(f"{config.loss!r} is a regulariser: add it to a loss, e.g. --loss bce+{config.loss}.")
    if config.augment is not None:
        check_part_options("augment", part_spec(registry, "augment", config.augment), config.augment_options)
    elif config.augment_options:
        listed = ", ".join(f"{k}={v!r}" for k, v in config.augment_options.items())
        raise ConfigError(f"Augmentation options ({listed}) were given, but this run has no augmentation: add --augment NAME (see `ganzoo list augmentations`).")
    penalty = "double_backward" in parts["loss"].needs
    if penalty and any(spec.uses_batchnorm for kind, spec, _ in checked if kind == "discriminator"):
        warnings.warn(
            f"Loss {config.loss!r} penalises the critic's per-sample gradients, but discriminator {config.discriminator!r} uses BatchNorm, "
            "which mixes samples and makes that penalty invalid (Gulrajani et al. 2017, sec. 4). Training continues; prefer a critic without BatchNorm.",
            GanzooWarning,
            stacklevel=2,
        )


def _check_batch(parts: dict, config: TrainConfig) -> None:
    """Refuse a batch size that a part cannot split (``PartSpec.batch_multiple``, e.g. a packing discriminator's pack)."""
    for kind, spec in parts.items():
        options = getattr(config, f"{kind}_options")
        multiple = batch_multiple(spec, options)
        if multiple > 1 and config.batch_size % multiple:
            above = -(-config.batch_size // multiple) * multiple
            raise ConfigError(
                f"The {kind} {spec.name!r} needs batches of a multiple of {multiple} images (its options: "
                f"{', '.join(f'{k}={v!r}' for k, v in options.items()) or 'defaults'}); --batch-size is {config.batch_size}. "
                f"Choose a multiple of {multiple}, e.g. --batch-size {above}."
            )


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(message)


def run_identity(config: TrainConfig) -> dict[str, Any]:
    """What defines a run, as JSON values: its recipe, parts, dataset and every option that may not change on resume."""
    data = json.loads(json.dumps(config.to_dict()))  # tuples nested in part options become lists, as when read back
    return {key: data[key] for key in ("recipe", "dataset", *TRIO, *identity_options())}


def replace(config: TrainConfig, **changes: Any) -> TrainConfig:
    """A copy of ``config`` with some fields changed."""
    return dataclasses.replace(config, **changes)
