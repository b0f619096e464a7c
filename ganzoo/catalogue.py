"""What ``ganzoo list`` shows, kept in a cache so that listing does not import torch.

Listing needs every plugin's registrations, and plugins define their networks with torch when
they are imported (seconds on a small CPU). The first ``ganzoo list`` builds the registry as
usual and stores the metadata of its entries, never their code, in
``$XDG_CACHE_HOME/ganzoo/catalogue-KEY.json`` (else ``~/.cache``); later listings rebuild a
metadata-only :class:`~ganzoo.registry.Registry` from that file. KEY covers the entry points
that would load (names, distributions and versions, after ``GANZOO_PLUGINS`` /
``GANZOO_DISABLE_PLUGIN_AUTOLOAD``), the modification times of every plugin's source files (and pretrained packs' cards),
and the versions of ganzoo and Python, so installing, removing or editing a plugin rebuilds the
catalogue. It is written only when every plugin loaded: a failing plugin is tried again (and
reported by ``ganzoo plugins``) on every run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

from ganzoo.base.atomic import write_atomically
from ganzoo.base.version import __version__
from ganzoo.discovery import _distribution, _selected_entry_points, get_registry
from ganzoo.errors import GanzooError
from ganzoo.registry import KINDS, Registry

_CODE = "<code>"  # stands for a factory or loader in the file
KEEP = 8  # catalogues kept in the cache folder, newest first
SOURCES = ("*.py", "card.json")  # files whose changes change what a plugin registers (code; pretrained packs' cards)


def _not_loaded(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError(
        "This registry entry was read from the listing cache and holds no code; use ganzoo.discovery.get_registry()."
    )


def _source_mtime(module: str) -> int:
    """The newest modification time of the sources (:data:`SOURCES`) of ``module``'s top-level package, found without importing it."""
    try:
        spec = importlib.util.find_spec(module.split(".")[0])
    except (ImportError, ValueError):
        return 0
    if spec is None:
        return 0
    if spec.submodule_search_locations:
        files = [f for root in spec.submodule_search_locations for pattern in SOURCES for f in Path(root).rglob(pattern)]
    else:
        files = [Path(spec.origin)] if spec.origin else []
    return max((f.stat().st_mtime_ns for f in files if f.is_file()), default=0)


def catalogue_key() -> str:
    """A digest of everything the registry's contents depend on (see the module's docstring)."""
    parts: list[Any] = [__version__, sys.version]
    for ep in _selected_entry_points():
        parts.append([*_distribution(ep), ep.name, ep.value, _source_mtime(ep.value)])
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:20]


def catalogue_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "ganzoo" / f"catalogue-{catalogue_key()}.json"


_NESTED = "__dataclass__"  # marks a field that holds a dataclass (a preset's PaperFigures): its class and fields


def _encode_value(value: Any) -> Any:
    if callable(value):
        return _CODE
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {_NESTED: f"{type(value).__module__}:{type(value).__qualname__}", **{f.name: getattr(value, f.name) for f in dataclasses.fields(value)}}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict) and _NESTED in value:
        module, _, name = value[_NESTED].partition(":")
        return getattr(importlib.import_module(module), name)(**{k: v for k, v in value.items() if k != _NESTED})
    return _not_loaded if value == _CODE else value


def _encode(registry: Registry) -> list[dict[str, Any]]:
    rows = []
    for kind in KINDS:
        for entry in registry.entries(kind):
            value = entry.value
            fields = {f.name: _encode_value(getattr(value, f.name)) for f in dataclasses.fields(value)}
            cls = f"{type(value).__module__}:{type(value).__qualname__}"
            owner = {"distribution": entry.distribution, "version": entry.version, "replaces": entry.replaces}
            rows.append({"kind": kind, "plugin": entry.plugin, **owner, "class": cls, "fields": fields})
    return rows


def _decode(rows: list[dict[str, Any]]) -> Registry:
    registry = Registry()
    for row in rows:
        module, _, name = row["class"].partition(":")
        cls = getattr(importlib.import_module(module), name)
        fields = {k: _decode_value(v) for k, v in row["fields"].items()}
        fields = {k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()}  # JSON has no tuples
        owner = {"distribution": row["distribution"], "version": row["version"], "replaces": row["replaces"]}
        registry.add(row["kind"], cls(**fields), plugin=row["plugin"], **owner)
    return registry


def listing_registry() -> Registry:
    """The registry to list: from the catalogue when it is current, else built (and the catalogue written)."""
    path = catalogue_path()
    try:
        return _decode(json.loads(path.read_text()))
    except (OSError, ValueError, KeyError, TypeError, ImportError, AttributeError, GanzooError):
        pass  # missing, stale format or unreadable: build the registry
    registry = get_registry()
    if not all(info.ok for info in registry.plugins):
        return registry
    try:
        text = json.dumps(_encode(registry))
    except (TypeError, ValueError):  # an entry with metadata JSON cannot hold: list it, do not cache it
        return registry
    try:
        write_atomically(path, lambda tmp: tmp.write_text(text))
        stale = sorted(path.parent.glob("catalogue-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)[KEEP:]
        for old in stale:  # other environments (virtualenvs, checkouts) keep theirs; old edits' go
            old.unlink()
    except OSError:
        pass  # a read-only home: listing still works, only slower
    return registry
