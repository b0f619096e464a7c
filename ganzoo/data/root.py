"""Where datasets live on disk: ``--data-root``, else ``$GANZOO_DATA_ROOT``, else a home cache."""

from __future__ import annotations

import os
from pathlib import Path

DATA_ROOT_ENV = "GANZOO_DATA_ROOT"
OFFLINE_ENV = "GANZOO_OFFLINE"


def default_cache_root() -> Path:
    """The per-user cache folder used when no data root is given."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "ganzoo" / "data"


def resolve_data_root(data_root: str | Path | None = None) -> Path:
    """Return the data root: the argument, else ``$GANZOO_DATA_ROOT``, else the home cache."""
    if data_root:
        return Path(data_root).expanduser()
    env = os.environ.get(DATA_ROOT_ENV)
    if env:
        return Path(env).expanduser()
    return default_cache_root()


def downloads_allowed() -> bool:
    """False when ``$GANZOO_OFFLINE`` is set to a true value (1, true, yes)."""
    return os.environ.get(OFFLINE_ENV, "").strip().lower() not in {"1", "true", "yes"}
