"""The check that a logger's (an experiment tracker's) packages are installed; its registry entry is :class:`ganzoo.base.specs.LoggerSpec`.

Nothing here imports a tracker: listing loggers and validating ``--logger`` stay fast, and a
missing tracker is reported with its install command before a run starts.
"""

from __future__ import annotations

from importlib.util import find_spec

from ganzoo.base.specs import LoggerSpec
from ganzoo.errors import ConfigError


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
