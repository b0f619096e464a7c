"""The logger check: its install command, and a factory that builds the logger interface."""

from __future__ import annotations

from ganzoo.discovery import get_registry
from ganzoo.registry import Registry
from ganzoo.testing.common import CheckResult, _check_all


LOGGER_METHODS = ("start", "log_hyperparams", "log_metrics", "log_image", "flush", "rewind", "finalize")


def check_logger(name: str, registry: Registry | None = None) -> list[CheckResult]:
    """Check a registered logger: its install command, and that its factory builds the logger interface."""
    from ganzoo.loggers import Logger

    registry = registry or get_registry()
    spec = registry.logger(name)

    def install() -> str | None:
        if isinstance(spec.requires, str) or not all(isinstance(m, str) and m for m in spec.requires):
            return f"requires is {spec.requires!r}; it is a tuple of module names, e.g. ('aim',)"
        return "requires names modules but install gives no command to install them" if spec.requires and not spec.install else None

    def builds() -> str | None:
        logger = spec.factory()
        missing = [m for m in LOGGER_METHODS if not callable(getattr(logger, m, None))]
        if missing:
            return f"the factory returned a {type(logger).__name__} without {', '.join(missing)}"
        overridden = type(logger).start is not Logger.start and type(logger).log_metrics is not Logger.log_metrics
        return None if overridden or not isinstance(logger, Logger) else "it does not implement start and log_metrics"

    return _check_all("logger", name, [("install command", install), ("builds the logger interface", builds)])
