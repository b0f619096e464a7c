"""The installed plugins: what each registered (:func:`installed_plugins`), whether it conforms
(:func:`check_plugin`), and which one an unexpected exception came from (:func:`culprit_of`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from ganzoo.discovery import blame, get_registry
from ganzoo.errors import ConfigError
from ganzoo.testing import conformance_cases, run_checks, with_options
from ganzoo.train.part_options import parse_assignments, part_options, registry_kind


@dataclass(frozen=True)
class Culprit:
    """The plugin whose code raised an error, and where (``file:line in Class.function``)."""

    plugin: str
    distribution: str
    version: str
    where: str


def culprit_of(error: BaseException) -> Culprit | None:
    """The plugin whose code raised ``error`` (see :func:`ganzoo.discovery.blame`); None when ganzoo's core did."""
    found = blame(error)
    if found is None:
        return None
    info, where = found
    return Culprit(info.name, info.distribution, info.version, where)


def installed_plugins() -> list[Any]:
    """What ``ganzoo plugins`` lists: one :class:`~ganzoo.discovery.PluginInfo` per plugin (name, distribution,
    version, what it registered, its clashes and replacements, and its error when it failed)."""
    return list(get_registry().plugins)


@dataclass(frozen=True)
class CheckRow:
    """One row of ``ganzoo plugins check``: ``status`` is ok, fail, skipped or note (a clash: shown, not a failure)."""

    kind: str
    name: str
    check: str
    status: str
    detail: str = ""


def check_plugin(name: str, assignments: Sequence[str] = ()) -> list[CheckRow]:
    """Run the conformance kit on everything the plugin or distribution ``name`` registered.

    ``assignments`` (``PART.OPTION=VALUE``, as ``--set`` gives them) build the parts of that kind that
    take every option given for it with those options instead of their defaults; no part taking them,
    or a value a part refuses, is a ConfigError before any check runs.
    """
    registry = get_registry()
    known = {p.name for p in registry.plugins} | {p.distribution for p in registry.plugins}
    if name not in known:
        raise ConfigError(f"No installed plugin or distribution is called {name!r}; known: {', '.join(sorted(known))}. See `ganzoo plugins`.")
    settings = {registry_kind(target): values for target, values in parse_assignments(list(assignments)).items()}
    cases = conformance_cases(name, registry)

    def options_of(kind: str, entry: str) -> dict:
        wanted = settings.get(kind, {})
        if not wanted:
            return {}
        accepted, takes_any = part_options(registry.entry(kind, entry).value)
        return wanted if takes_any or set(wanted) <= set(accepted) else {}

    chosen = {(kind, entry): options_of(kind, entry) for kind, entry in cases}
    for (kind, entry), options in chosen.items():
        if options:
            with_options(registry, kind, entry, options)  # a value a part refuses: refused before any check runs
    for kind, wanted in settings.items():
        if not any(chosen.get((k, e)) for k, e in cases if k == kind):
            listed = ", ".join(f"{kind}.{o}" for o in wanted)
            raise ConfigError(f"No {kind} of {name!r} takes {listed}; see `ganzoo list --options NAME` for a part's options.")
    mine = [p for p in registry.plugins if name in (p.name, p.distribution)]
    rows = [CheckRow("plugin", info.name, "loads and registers", "fail", info.error or "") for info in mine if not info.ok]
    rows += [CheckRow("plugin", info.name, "names", "note", note) for info in mine if info.ok for note in [*info.clashes, *info.replaced]]
    for kind, entry in cases:
        options = chosen[(kind, entry)]
        label = entry + (" (" + ", ".join(f"{k}={v!r}" for k, v in options.items()) + ")" if options else "")
        for result in run_checks(kind, entry, registry, options):
            status = "skipped" if result.skipped else "ok" if result.ok else "fail"
            rows.append(CheckRow(kind, label, result.check, status, result.detail))
    return rows
