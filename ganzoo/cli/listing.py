"""``ganzoo list`` and ``ganzoo plugins``: what the registry holds and who put it there."""

from __future__ import annotations

from typing import Optional

import typer
from rich.markup import escape
from rich.table import Table

from ganzoo.api.catalogue import KINDS
from ganzoo.cli.app import app, guarded, out


def _list_options(name: str, kind: str | None) -> None:
    from ganzoo.api.catalogue import list_options

    rows = list_options(name, kind)
    if not rows:
        out.print(f"{name} takes no options")
        return
    recipe_values = any("recipe_value" in row for row in rows)
    title = f"options of the parts of recipe {name}" if recipe_values or rows[0]["name"] != name else f"options of {name}"
    table = Table(title=f"{title} (set with --set PART.OPTION=VALUE, or in a recipe file's [PART] table)")
    columns = ["part", "name", "option", "type", "default"] + (["recipe's value"] if recipe_values else [])
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        cells = [row["part"], row["name"], row["option"], row["type"], "(required)" if row["required"] else repr(row["default"])]
        if recipe_values:
            cells.append(repr(row["recipe_value"]) if "recipe_value" in row else "")
        table.add_row(*(escape(cell) for cell in cells))
    out.print(table)


@app.command("list")
@guarded
def list_entries(
    kind: Optional[str] = typer.Argument(None, help=f"One of: {', '.join(KINDS.values())} (singular works too). Omit for all."),
    pattern: Optional[str] = typer.Argument(None, help="fnmatch pattern on the names, e.g. '*gan*'."),
    options: Optional[str] = typer.Option(
        None, "--options", metavar="NAME",
        help="List the options of the part(s) called NAME, or of recipe NAME's parts: "
        "name, type, default (and the recipe's value).",
    ),  # fmt: skip
) -> None:
    """List registered generators, discriminators, losses, augmentations, recipes, datasets, loggers and pretrained generators, or a part's options."""
    if options is not None:  # options come from the factories' signatures: this needs the plugins' code
        _list_options(options, kind)
        return
    from ganzoo.api.catalogue import catalogue_rows, listing_kinds

    kinds, pattern = listing_kinds(kind, pattern)
    rows = catalogue_rows(kinds, pattern)  # metadata only, from a cache when current: listing does not import torch
    if not rows:
        out.print(f"nothing matches{f' {pattern!r}' if pattern else ''} among {', '.join(KINDS[k] for k in kinds)}")
        return
    table = Table(title=f"ganzoo {' / '.join(KINDS[k] for k in kinds)}" + (f" matching {pattern!r}" if pattern else ""))
    for column in ("kind", "name", "details", "description", "plugin"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(row["kind"], row["name"], row["details"], row["description"], row["plugin"])
    out.print(table)


plugins_app = typer.Typer(help="Installed plugins, and a conformance check of what they register.", invoke_without_command=True, no_args_is_help=False)
app.add_typer(plugins_app, name="plugins")


@plugins_app.callback()
@guarded
def plugins(ctx: typer.Context, verbose: bool = typer.Option(False, "--verbose", "-v", help="Show the traceback of plugins that failed.")) -> None:
    """List installed plugins, what each registered, and those that failed to load."""
    if ctx.invoked_subcommand is not None:
        return
    table = Table(title="ganzoo plugins")
    for column in ("plugin", "distribution", "version", "registered", "status"):
        table.add_column(column, overflow="fold")
    from ganzoo.api.plugins import installed_plugins

    failed = []
    for info in installed_plugins():
        registered = "; ".join(f"{KINDS[k]}: {', '.join(v)}" for k, v in info.registered.items()) or "-"
        status = "[green]ok[/]" if info.ok else f"[red]{escape(info.error)}[/]"
        notes = [*info.clashes, *info.replaced]  # a clash costs the clashing name only: the plugin is still ok
        status += "".join(f"\n[yellow]{escape(note)}[/]" for note in notes)
        table.add_row(info.name, info.distribution, info.version, registered, status)
        if not info.ok:
            failed.append(info)
    out.print(table)
    if verbose:
        for info in failed:
            out.print(f"\n{info.name} ({info.module}):\n{info.details}", markup=False, highlight=False)


@plugins_app.command("check")
@guarded
def plugins_check(
    name: str = typer.Argument(..., help="A distribution (e.g. 'ganzoo' for the built-ins) or a plugin's entry-point name."),
    assignments: list[str] = typer.Option(
        [], "--set", metavar="PART.OPTION=VALUE",
        help="Check the parts of kind PART (generator, discriminator, loss, augment) built with this option instead of "
        "their defaults, e.g. --set discriminator.pack=3 (repeatable). A part of that kind that does not take every option "
        "given for its kind is checked with its defaults; no part taking them, or a value a part refuses, is exit 2.",
    ),
) -> None:
    """Run the conformance kit on everything NAME registered; exit 1 when a check fails."""
    from ganzoo.api.plugins import check_plugin

    rows = check_plugin(name, assignments)
    table = Table(title=f"conformance of {name}")
    for column in ("kind", "name", "check", "result"):
        table.add_column(column, overflow="fold")
    shown = {"ok": "[green]ok[/]", "fail": "[red]FAIL[/] {}", "skipped": "[yellow]{}[/]", "note": "[yellow]{}[/]"}
    for row in rows:
        table.add_row(row.kind, row.name, row.check, shown[row.status].format(escape(row.detail)))
    out.print(table)
    failures = sum(row.status == "fail" for row in rows)
    checked = len({(row.kind, row.name) for row in rows if row.kind != "plugin"})
    out.print(f"{checked} entries checked, {failures} failure(s)")
    if failures:
        raise typer.Exit(1)
