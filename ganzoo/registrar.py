"""What a plugin's ``ganzoo_register`` hook receives: a :class:`PluginRegistrar`, the plugin's own staging area.

Each plugin stages its entries here; :meth:`PluginRegistrar.commit` merges them into the
:class:`~ganzoo.registry.Registry` so that a name clash costs only the clashing name.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

from ganzoo.base.specs import DatasetSpec, HealthSpec, LoggerSpec, PretrainedSpec
from ganzoo.combined_loss import SEPARATOR
from ganzoo.errors import GanzooWarning, PluginError
from ganzoo.protocols import PartSpec, Recipe
from ganzoo.registry import CORE_DISTRIBUTION, DIRECT, Entry, Registry, RegistryView


@dataclass
class PluginRegistrar:
    """What a plugin's ``ganzoo_register`` hook receives: the plugin's own staging area.

    Additions are validated immediately (an invalid entry fails the whole plugin, so a plugin that
    fails halfway registers nothing) and merged into the registry by :meth:`commit` when the hook
    returns. A name another distribution registered already is kept beside it (both reachable as
    ``DIST:NAME``) and recorded in :attr:`clashes`; the same qualified name twice costs only that
    name. ``replaces="DIST:NAME"`` declares a deliberate replacement, recorded in :attr:`replaced`.
    ``registry`` is a read-only :class:`RegistryView`: a wrapper part keeps it to build its inner
    part later with :meth:`Registry.build_part`.
    """

    target: Registry
    plugin: str
    distribution: str = DIRECT
    version: str = ""
    staged: list[tuple[str, Any, bool, str | None]] = field(default_factory=list)
    clashes: list[str] = field(default_factory=list)  # one sentence per clash, naming both owners
    replaced: list[str] = field(default_factory=list)  # one sentence per declared replacement

    @property
    def registry(self) -> RegistryView:
        """The registry being built, read-only (lookups only)."""
        return self.target.view()

    def _stage(self, kind: str, value: Any, override: bool, replaces: str | None = None) -> None:
        if any(k == kind and v.name == getattr(value, "name", None) for k, v, _, _ in self.staged):
            raise PluginError(f"Plugin {self.plugin!r} registered {kind} {value.name!r} twice.")
        self.target.validate(kind, value, self.plugin)  # fail early, at the plugin's own line
        if override:
            warnings.warn(
                f"Plugin {self.plugin!r} ({self.distribution}) registered {kind} {value.name!r} with override=True, which is "
                f"deprecated: it replaces whatever {value.name!r} means at that moment. Declare the entry it replaces instead, "
                f"e.g. replaces='{CORE_DISTRIBUTION}:{value.name}'; the replacement is recorded and shown by `ganzoo plugins`.",
                GanzooWarning,
                stacklevel=3,
            )
        self.staged.append((kind, value, override, replaces))

    def add_generator(self, name: str, factory: Callable[..., Any], *, replaces: str | None = None, override: bool = False, **meta: Any) -> None:
        """Register a generator factory ``factory(latent_dim=, image_shape=, num_classes=, **options)``.

        ``meta`` fills :class:`~ganzoo.protocols.PartSpec` (description, conditional,
        uses_batchnorm, reference, needs, batch_multiple, check_options, wraps, supports).
        ``replaces="DIST:NAME"`` (every ``add_*`` takes it) makes this entry what ``NAME`` means.
        """
        self._stage("generator", PartSpec(name, factory, **meta), override, replaces)

    def add_discriminator(self, name: str, factory: Callable[..., Any], *, replaces: str | None = None, override: bool = False, **meta: Any) -> None:
        """Register a discriminator factory ``factory(image_shape=, num_classes=, **options)``."""
        self._stage("discriminator", PartSpec(name, factory, **meta), override, replaces)

    def add_loss(self, name: str, factory: Callable[..., Any], *, replaces: str | None = None, override: bool = False, **meta: Any) -> None:
        """Register a loss factory ``factory(**options)`` returning a :class:`~ganzoo.protocols.Loss`.

        ``needs=("double_backward",)`` declares a loss that backpropagates through D's input
        gradient (the trainer then never compiles D); ``regularizer=True`` a term that is added
        to another loss by name (``bce+NAME``) instead of being trained alone.
        """
        meta.setdefault("conditional", None)
        self._stage("loss", PartSpec(name, factory, **meta), override, replaces)

    def add_augmentation(self, name: str, factory: Callable[..., Any], *, replaces: str | None = None, override: bool = False, **meta: Any) -> None:
        """Register an augmentation factory ``factory(**options)``.

        It returns a :class:`~ganzoo.protocols.Augmentation`; ``meta`` as for the other parts.
        """
        meta.setdefault("conditional", None)
        self._stage("augmentation", PartSpec(name, factory, **meta), override, replaces)

    def add_recipe(self, recipe: Recipe, *, replaces: str | None = None, override: bool = False) -> None:
        """Register a :class:`~ganzoo.protocols.Recipe`."""
        self._stage("recipe", recipe, override, replaces)

    def add_dataset(self, dataset: DatasetSpec, *, replaces: str | None = None, override: bool = False) -> None:
        """Register a :class:`~ganzoo.data.DatasetSpec`."""
        self._stage("dataset", dataset, override, replaces)

    def add_logger(self, name: str, factory: Callable[[], Any], *, replaces: str | None = None, override: bool = False, **meta: Any) -> None:
        """Register a logger factory ``factory()`` returning a :class:`~ganzoo.loggers.Logger` (an experiment tracker).

        ``meta`` fills :class:`~ganzoo.loggers.LoggerSpec`: ``requires`` (the modules it imports,
        checked before a run starts), ``install`` (the command that installs them), description, reference.
        """
        self._stage("logger", LoggerSpec(name, factory, **meta), override, replaces)

    def add_pretrained(self, pretrained: PretrainedSpec, *, replaces: str | None = None, override: bool = False) -> None:
        """Register a pretrained generator (:class:`~ganzoo.pretrained.PretrainedSpec`: a name and its pack folder).

        :func:`ganzoo.pretrained.packs_in` makes one spec per pack of a folder.
        """
        self._stage("pretrained", pretrained, override, replaces)

    def add_health(self, name: str, factory: Callable[[], Any], *, role: str = "rule", replaces: str | None = None, override: bool = False, **meta: Any) -> None:
        """Register a training-health check: ``factory()`` returns a signal (``role="signal"``,
        ``measure(probe)``) or a rule (``role="rule"``, ``observe(record)``); see :mod:`ganzoo.health`.

        ``meta`` fills :class:`~ganzoo.base.specs.HealthSpec` (description, keys).
        """
        if role not in ("signal", "rule"):
            raise PluginError(f"Plugin {self.plugin!r} registered health check {name!r} with role={role!r}; it is 'signal' or 'rule'.")
        self._stage("health", HealthSpec(name, factory, role, **meta), override, replaces)

    def _clash(self, message: str) -> None:
        self.clashes.append(message)
        warnings.warn(message, GanzooWarning, stacklevel=3)

    def commit(self) -> dict[str, list[str]]:
        """Merge everything staged into the registry; return the names added, by kind.

        Never raises for a clash: an entry whose qualified name is taken (or whose ``replaces``
        names nothing registered) is left out and recorded in :attr:`clashes`, with a
        GanzooWarning; an entry whose short name another distribution holds is kept, and the
        clash recorded the same way.
        """
        added: dict[str, list[str]] = {}
        for kind, value, override, replaces in self.staged:
            holders = [e for e in self.target._candidates(kind, value.name) if e.distribution != self.distribution]
            try:
                entry = self.target.add(
                    kind, value, plugin=self.plugin, distribution=self.distribution, version=self.version, replaces=replaces, override=override
                )
            except PluginError as error:
                self._clash(f"{error} Plugin {self.plugin!r} keeps its other entries; this one is left out.")
                continue
            added.setdefault(kind, []).append(value.name)
            if entry.replaces is not None:
                self.replaced.append(f"{kind} {entry.qualified} replaces {entry.replaces}: {entry.name!r} means {entry.qualified}.")
            elif holders:
                winner = self.target._short(kind, value.name)
                others = ", ".join(f"{h.qualified} (plugin {h.plugin!r})" for h in holders)
                self._clash(
                    f"Plugin {self.plugin!r} of {self.distribution} registered {kind} {value.name!r}, which {others} registered "
                    f"too. Both are kept: {value.name!r} means {winner.qualified} (built-ins first, then by distribution name); "
                    f"use {entry.qualified!r} for the plugin's own, or declare replaces={holders[0].qualified!r} to replace it."
                )
        for kind, value, _, _ in self.staged:
            entry = self.target._entries[kind].get(f"{self.distribution}:{getattr(value, 'name', '')}")
            if kind == "recipe" and entry is not None and entry.value is value:
                self._own_parts(entry)
        self.staged.clear()
        return added

    def _own_parts(self, entry: Entry) -> None:
        """A recipe that names a part its own distribution registered means that part, even where another
        distribution's entry holds the short name (a package written before ganzoo shipped a built-in of that name)."""
        recipe, changes = entry.value, {}
        for kind in ("generator", "discriminator", "loss"):
            names = getattr(recipe, kind).split(SEPARATOR) if kind == "loss" else [getattr(recipe, kind)]
            qualified = []
            for name in names:
                own = self.target._entries[kind].get(f"{self.distribution}:{name}")
                qualified.append(own.qualified if own is not None and self.target._short(kind, name) is not own else name)
            if qualified != names:
                changes[kind] = SEPARATOR.join(qualified)
        if changes:
            self.target._entries["recipe"][entry.qualified] = dataclasses.replace(entry, value=dataclasses.replace(recipe, **changes))
            self.clashes.append(f"Recipe {entry.qualified} uses its own distribution's {', '.join(changes.values())}.")
