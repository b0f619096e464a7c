"""Plugin discovery: entry points of the ``ganzoo`` group -> pluggy -> a :class:`Registry`.

Set-up runs in a fixed order: create the plugin manager, add the hookspecs, load the entry
points (built-ins from the ``ganzoo`` distribution first, then third-party ones by name),
register the modules, then call each plugin's ``ganzoo_register`` hook on its own, so one
broken plugin is recorded as a failure instead of breaking the others. Each plugin stages its
entries in its own :class:`~ganzoo.registrar.PluginRegistrar`; a name clash costs only the
clashing name (see :mod:`ganzoo.registry`) and is recorded in the plugin's :class:`PluginInfo`.
Plugins are registered with pluggy under ``DIST:ENTRY_POINT`` names, so two distributions may
both call an entry point ``losses``.

Environment switches:

* ``GANZOO_DISABLE_PLUGIN_AUTOLOAD=1`` loads only the built-in entry points of the ``ganzoo``
  distribution itself.
* ``GANZOO_PLUGINS=name,other`` loads third-party entry points only when their entry-point
  name, distribution name or ``DIST:ENTRY_POINT`` is listed (the built-ins always load).
"""

from __future__ import annotations

import os
import sys
import traceback
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Iterable

import pluggy

from ganzoo import hookspecs
from ganzoo.registrar import PluginRegistrar
from ganzoo.registry import CORE_DISTRIBUTION, Registry

ENTRY_POINT_GROUP = "ganzoo"
DISABLE_AUTOLOAD_ENV = "GANZOO_DISABLE_PLUGIN_AUTOLOAD"
ONLY_PLUGINS_ENV = "GANZOO_PLUGINS"


@dataclass
class PluginInfo:
    """What ``ganzoo plugins`` reports about one plugin."""

    name: str  # entry-point name (or the name an in-process plugin was registered with)
    distribution: str  # the installed distribution that declares it
    version: str
    module: str
    registered: dict[str, list[str]] = field(default_factory=dict)  # kind -> names
    error: str | None = None  # one line when the plugin failed to load or register
    details: str | None = None  # the traceback of that failure
    clashes: list[str] = field(default_factory=list)  # names it shares with another plugin, one sentence each (both owners)
    replaced: list[str] = field(default_factory=list)  # entries it declared replacements of (replaces="DIST:NAME")

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def qualified(self) -> str:
        """``DIST:ENTRY_POINT``: the plugin's name in pluggy, unique across distributions."""
        return f"{self.distribution}:{self.name}"


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _distribution(ep: EntryPoint) -> tuple[str, str]:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return "?", "?"
    return dist.metadata["Name"] or "?", dist.version or "?"


def _selected_entry_points() -> list[EntryPoint]:
    """The entry points to load, built-ins first, honouring the environment switches."""
    only = {n.strip() for n in os.environ.get(ONLY_PLUGINS_ENV, "").split(",") if n.strip()}
    autoload = not _truthy(os.environ.get(DISABLE_AUTOLOAD_ENV))
    chosen, seen = [], set()
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        dist_name, _ = _distribution(ep)
        key = (dist_name, ep.name, ep.value)
        if key in seen:  # the same distribution found twice on sys.path
            continue
        seen.add(key)
        builtin = dist_name == CORE_DISTRIBUTION
        if not builtin and (not autoload or (only and not only & {ep.name, dist_name, f"{dist_name}:{ep.name}"})):
            continue
        chosen.append(ep)
    return sorted(chosen, key=lambda ep: (_distribution(ep)[0] != CORE_DISTRIBUTION, _distribution(ep)[0], ep.name))


def _failure(info: PluginInfo, stage: str, error: BaseException) -> PluginInfo:
    info.error = f"{stage}: {type(error).__name__}: {error}"
    info.details = "".join(traceback.format_exception(error))
    return info


def build_registry(extra_plugins: Iterable[tuple[str, Any]] = (), autoload: bool = True) -> Registry:
    """Load plugins and return a fresh :class:`Registry` filled by their hooks.

    ``extra_plugins`` are ``(name, module_or_object)`` pairs registered after the entry
    points (handy in tests and notebooks); ``autoload=False`` skips entry points entirely.
    """
    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    registry = Registry()
    loaded: list[tuple[PluginInfo, Any]] = []

    candidates: list[tuple[PluginInfo, Any]] = []
    for ep in _selected_entry_points() if autoload else []:
        dist_name, version = _distribution(ep)
        info = PluginInfo(ep.name, dist_name, version, ep.value)
        try:
            candidates.append((info, ep.load()))
        except BaseException as error:  # noqa: BLE001 - a plugin's import must not break ganzoo
            if isinstance(error, KeyboardInterrupt):
                raise
            registry.plugins.append(_failure(info, "import failed", error))
    for name, plugin in extra_plugins:
        # an in-process plugin is its own distribution: its entries are NAME:ENTRY
        candidates.append((PluginInfo(name, name, "", getattr(plugin, "__name__", repr(plugin))), plugin))

    for info, plugin in candidates:
        try:
            manager.register(plugin, name=info.qualified)
            manager.check_pending()
            loaded.append((info, plugin))
        except Exception as error:  # noqa: BLE001 - unknown hooks, duplicate plugin names
            if manager.is_registered(plugin):
                manager.unregister(plugin)
            registry.plugins.append(_failure(info, "invalid plugin", error))

    for info, plugin in loaded:
        others = [p for _, p in loaded if p is not plugin]
        call = manager.subset_hook_caller("ganzoo_register", remove_plugins=others)
        registrar = PluginRegistrar(registry, info.name, info.distribution, info.version)
        try:
            call(registry=registrar)
        except Exception as error:  # noqa: BLE001 - a plugin's bug must not break the others
            _failure(info, "registration failed", error)
        else:
            info.registered = registrar.commit()
            info.clashes, info.replaced = registrar.clashes, registrar.replaced
        registry.plugins.append(info)
    return registry


@lru_cache(maxsize=1)
def get_registry() -> Registry:
    """The process-wide registry, built on first use."""
    return build_registry()


def reset_registry() -> None:
    """Forget the process-wide registry so the next :func:`get_registry` rebuilds it."""
    get_registry.cache_clear()


def _top_package(module: str) -> str:
    return module.split(":")[0].split(".")[0]


def blame(error: BaseException) -> tuple[PluginInfo, str] | None:
    """The plugin whose code raised ``error``, and where: ``(info, "file:line in Class.function")``.

    Walks the traceback from the innermost frame outwards and stops at the first frame of
    ganzoo's core or of a plugin's package (frames of torch and other libraries are skipped,
    so an error that torch raises inside a plugin's ``forward`` is the plugin's). ``None``
    when ganzoo's core comes first, or no plugin is involved.
    """
    plugins: dict[str, PluginInfo] = {}
    for info in get_registry().plugins:
        plugins.setdefault(_top_package(info.module), info)
    files = {getattr(m, "__file__", None): name for name, m in list(sys.modules.items()) if getattr(m, "__file__", None)}
    frames = []
    tb = error.__traceback__
    while tb is not None:
        frames.append(tb)
        tb = tb.tb_next
    for tb in reversed(frames):
        code = tb.tb_frame.f_code
        package = _top_package(files.get(code.co_filename, ""))
        if package == "ganzoo":
            return None
        if package in plugins:
            owner = tb.tb_frame.f_locals.get("self")
            where = f"{type(owner).__name__}.{code.co_name}" if owner is not None else code.co_name
            return plugins[package], f"{os.path.basename(code.co_filename)}:{tb.tb_lineno} in {where}"
    return None
