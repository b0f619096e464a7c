"""The registry as data: what is installed (:func:`list_entries`, :func:`catalogue_rows`) and what a part takes (:func:`list_options`)."""

from __future__ import annotations

import dataclasses
from typing import Any

from ganzoo.catalogue import listing_registry
from ganzoo.discovery import get_registry
from ganzoo.errors import ConfigError
from ganzoo.loggers.spec import missing_modules
from ganzoo.protocols import Recipe
from ganzoo.registry import KINDS, Registry, normalize_kind
from ganzoo.train.part_options import SETTABLE, part_options, part_spec, registry_kind


def _metadata(value: Any) -> dict[str, Any]:
    """An entry's fields that are data (no factories or loaders)."""
    return {f.name: getattr(value, f.name) for f in dataclasses.fields(value) if not callable(getattr(value, f.name))}


def list_entries(kind: str | None = None, pattern: str | None = None, *, registry: Registry | None = None) -> list[dict[str, Any]]:
    """Registered entries as dicts: ``kind``, ``name``, ``plugin`` and the entry's metadata.

    ``kind`` is one of generators, discriminators, losses, augmentations, recipes, datasets,
    pretrained (singular works too; ``None`` for all); ``pattern`` an fnmatch pattern on the
    names, e.g. ``"*gan*"``. A recipe's row holds its parts and defaults.
    """
    registry = registry or get_registry()
    kinds = [normalize_kind(kind)] if kind is not None else list(KINDS)
    return [
        {"kind": k, "name": entry.name, "plugin": entry.plugin, **_metadata(entry.value)}
        for k in kinds
        for entry in registry.entries(k, pattern)
    ]


def list_options(name: str, kind: str | None = None, *, registry: Registry | None = None) -> list[dict[str, Any]]:
    """The options of the part(s) called ``name`` (or of recipe ``name``'s three parts), as ``ganzoo list --options``.

    Each row: ``part`` (generator, discriminator, loss or augment), ``name``, ``option``,
    ``type``, ``default`` (``None`` with ``required=True`` when it has none) and, for a
    recipe, ``recipe_value`` where the recipe sets it. A combined loss ``LOSS+REGULARISER``
    lists the options of each of its terms.
    """
    registry = registry or get_registry()
    kinds = [normalize_kind(kind)] if kind is not None else list(KINDS)
    if "recipe" in kinds and name in registry.names("recipe"):
        recipe = registry.recipe(name)
        parts = [(part, getattr(recipe, part), getattr(recipe, f"{part}_options")) for part in ("generator", "discriminator", "loss")]
    else:
        parts = []
        for part in SETTABLE:
            if registry_kind(part) not in kinds:
                continue
            try:
                part_spec(registry, part, name)
            except ConfigError:
                continue
            parts.append((part, name, {}))
    if not parts:
        searched = sorted({n for k in kinds if k in ("generator", "discriminator", "loss", "augmentation", "recipe") for n in registry.names(k)})
        import difflib

        close = difflib.get_close_matches(name, searched, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise ConfigError(f"No part or recipe is called {name!r}.{hint} See `ganzoo list`.")
    rows = []
    for part, part_name, values in parts:
        for option in part_options(part_spec(registry, part, part_name))[0].values():
            row = {"part": part, "name": part_name, "option": option.name, "type": option.annotation,
                   "default": None if option.required else option.default, "required": option.required}  # fmt: skip
            if option.name in values:
                row["recipe_value"] = values[option.name]
            rows.append(row)
    return rows


def resolution_table(recipe: Any) -> list[dict[str, Any]]:
    """A recipe's defaults by image side (its ``by_resolution``), one row per group of sides that share them.

    Each row: ``sides`` (sorted ints) and every field the table sets there (``generator``,
    ``batch_size``, ``betas``..., and ``reference``), as ``ganzoo list recipes`` and the docs show them.
    """
    groups: dict[str, dict[str, Any]] = {}
    for side, row in sorted(recipe.by_resolution.items(), key=lambda item: int(item[0])):
        key = repr(sorted((k, repr(v)) for k, v in row.items()))
        groups.setdefault(key, {"sides": [], **row})["sides"].append(int(side))
    return list(groups.values())


def describe_resolution_row(recipe: Any, row: dict[str, Any]) -> str:
    """One row of :func:`resolution_table` as a line: ``32, 64 px: dcgan x dcgan x bce, batch 128, Adam 2e-4/2e-4 (0.5, 0.999), 1 D step``."""
    value = lambda name: row.get(name, getattr(recipe, name))  # noqa: E731 - a field the row leaves alone keeps the recipe's value
    betas = ", ".join(f"{b:g}" for b in value("betas"))
    steps = value("d_steps")
    return (
        f"{', '.join(map(str, row['sides']))} px: {value('generator')} x {value('discriminator')} x {value('loss')}, "
        f"batch {value('batch_size')}, Adam {value('lr_g'):g}/{value('lr_d'):g} ({betas}), {steps} D step{'s' if steps != 1 else ''}"
        + _row_part_options(row)
        + (f", {row['augment']}" if row.get("augment") else "")
    )


def _row_part_options(row: dict[str, Any]) -> str:
    """The part options a table row sets, ``", width 32"`` (both networks alike) or ``", G width 32, D width 16"``."""
    generator, discriminator = row.get("generator_options") or {}, row.get("discriminator_options") or {}
    listed = lambda options: ", ".join(f"{k} {v}" for k, v in options.items())  # noqa: E731
    if generator == discriminator:
        return f", {listed(generator)}" if generator else ""
    return "".join(f", {who} {listed(options)}" for who, options in (("G", generator), ("D", discriminator)) if options)


def describe_preset(recipe: Any) -> str:
    """A preset's setting as one line: ``32 px: sngan-resnet x sngan-resnet x hinge, batch 64, Adam ..., 5 D steps, 100,000 steps``."""
    schedule = f", {recipe.lr_schedule} learning-rate decay" if recipe.lr_schedule != "constant" else ""
    return f"{describe_resolution_row(recipe, {'sides': [recipe.image_size]})}{schedule}, {recipe.steps:,} steps"


def listing_kinds(kind: str | None, pattern: str | None) -> tuple[list[str], str | None]:
    """The kinds ``ganzoo list KIND PATTERN`` shows and the pattern it filters by: a first word that is no
    kind is the pattern over every kind (``ganzoo list '*gan*'``)."""
    if kind is None:
        return list(KINDS), pattern
    try:
        return [normalize_kind(kind)], pattern
    except ConfigError:
        if pattern is not None:
            raise
        return list(KINDS), kind


def describe(entry: Any) -> str:
    """One line (a recipe: one per row of its resolution table too) on what a registry entry is."""
    value = entry.value
    if isinstance(value, Recipe):
        by_size = "".join(f"\n{describe_resolution_row(value, row)}" for row in resolution_table(value))
        card = f"\n{describe_preset(value)}\n{value.paper.describe()}" if value.paper else ""
        return f"{value.generator} x {value.discriminator} x {value.loss}" + (" (conditional)" if value.conditional else "") + by_size + card
    if entry.kind == "dataset":
        if value.parametrize is not None:
            return f"use as {value.name}:ARGUMENT"
        c, h, w = value.image_shape
        return f"{c}x{h}x{w}, {value.num_classes or 'no'} classes"
    if getattr(value, "regularizer", False):
        return f"regulariser: use as LOSS+{value.name}"
    if entry.kind == "augmentation":
        return "real and fake images, before D"
    if entry.kind == "logger":
        return f"not installed: {value.install}" if missing_modules(value) else "installed"
    if entry.kind == "pretrained":
        return f"{value.recipe or 'custom'} on {value.dataset}" + ("" if value.sha256 else " (no sha256)")
    if entry.kind == "health":
        return f"{value.role}: {', '.join(value.keys)}" if value.keys else value.role
    conditional = getattr(value, "conditional", False)
    return {True: "conditional", None: "conditional or not", False: "unconditional"}[conditional]


def catalogue_rows(kinds: list[str], pattern: str | None = None) -> list[dict[str, str]]:
    """What ``ganzoo list`` shows, one dict per entry (kind, name, details, description, plugin), read from the
    listing cache (:mod:`ganzoo.catalogue`) when it is current, so that listing does not import torch. ``name``
    is ``DIST:NAME`` where another distribution's entry holds the short name."""
    registry = listing_registry()
    return [
        {"kind": k, "name": registry.shortest_name(entry), "details": describe(entry), "description": getattr(entry.value, "description", ""), "plugin": entry.plugin}
        for k in kinds
        for entry in registry.entries(k, pattern)
    ]
