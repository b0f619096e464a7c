"""Typed lookup of everything plugins registered: generators, discriminators, losses, augmentations, recipes,
datasets, loggers and pretrained generators.

Names are lowercase words joined by ``-``, ``_`` or ``.``. Looking up an unknown name raises a
:class:`~ganzoo.errors.ConfigError` that lists the closest matches; registering a name twice
raises a :class:`~ganzoo.errors.PluginError` unless the second registration passes
``override=True``. A loss name ``LOSS+REGULARIZER`` (e.g. ``bce+r1``) resolves to the sum of
the registered parts (see :mod:`ganzoo.combined_loss`).
"""

from __future__ import annotations

import difflib
import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from ganzoo.base.specs import DatasetSpec, LoggerSpec, PretrainedSpec
from ganzoo.combined_loss import SEPARATOR, combined_spec
from ganzoo.errors import ConfigError, PluginError
from ganzoo.protocols import NEEDS, PartSpec, Recipe

#: Kinds of entries, singular -> plural (the plural is what ``ganzoo list`` accepts too).
KINDS: dict[str, str] = {
    "generator": "generators",
    "discriminator": "discriminators",
    "loss": "losses",
    "augmentation": "augmentations",
    "recipe": "recipes",
    "dataset": "datasets",
    "logger": "loggers",
    "pretrained": "pretrained",
}
_PARTS = ("generator", "discriminator", "loss", "augmentation")
_EXPECTED_TYPES = {**{part: PartSpec for part in _PARTS}, "recipe": Recipe, "dataset": DatasetSpec, "logger": LoggerSpec, "pretrained": PretrainedSpec}
_NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def normalize_kind(kind: str) -> str:
    """Accept a kind in singular or plural form and return the singular; raise on anything else."""
    lowered = kind.strip().lower()
    for singular, plural in KINDS.items():
        if lowered in (singular, plural):
            return singular
    raise ConfigError(f"Unknown kind {kind!r}; choose one of: {', '.join(KINDS.values())}.")


def natural_key(text: str) -> list:
    """Sort key that orders embedded numbers numerically (``gan2`` before ``gan10``)."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


@dataclass(frozen=True)
class Entry:
    """One registered object and the plugin that registered it."""

    kind: str
    name: str
    value: Any
    plugin: str


class Registry:
    """All registered parts, by kind and name."""

    def __init__(self) -> None:
        self._entries: dict[str, dict[str, Entry]] = {kind: {} for kind in KINDS}
        self.plugins: list = []  # PluginInfo records, filled by ganzoo.discovery

    def copy(self) -> "Registry":
        """A registry with the same entries and plugins, whose later additions leave this one alone."""
        other = Registry()
        other._entries = {kind: dict(table) for kind, table in self._entries.items()}
        other.plugins = list(self.plugins)
        return other

    # -- adding ---------------------------------------------------------------------------
    def add(self, kind: str, value: Any, *, plugin: str = "(direct)", override: bool = False) -> Entry:
        """Register ``value`` (a PartSpec, Recipe, DatasetSpec or PretrainedSpec) under its ``name``."""
        kind = normalize_kind(kind)
        entry = self._validated(kind, value, plugin, override)
        self._entries[kind][entry.name] = entry
        return entry

    def _validated(self, kind: str, value: Any, plugin: str, override: bool) -> Entry:
        expected = _EXPECTED_TYPES[kind]
        if not isinstance(value, expected):
            raise PluginError(f"Plugin {plugin!r} registered a {kind} that is a {type(value).__name__}, not a {expected.__name__}.")
        name = value.name
        if not isinstance(name, str) or not _NAME_PATTERN.match(name):
            raise PluginError(f"Plugin {plugin!r} registered a {kind} named {name!r}; names are lowercase letters, digits, '-', '_' and '.', starting with a letter or digit.")
        if kind in (*_PARTS, "logger") and not callable(value.factory):
            raise PluginError(f"Plugin {plugin!r} registered {kind} {name!r} whose factory is not callable.")
        if kind in _PARTS:
            unknown = [need for need in value.needs if need not in NEEDS]
            if isinstance(value.needs, str) or unknown:
                raise PluginError(
                    f"Plugin {plugin!r} registered {kind} {name!r} with needs={value.needs!r}; "
                    f"needs is a tuple of: {', '.join(NEEDS)}."
                )
            for hook in ("batch_multiple", "check_options"):
                if getattr(value, hook) is not None and not callable(getattr(value, hook)):
                    raise PluginError(f"Plugin {plugin!r} registered {kind} {name!r} whose {hook} is not callable.")
            if value.wraps is not None and value.wraps not in _PARTS:
                raise PluginError(f"Plugin {plugin!r} registered {kind} {name!r} with wraps={value.wraps!r}; it wraps one of: {', '.join(_PARTS)}.")
        existing = self._entries[kind].get(name)
        if existing is not None and not override:
            raise PluginError(
                f"Plugin {plugin!r} registered {kind} {name!r}, which plugin {existing.plugin!r} already registered. "
                f"Choose another name, or pass override=True to replace it deliberately."
            )
        return Entry(kind, name, value, plugin)

    # -- looking up -----------------------------------------------------------------------
    def entry(self, kind: str, name: str) -> Entry:
        """The entry of ``kind`` called ``name``; a ConfigError with suggestions when unknown."""
        kind = normalize_kind(kind)
        table = self._entries[kind]
        if name in table:
            return table[name]
        if kind == "loss" and SEPARATOR in name:
            parts = [self.entry("loss", part) for part in name.split(SEPARATOR)]
            plugins = "+".join(dict.fromkeys(part.plugin for part in parts))
            return Entry(kind, name, combined_spec(name, [part.value for part in parts]), plugins)
        known = self.names(kind)
        lowered = {n.lower(): n for n in known}  # names are lowercase: `--data MNIST` means 'mnist'
        close = [lowered[c] for c in difflib.get_close_matches(str(name).lower(), list(lowered), n=3, cutoff=0.5)]
        hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        listing = ", ".join(known) if known else "none (is a plugin failing to load? see `ganzoo plugins`)"
        raise ConfigError(f"Unknown {kind} {name!r}.{hint} Known {KINDS[kind]}: {listing}.")

    def get(self, kind: str, name: str) -> Any:
        """The registered object of ``kind`` called ``name``."""
        return self.entry(kind, name).value

    def names(self, kind: str, pattern: str | None = None, exclude: tuple[str, ...] = ()) -> list[str]:
        """Registered names of ``kind`` matching an fnmatch ``pattern``, naturally sorted."""
        kind = normalize_kind(kind)
        names = [
            n
            for n in self._entries[kind]
            if (pattern is None or fnmatch.fnmatchcase(n, pattern)) and not any(fnmatch.fnmatchcase(n, x) for x in exclude)
        ]
        return sorted(names, key=natural_key)

    def entries(self, kind: str, pattern: str | None = None) -> list[Entry]:
        """Entries of ``kind`` whose name matches ``pattern``, naturally sorted by name."""
        kind = normalize_kind(kind)
        return [self._entries[kind][n] for n in self.names(kind, pattern)]

    def build_part(self, kind: str, name: str, /, **arguments: Any) -> Any:
        """Build the registered generator, discriminator, loss or augmentation ``name``: ``factory(**arguments)``.

        ``arguments`` are what the kind's factory takes (``image_shape=`` and ``num_classes=``
        for a discriminator...) plus the part's options. An unknown name is a ConfigError with
        suggestions; a factory that rejects its arguments (``TypeError``/``ValueError``) a
        PluginError naming the part. A wrapper part (``pacgan``) builds its inner part with it.
        """
        kind = normalize_kind(kind)
        if kind not in _PARTS:
            raise ConfigError(f"build_part builds a {', '.join(_PARTS)}; got {kind!r}.")
        spec = self.get(kind, name)
        try:
            return spec.factory(**arguments)
        except (TypeError, ValueError) as error:
            raise PluginError(f"Could not build {kind} {spec.name!r} with {arguments}: {error}") from error

    def generator(self, name: str) -> PartSpec:
        return self.get("generator", name)

    def discriminator(self, name: str) -> PartSpec:
        return self.get("discriminator", name)

    def loss(self, name: str) -> PartSpec:
        return self.get("loss", name)

    def augmentation(self, name: str) -> PartSpec:
        return self.get("augmentation", name)

    def recipe(self, name: str) -> Recipe:
        return self.get("recipe", name)

    def pretrained(self, name: str) -> PretrainedSpec:
        return self.get("pretrained", name)

    def logger(self, name: str) -> LoggerSpec:
        return self.get("logger", name)

    def dataset(self, name: str) -> DatasetSpec:
        """A dataset by name; ``NAME:ARGUMENT`` asks the parametrised dataset ``NAME`` for a spec."""
        if ":" in name and name not in self._entries["dataset"]:
            family, _, argument = name.partition(":")
            spec = self.get("dataset", family)
            if spec.parametrize is None:
                raise ConfigError(f"Dataset {family!r} takes no argument; use it as {family!r}, not {name!r}.")
            return spec.parametrize(argument)
        spec = self.get("dataset", name)
        if spec.parametrize is not None:
            raise ConfigError(f"Dataset {name!r} needs an argument: use it as '{name}:ARGUMENT' ({spec.description}).")
        return spec


@dataclass
class PluginRegistrar:
    """What a plugin's ``ganzoo_register`` hook receives.

    Additions are staged and validated immediately, then committed to the registry together
    when the hook returns, so a plugin that fails halfway registers nothing. ``registry`` is
    the registry being built: a wrapper part keeps it to build its inner part later with
    :meth:`Registry.build_part`.
    """

    registry: Registry
    plugin: str
    staged: list[tuple[str, Any, bool]] = field(default_factory=list)

    def _stage(self, kind: str, value: Any, override: bool) -> None:
        if not override and any(k == kind and v.name == getattr(value, "name", None) for k, v, _ in self.staged):
            raise PluginError(f"Plugin {self.plugin!r} registered {kind} {value.name!r} twice.")
        self.registry._validated(kind, value, self.plugin, override)  # fail early, at the plugin's own line
        self.staged.append((kind, value, override))

    def add_generator(self, name: str, factory: Callable[..., Any], *, override: bool = False, **meta: Any) -> None:
        """Register a generator factory ``factory(latent_dim=, image_shape=, num_classes=, **options)``.

        ``meta`` fills :class:`~ganzoo.protocols.PartSpec` (description, conditional,
        uses_batchnorm, reference, needs, batch_multiple, check_options, wraps).
        """
        self._stage("generator", PartSpec(name, factory, **meta), override)

    def add_discriminator(self, name: str, factory: Callable[..., Any], *, override: bool = False, **meta: Any) -> None:
        """Register a discriminator factory ``factory(image_shape=, num_classes=, **options)``."""
        self._stage("discriminator", PartSpec(name, factory, **meta), override)

    def add_loss(self, name: str, factory: Callable[..., Any], *, override: bool = False, **meta: Any) -> None:
        """Register a loss factory ``factory(**options)`` returning a :class:`~ganzoo.protocols.Loss`.

        ``needs=("double_backward",)`` declares a loss that backpropagates through D's input
        gradient (the trainer then never compiles D); ``regularizer=True`` a term that is added
        to another loss by name (``bce+NAME``) instead of being trained alone.
        """
        meta.setdefault("conditional", None)
        self._stage("loss", PartSpec(name, factory, **meta), override)

    def add_augmentation(self, name: str, factory: Callable[..., Any], *, override: bool = False, **meta: Any) -> None:
        """Register an augmentation factory ``factory(**options)``.

        It returns a :class:`~ganzoo.protocols.Augmentation`; ``meta`` as for the other parts.
        """
        meta.setdefault("conditional", None)
        self._stage("augmentation", PartSpec(name, factory, **meta), override)

    def add_recipe(self, recipe: Recipe, *, override: bool = False) -> None:
        """Register a :class:`~ganzoo.protocols.Recipe`."""
        self._stage("recipe", recipe, override)

    def add_dataset(self, dataset: DatasetSpec, *, override: bool = False) -> None:
        """Register a :class:`~ganzoo.data.DatasetSpec`."""
        self._stage("dataset", dataset, override)

    def add_logger(self, name: str, factory: Callable[[], Any], *, override: bool = False, **meta: Any) -> None:
        """Register a logger factory ``factory()`` returning a :class:`~ganzoo.loggers.Logger` (an experiment tracker).

        ``meta`` fills :class:`~ganzoo.loggers.LoggerSpec`: ``requires`` (the modules it imports,
        checked before a run starts), ``install`` (the command that installs them), description, reference.
        """
        self._stage("logger", LoggerSpec(name, factory, **meta), override)

    def add_pretrained(self, pretrained: PretrainedSpec, *, override: bool = False) -> None:
        """Register a pretrained generator (:class:`~ganzoo.pretrained.PretrainedSpec`: a name and its pack folder).

        :func:`ganzoo.pretrained.packs_in` makes one spec per pack of a folder.
        """
        self._stage("pretrained", pretrained, override)

    def commit(self) -> dict[str, list[str]]:
        """Add everything staged to the registry; return the names added, by kind."""
        added: dict[str, list[str]] = {}
        for kind, value, override in self.staged:
            self.registry.add(kind, value, plugin=self.plugin, override=override)
            added.setdefault(kind, []).append(value.name)
        self.staged.clear()
        return added
