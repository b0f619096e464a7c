"""Typed lookup of everything plugins registered: generators, discriminators, losses, augmentations, recipes,
datasets, loggers and pretrained generators.

Names are lowercase words joined by ``-``, ``_`` or ``.``. Every entry also has a qualified
name ``DIST:NAME`` (the distribution that registered it, as pip names it), which always resolves.
Two distributions may register the same short name: both entries are kept, and the short name
resolves by precedence: an entry that declared ``replaces="DIST:NAME"`` over the one it replaces,
then the built-ins (distribution ``ganzoo``), then by distribution name. Looking up an ambiguous
short name warns once (:class:`~ganzoo.errors.GanzooWarning`) with the candidates' qualified names;
looking up an unknown name raises a :class:`~ganzoo.errors.ConfigError` that lists the closest
matches. A loss name ``LOSS+REGULARIZER`` (e.g. ``bce+r1``, ``ganzoo:bce+other-dist:r1``) resolves
to the sum of the registered parts (see :mod:`ganzoo.combined_loss`).

Plugins register through a :class:`PluginRegistrar`, their own staging area; its
:meth:`~PluginRegistrar.commit` merges what it staged, and a clash costs only the clashing name
(recorded in :attr:`PluginRegistrar.clashes`), never the plugin's other entries. Registrars and
the factories they register look other entries up through a read-only :class:`RegistryView`.
"""

from __future__ import annotations

import difflib
import fnmatch
import re
import warnings
from dataclasses import dataclass
from typing import Any

from ganzoo.base.specs import DatasetSpec, HealthSpec, LoggerSpec, PretrainedSpec
from ganzoo.combined_loss import SEPARATOR, combined_spec
from ganzoo.errors import ConfigError, GanzooWarning, PluginError
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
    "health": "health",
}
#: The kinds built from a factory with options (the run's three parts and its augmentation).
PART_KINDS = ("generator", "discriminator", "loss", "augmentation")
_EXPECTED_TYPES = {**{part: PartSpec for part in PART_KINDS}, "recipe": Recipe, "dataset": DatasetSpec, "logger": LoggerSpec, "pretrained": PretrainedSpec, "health": HealthSpec}
_NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
#: The distribution of the built-ins: first in the precedence of short names.
CORE_DISTRIBUTION = "ganzoo"
#: The distribution recorded for entries added to a registry directly (not through an installed package).
DIRECT = "(direct)"


def split_qualified(name: str) -> tuple[str | None, str]:
    """``"dist:name"`` -> ``("dist", "name")``; a name without ``:`` -> ``(None, name)``."""
    if ":" in name:
        distribution, _, short = name.partition(":")
        return distribution, short
    return None, name


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
    """One registered object, the plugin that registered it and the distribution (and version) behind that plugin."""

    kind: str
    name: str
    value: Any
    plugin: str
    distribution: str = DIRECT
    version: str = ""
    replaces: str | None = None  # the qualified name of the entry this one deliberately replaces

    @property
    def qualified(self) -> str:
        """``DIST:NAME``: the name that resolves to this entry whatever else is installed."""
        return f"{self.distribution}:{self.name}"

    def provenance(self) -> dict[str, Any]:
        """What a run records about the part: name, qualified name, plugin, distribution and version."""
        return {"name": self.name, "qualified": self.qualified, "plugin": self.plugin, "distribution": self.distribution, "version": self.version}


def _precedence(entry: Entry) -> tuple[bool, str]:
    return entry.distribution != CORE_DISTRIBUTION, entry.distribution


class Registry:
    """All registered parts, by kind and qualified name (``DIST:NAME``)."""

    def __init__(self) -> None:
        self._entries: dict[str, dict[str, Entry]] = {kind: {} for kind in KINDS}  # kind -> qualified name -> entry
        self.plugins: list = []  # PluginInfo records, filled by ganzoo.discovery
        self.replacements: list[tuple[str, str, str]] = []  # (kind, the replacing entry's qualified name, the replaced one's)
        self._warned: set[tuple[str, str]] = set()  # ambiguous short names already warned about

    def copy(self) -> "Registry":
        """A registry with the same entries and plugins, whose later additions leave this one alone."""
        other = Registry()
        other._entries = {kind: dict(table) for kind, table in self._entries.items()}
        other.plugins = list(self.plugins)
        other.replacements = list(self.replacements)
        other._warned = self._warned  # one warning per ambiguous name, whichever copy looks it up
        return other

    def view(self) -> "RegistryView":
        """A read-only view of this registry (lookups see later additions; it cannot add)."""
        return RegistryView(self)

    # -- adding ---------------------------------------------------------------------------
    def add(
        self,
        kind: str,
        value: Any,
        *,
        plugin: str = DIRECT,
        distribution: str = DIRECT,
        version: str = "",
        replaces: str | None = None,
        override: bool = False,
    ) -> Entry:
        """Register ``value`` (a PartSpec, Recipe, DatasetSpec or PretrainedSpec) under ``DIST:NAME``.

        A short name another distribution registered too is kept beside it (see the module's
        precedence); the same qualified name twice is a PluginError. ``replaces="DIST:NAME"``
        makes this entry the one its short name resolves to, instead of the named entry (which
        stays reachable by its qualified name); the replacement is recorded in
        :attr:`replacements`. ``override=True`` replaces the entry of the same plugin and
        name in place (the conformance kit binds options so), else the entry the short name
        resolves to now, as a recorded replacement.
        """
        kind = normalize_kind(kind)
        self.validate(kind, value, plugin)
        table = self._entries[kind]
        if override and replaces is None:
            same = [e for e in self._candidates(kind, value.name, active_only=False) if e.plugin == plugin]
            if same and distribution == DIRECT:  # no distribution given: the plugin's own entry of that name
                distribution, version = same[0].distribution, same[0].version
            if (existing := table.get(f"{distribution}:{value.name}")) is not None:
                replaces = existing.replaces  # in place
            elif (current := self._short(kind, value.name)) is not None:
                replaces = current.qualified
        entry = Entry(kind, value.name, value, plugin, distribution, version, replaces)
        existing = table.get(entry.qualified)
        if existing is not None and not override:
            raise PluginError(
                f"Plugin {plugin!r} registered {kind} {entry.name!r}, which plugin {existing.plugin!r} of the same "
                f"distribution {distribution!r} already registered as {entry.qualified!r}. Choose another name."
            )
        if replaces is not None:
            target_dist, target_name = split_qualified(replaces)
            target = table.get(replaces)
            if target_dist is None or target_name != entry.name or target is None:
                known = ", ".join(e.qualified for e in self._candidates(kind, entry.name, active_only=False)) or "none"
                raise PluginError(
                    f"Plugin {plugin!r} registered {kind} {entry.name!r} with replaces={replaces!r}; replaces names the "
                    f"qualified name DIST:{entry.name} of a registered {kind} of the same name (registered: {known})."
                )
            if (kind, entry.qualified, replaces) not in self.replacements:
                self.replacements.append((kind, entry.qualified, replaces))
        table[entry.qualified] = entry
        return entry

    def validate(self, kind: str, value: Any, plugin: str) -> None:
        """PluginError when ``value`` is not a valid entry of ``kind`` (its type, name, factory, needs)."""
        expected = _EXPECTED_TYPES[kind]
        if not isinstance(value, expected):
            raise PluginError(f"Plugin {plugin!r} registered a {kind} that is a {type(value).__name__}, not a {expected.__name__}.")
        name = value.name
        if not isinstance(name, str) or not _NAME_PATTERN.match(name):
            raise PluginError(f"Plugin {plugin!r} registered a {kind} named {name!r}; names are lowercase letters, digits, '-', '_' and '.', starting with a letter or digit.")
        if kind in (*PART_KINDS, "logger", "health") and not callable(value.factory):
            raise PluginError(f"Plugin {plugin!r} registered {kind} {name!r} whose factory is not callable.")
        if kind in PART_KINDS:
            unknown = [need for need in value.needs if need not in NEEDS]
            if isinstance(value.needs, str) or unknown:
                raise PluginError(
                    f"Plugin {plugin!r} registered {kind} {name!r} with needs={value.needs!r}; "
                    f"needs is a tuple of: {', '.join(NEEDS)}."
                )
            for hook in ("batch_multiple", "check_options", "supports"):
                if getattr(value, hook) is not None and not callable(getattr(value, hook)):
                    raise PluginError(f"Plugin {plugin!r} registered {kind} {name!r} whose {hook} is not callable.")
            if value.wraps is not None and value.wraps not in PART_KINDS:
                raise PluginError(f"Plugin {plugin!r} registered {kind} {name!r} with wraps={value.wraps!r}; it wraps one of: {', '.join(PART_KINDS)}.")

    # -- short names ----------------------------------------------------------------------
    def _candidates(self, kind: str, name: str, active_only: bool = True) -> list[Entry]:
        """Entries of ``kind`` whose short name is ``name``, in precedence order; ``active_only`` drops replaced ones."""
        found = [e for e in self._entries[kind].values() if e.name == name]
        if active_only:
            replaced = {e.replaces for e in found if e.replaces}
            found = [e for e in found if e.qualified not in replaced]
        return sorted(found, key=_precedence)  # stable: registration order among one distribution

    def _short(self, kind: str, name: str) -> Entry | None:
        candidates = self._candidates(kind, name)
        return candidates[0] if candidates else None

    def candidates(self, kind: str, name: str) -> list[Entry]:
        """Every entry of ``kind`` with short name ``name``, the one it resolves to first (replaced ones last)."""
        kind = normalize_kind(kind)
        active = self._candidates(kind, name)
        return active + [e for e in self._candidates(kind, name, active_only=False) if e not in active]

    def shortest_name(self, entry: Entry) -> str:
        """``entry.name`` when that resolves to ``entry``, else its qualified name."""
        return entry.name if self._short(entry.kind, entry.name) == entry else entry.qualified

    def _warn_ambiguous(self, kind: str, name: str, candidates: list[Entry]) -> None:
        if (kind, name) in self._warned:
            return
        self._warned.add((kind, name))
        listed = ", ".join(f"{e.qualified} (plugin {e.plugin!r})" for e in candidates)
        warnings.warn(
            f"The {kind} name {name!r} is registered by {len(candidates)} distributions: {listed}. It means "
            f"{candidates[0].qualified} (built-ins first, then by distribution name); name the one you mean by its "
            f"qualified name, e.g. {candidates[-1].qualified!r}.",
            GanzooWarning,
            stacklevel=4,
        )

    # -- looking up -----------------------------------------------------------------------
    def _find(self, kind: str, name: str) -> Entry | None:
        table = self._entries[kind]
        if name in table:
            return table[name]
        candidates = self._candidates(kind, name)
        if len(candidates) > 1:
            self._warn_ambiguous(kind, name, candidates)
        return candidates[0] if candidates else None

    def distributions(self) -> set[str]:
        """Every distribution with at least one entry."""
        return {e.distribution for table in self._entries.values() for e in table.values()}

    def entry(self, kind: str, name: str) -> Entry:
        """The entry of ``kind`` called ``name`` (short or ``DIST:NAME``); a ConfigError with suggestions when unknown."""
        kind = normalize_kind(kind)
        found = self._find(kind, name)
        if found is not None:
            return found
        if kind == "loss" and SEPARATOR in name:
            parts = [self.entry("loss", part) for part in name.split(SEPARATOR)]
            plugins = "+".join(dict.fromkeys(part.plugin for part in parts))
            distributions = "+".join(dict.fromkeys(part.distribution for part in parts))
            versions = "+".join(dict.fromkeys(part.version for part in parts))
            return Entry(kind, name, combined_spec(name, [part.value for part in parts]), plugins, distributions, versions)
        raise self._unknown(kind, name)

    def _unknown(self, kind: str, name: str) -> ConfigError:
        distribution, short = split_qualified(str(name))
        known = self.names(kind)
        if distribution is not None:
            mine = sorted((e.name for e in self._entries[kind].values() if e.distribution == distribution), key=natural_key)
            if distribution not in self.distributions():
                return ConfigError(
                    f"Unknown {kind} {name!r}: no installed distribution {distribution!r} registered anything "
                    f"(distributions: {', '.join(sorted(self.distributions())) or 'none'}). Known {KINDS[kind]}: {', '.join(known) or 'none'}."
                )
            return ConfigError(f"Unknown {kind} {name!r}: distribution {distribution!r} registered no {kind} {short!r}; its {KINDS[kind]}: {', '.join(mine) or 'none'}.")
        lowered = {n.lower(): n for n in known}  # names are lowercase: `--data MNIST` means 'mnist'
        close = [lowered[c] for c in difflib.get_close_matches(str(name).lower(), list(lowered), n=3, cutoff=0.5)]
        hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        listing = ", ".join(known) if known else "none"
        failed = [p.name for p in self.plugins if not getattr(p, "ok", True)]
        if failed:
            listing += f". {len(failed)} plugin(s) failed to load ({', '.join(failed)}): see `ganzoo plugins`"
        elif not known:
            listing += " (is a plugin failing to load? see `ganzoo plugins`)"
        return ConfigError(f"Unknown {kind} {name!r}.{hint} Known {KINDS[kind]}: {listing}.")

    def get(self, kind: str, name: str) -> Any:
        """The registered object of ``kind`` called ``name``."""
        return self.entry(kind, name).value

    def names(self, kind: str, pattern: str | None = None, exclude: tuple[str, ...] = ()) -> list[str]:
        """Short names of ``kind`` matching an fnmatch ``pattern`` (each once), naturally sorted."""
        kind = normalize_kind(kind)
        names = {
            e.name
            for e in self._entries[kind].values()
            if (pattern is None or fnmatch.fnmatchcase(e.name, pattern)) and not any(fnmatch.fnmatchcase(e.name, x) for x in exclude)
        }
        return sorted(names, key=natural_key)

    def qualified_names(self, kind: str) -> list[str]:
        """Every ``DIST:NAME`` of ``kind``, naturally sorted."""
        return sorted(self._entries[normalize_kind(kind)], key=natural_key)

    def entries(self, kind: str, pattern: str | None = None) -> list[Entry]:
        """Every entry of ``kind`` whose name matches ``pattern`` (its qualified ``DIST:NAME`` when the pattern
        holds a ``:``, so ``*gan*`` does not match every entry of the distribution ``ganzoo``), by name, then
        in the order they were registered (so a replaced entry comes before the one that replaces it)."""
        kind = normalize_kind(kind)
        found = [
            e for e in self._entries[kind].values() if pattern is None or fnmatch.fnmatchcase(e.qualified if ":" in pattern else e.name, pattern)
        ]
        return sorted(found, key=lambda e: natural_key(e.name))  # stable: registration order among one name

    def build_part(self, kind: str, name: str, /, **arguments: Any) -> Any:
        """Build the registered generator, discriminator, loss or augmentation ``name``: ``factory(**arguments)``.

        ``arguments`` are what the kind's factory takes (``image_shape=`` and ``num_classes=``
        for a discriminator...) plus the part's options. An unknown name is a ConfigError with
        suggestions; a factory that rejects its arguments (``TypeError``/``ValueError``) a
        PluginError naming the part. A wrapper part (``pacgan``) builds its inner part with it.
        """
        kind = normalize_kind(kind)
        if kind not in PART_KINDS:
            raise ConfigError(f"build_part builds a {', '.join(PART_KINDS)}; got {kind!r}.")
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
        """A dataset by name (short or ``DIST:NAME``); ``NAME:ARGUMENT`` asks the parametrised dataset ``NAME`` for a spec."""
        prefix, rest = "", name
        distribution, short = split_qualified(name)
        if distribution is not None and any(e.distribution == distribution for e in self._entries["dataset"].values()):
            prefix, rest = f"{distribution}:", short
        family, given, argument = rest.partition(":")
        spec = self.get("dataset", prefix + family)
        if given:
            if spec.parametrize is None:
                raise ConfigError(f"Dataset {family!r} takes no argument; use it as {prefix + family!r}, not {name!r}.")
            return spec.parametrize(argument)
        if spec.parametrize is not None:
            raise ConfigError(f"Dataset {name!r} needs an argument: use it as '{name}:ARGUMENT' ({spec.description}).")
        return spec


class RegistryView:
    """A read-only view of a :class:`Registry`: lookups and :meth:`~Registry.build_part`, no additions.

    What registrars hand to plugins (``registry.registry``) and what a wrapper part's factory
    keeps to find its inner part when it is built. It reads the live registry, so a lookup after
    registration sees every plugin's entries.
    """

    _READS = frozenset(
        {"entry", "get", "names", "qualified_names", "entries", "candidates", "shortest_name", "distributions", "build_part", "dataset",
         "generator", "discriminator", "loss", "augmentation", "recipe", "pretrained", "logger"}  # fmt: skip
    )

    def __init__(self, registry: Registry) -> None:
        object.__setattr__(self, "_registry", registry)

    def __getattr__(self, name: str) -> Any:
        if name in RegistryView._READS:
            return getattr(object.__getattribute__(self, "_registry"), name)
        raise AttributeError(f"A RegistryView only looks entries up ({', '.join(sorted(self._READS))}); {name!r} is not one of them.")

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("A RegistryView is read-only: register entries through the registrar's add_* methods.")

    @property
    def plugins(self) -> tuple:
        """The PluginInfo records so far (a copy)."""
        return tuple(object.__getattribute__(self, "_registry").plugins)
