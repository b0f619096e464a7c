"""Running the kit: every checkable entry of a registry, one entry's checks, and the pytest assertion."""

from __future__ import annotations

import dataclasses
import functools
from typing import Callable

from ganzoo.discovery import get_registry
from ganzoo.registry import Registry, normalize_kind
from ganzoo.testing.common import CheckResult, ConformanceError
from ganzoo.testing.loggers import check_logger
from ganzoo.testing.losses import check_augmentation, check_loss
from ganzoo.testing.networks import check_discriminator, check_generator
from ganzoo.testing.pretrained import check_pretrained
from ganzoo.testing.recipes import check_recipe


CHECKERS: dict[str, Callable[..., list[CheckResult]]] = {
    "generator": check_generator,
    "discriminator": check_discriminator,
    "loss": check_loss,
    "augmentation": check_augmentation,
    "recipe": check_recipe,
    "pretrained": check_pretrained,
    "logger": check_logger,
}


def conformance_cases(distribution: str | None = None, registry: Registry | None = None) -> list[tuple[str, str]]:
    """``(kind, name)`` of every checkable entry, optionally only those of one distribution or plugin.

    ``name`` is the entry's short name, or its qualified ``DIST:NAME`` when another distribution's
    entry holds the short name (so the kit checks this entry, not the one the short name means).
    """
    registry = registry or get_registry()
    cases = []
    for kind in CHECKERS:
        for entry in registry.entries(kind):
            if distribution is None or distribution in (entry.plugin, entry.distribution):
                cases.append((kind, registry.shortest_name(entry)))
    return cases


def with_options(registry: Registry, kind: str, name: str, options: dict) -> Registry:
    """A copy of ``registry`` in which the part ``kind``/``name`` is built with ``options`` (keyword
    arguments of its factory, as ``--set`` gives them) instead of its defaults; ConfigError (exit 2)
    when the part does not take one of them or refuses its value."""
    from ganzoo.train.part_options import check_part_options

    kind = normalize_kind(kind)
    scratch = registry.copy()
    entry = scratch.entry(kind, name)
    check_part_options(kind, entry.value, options, scratch)
    bound = dataclasses.replace(entry.value, factory=functools.partial(entry.value.factory, **options))
    scratch.add(kind, bound, plugin=entry.plugin, distribution=entry.distribution, version=entry.version, override=True)  # in place
    return scratch


def run_checks(kind: str, name: str, registry: Registry | None = None, options: dict | None = None) -> list[CheckResult]:
    """Every check of one entry; with ``options``, of the part built with those options (see :func:`with_options`)."""
    kind = normalize_kind(kind)
    if options:
        registry = with_options(registry or get_registry(), kind, name, options)
    return CHECKERS[kind](name, registry)


def assert_conforms(kind: str, name: str, registry: Registry | None = None) -> None:
    """Raise :class:`ConformanceError` listing every failed check of one entry."""
    failed = [r for r in run_checks(kind, name, registry) if not r.ok]
    if failed:
        raise ConformanceError(f"{kind} {name!r} fails: " + "; ".join(f"{r.check}: {r.detail}" for r in failed))
