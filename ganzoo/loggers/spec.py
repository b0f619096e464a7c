"""The registry entry of a logger (an experiment tracker), and the check that its packages are installed.

Nothing here imports a tracker: listing loggers and validating ``--logger`` stay fast, and a
missing tracker is reported with its install command before a run starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.util import find_spec
from typing import Any, Callable

from ganzoo.errors import ConfigError


@dataclass(frozen=True)
class LoggerSpec:
    """A registered logger: ``factory()`` returns a :class:`~ganzoo.loggers.Logger`.

    ``requires`` names the top-level modules the logger imports (checked without importing
    them); ``install`` is the command that installs them, shown when one is missing.
    """

    name: str
    factory: Callable[[], Any]
    description: str = ""
    requires: tuple[str, ...] = ()
    install: str = ""
    reference: str = ""  # where the tracker's own documentation is


def missing_modules(spec: LoggerSpec) -> list[str]:
    """The modules of ``spec.requires`` that cannot be imported here."""
    return [module for module in spec.requires if find_spec(module) is None]


def check_installed(spec: LoggerSpec) -> None:
    """ConfigError naming the install command when a module the logger needs is missing."""
    missing = missing_modules(spec)
    if missing:
        install = f" Install it with: {spec.install}" if spec.install else ""
        raise ConfigError(
            f"--logger {spec.name} needs {', '.join(repr(m) for m in missing)}, which {'is' if len(missing) == 1 else 'are'} "
            f"not installed.{install} (or train without --logger {spec.name})."
        )
