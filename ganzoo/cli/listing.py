"""``ganzoo list`` and ``ganzoo plugins``: what the registry holds and who put it there."""

from __future__ import annotations

from typing import Optional

import typer
from rich.table import Table

from ganzoo.cli.app import app, guarded, out
from ganzoo.discovery import get_registry
from ganzoo.errors import ConfigError
from ganzoo.protocols import Recipe
from ganzoo.registry import KINDS, Entry, normalize_kind


def _details(entry: Entry) -> str:
    value = entry.value
    if isinstance(value, Recipe):
        return f"{value.generator} x {value.discriminator} x {value.loss}" + (" (conditional)" if value.conditional else "")
    if entry.kind == "dataset":
        c, h, w = value.image_shape
        return f"{c}x{h}x{w}, {value.num_classes or 'no'} classes"
    conditional = getattr(value, "conditional", False)
    return {True: "conditional", None: "conditional or not", False: "unconditional"}[conditional]


@app.command("list")
@guarded
def list_entries(
    kind: Optional[str] = typer.Argument(None, help=f"One of: {', '.join(KINDS.values())} (singular works too). Omit for all."),
    pattern: Optional[str] = typer.Argument(None, help="fnmatch pattern on the names, e.g. '*gan*'."),
) -> None:
    """List registered generators, discriminators, losses, recipes and datasets."""
    registry = get_registry()
    if kind is not None:
        try:
            kinds = [normalize_kind(kind)]
        except ConfigError:
            if pattern is not None:
                raise
            kinds, pattern = list(KINDS), kind  # `ganzoo list '*gan*'` searches every kind
    else:
        kinds = list(KINDS)
    table = Table(title=f"ganzoo {' / '.join(KINDS[k] for k in kinds)}" + (f" matching {pattern!r}" if pattern else ""))
    for column in ("kind", "name", "details", "description", "plugin"):
        table.add_column(column, overflow="fold")
    count = 0
    for k in kinds:
        for entry in registry.entries(k, pattern):
            table.add_row(k, entry.name, _details(entry), getattr(entry.value, "description", ""), entry.plugin)
            count += 1
    if count == 0:
        out.print(f"nothing matches{f' {pattern!r}' if pattern else ''} among {', '.join(KINDS[k] for k in kinds)}")
        return
    out.print(table)


@app.command()
@guarded
def plugins(verbose: bool = typer.Option(False, "--verbose", "-v", help="Show the traceback of plugins that failed.")) -> None:
    """List installed plugins, what each registered, and those that failed to load."""
    table = Table(title="ganzoo plugins")
    for column in ("plugin", "distribution", "version", "registered", "status"):
        table.add_column(column, overflow="fold")
    failed = []
    for info in get_registry().plugins:
        registered = "; ".join(f"{KINDS[k]}: {', '.join(v)}" for k, v in info.registered.items()) or "-"
        status = "[green]ok[/]" if info.ok else f"[red]{info.error}[/]"
        table.add_row(info.name, info.distribution, info.version, registered, status)
        if not info.ok:
            failed.append(info)
    out.print(table)
    if verbose:
        for info in failed:
            out.print(f"\n[bold red]{info.name}[/] ({info.module}):\n{info.details}", markup=True, highlight=False)
