"""Names a distribution shares with others: what a plugin's own tests assert so that a new built-in
(or another package) taking one of its names is noticed before its users notice it.

A clash never breaks a plugin (both entries are kept under their qualified names ``DIST:NAME``;
see :mod:`ganzoo.registry`), but a short name that means another distribution's entry is a name
the plugin's users can no longer type. :func:`shadowed_names` lists them; :func:`assert_own_names`
fails a test with the clashes' sentences, naming both owners.
"""

from __future__ import annotations

from ganzoo.discovery import get_registry
from ganzoo.registry import KINDS, Registry
from ganzoo.testing.common import ConformanceError


def shadowed_names(distribution: str, registry: Registry | None = None) -> list[str]:
    """``KIND DIST:NAME -> OTHER:NAME`` for each entry of ``distribution`` whose short name resolves to
    another distribution's entry (a declared replacement of this one's entry counts too)."""
    registry = registry or get_registry()
    found = []
    for kind in KINDS:
        for entry in registry.entries(kind):
            if entry.distribution == distribution and registry.shortest_name(entry) != entry.name:
                winner = registry.candidates(kind, entry.name)[0]
                found.append(f"{kind} {entry.qualified} -> {winner.qualified}")
    return found


def assert_own_names(distribution: str, registry: Registry | None = None) -> None:
    """Raise :class:`ConformanceError` when a short name of ``distribution`` means another distribution's
    entry, or one of its plugins had an entry left out; the message has each clash as recorded."""
    registry = registry or get_registry()
    shadowed = shadowed_names(distribution, registry)
    notes = [note for info in registry.plugins if info.distribution == distribution for note in info.clashes if "left out" in note]
    if shadowed or notes:
        recorded = [note for info in registry.plugins if info.distribution == distribution for note in info.clashes]
        raise ConformanceError(
            f"Distribution {distribution!r} does not own all its names: {'; '.join(shadowed + notes) or 'none'}. "
            f"Its users reach those entries only by their qualified names. Recorded: {' '.join(recorded) or 'nothing'}"
        )
