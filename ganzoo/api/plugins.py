"""Which plugin an unexpected exception came from, for the one-paragraph message the CLI prints."""

from __future__ import annotations

from dataclasses import dataclass

from ganzoo.discovery import blame


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
