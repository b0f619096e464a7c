"""``ganzoo list`` and ``ganzoo plugins``: what the registry holds and who put it there."""

from __future__ import annotations

from typing import Optional

import typer
from rich.markup import escape
from rich.table import Table

from ganzoo.cli.app import app, guarded, out
from ganzoo.discovery import get_registry
from ganzoo.errors import ConfigError
from ganzoo.protocols import Recipe
from ganzoo.registry import KINDS, Entry, normalize_kind


def _details(entry: Entry) -> str:
    value = entry.value
    if isinstance(value, Recipe):
        from ganzoo.api.catalogue import describe_resolution_row, resolution_table

        by_size = "".join(f"\n{describe_resolution_row(value, row)}" for row in resolution_table(value))
        return f"{value.generator} x {value.discriminator} x {value.loss}" + (" (conditional)" if value.conditional else "") + by_size
    if entry.kind == "dataset":
        if value.parametrize is not None:
            return f"use as {value.name}:ARGUMENT"
        c, h, w = value.image_shape
        return f"{c}x{h}x{w}, {value.num_classes or 'no'} classes"
    if getattr(value, "regularizer", False):
        return f"regulariser: use as LOSS+{value.name}"
    if entry.kind == "augmentation":
        return "real and fake images, before D"
    if entry.kind == "logger":
        from ganzoo.loggers.spec import missing_modules

        return f"not installed: {value.install}" if missing_modules(value) else "installed"
    if entry.kind == "pretrained":
        return f"{value.recipe or 'custom'} on {value.dataset}" + ("" if value.sha256 else " (no sha256)")
    if entry.kind == "health":
        return f"{value.role}: {', '.join(value.keys)}" if value.keys else value.role
    conditional = getattr(value, "conditional", False)
    return {True: "conditional", None: "conditional or not", False: "unconditional"}[conditional]


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
    from ganzoo.cli.catalogue import listing_registry

    registry = listing_registry()  # metadata only, from a cache when current: listing does not import torch
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
            name = registry.shortest_name(entry)  # DIST:NAME when another distribution's entry holds the short name
            table.add_row(k, name, _details(entry), getattr(entry.value, "description", ""), entry.plugin)
            count += 1
    if count == 0:
        out.print(f"nothing matches{f' {pattern!r}' if pattern else ''} among {', '.join(KINDS[k] for k in kinds)}")
        return
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
    failed = []
    for info in get_registry().plugins:
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
    from ganzoo.testing import conformance_cases, run_checks, with_options
    from ganzoo.train.part_options import parse_assignments, part_options, registry_kind

    registry = get_registry()
    known = {p.name for p in registry.plugins} | {p.distribution for p in registry.plugins}
    if name not in known:
        raise ConfigError(f"No installed plugin or distribution is called {name!r}; known: {', '.join(sorted(known))}. See `ganzoo plugins`.")
    settings = {registry_kind(target): values for target, values in parse_assignments(assignments).items()}
    broken = [p for p in registry.plugins if name in (p.name, p.distribution) and not p.ok]
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
            with_options(registry, kind, entry, options)  # a value a part refuses: exit 2 before any check runs
    for kind, wanted in settings.items():
        if not any(chosen.get((k, e)) for k, e in cases if k == kind):
            options = ", ".join(f"{kind}.{o}" for o in wanted)
            raise ConfigError(f"No {kind} of {name!r} takes {options}; see `ganzoo list --options NAME` for a part's options.")
    table = Table(title=f"conformance of {name}")
    for column in ("kind", "name", "check", "result"):
        table.add_column(column, overflow="fold")
    failures = 0
    for info in broken:
        table.add_row("plugin", info.name, "loads and registers", f"[red]FAIL[/] {escape(info.error)}")
        failures += 1
    for info in registry.plugins:  # a clash costs names, not the plugin: shown, not counted as a failure
        if name in (info.name, info.distribution) and info.ok:
            for note in [*info.clashes, *info.replaced]:
                table.add_row("plugin", info.name, "names", f"[yellow]{escape(note)}[/]")
    for kind, entry in cases:
        options = chosen[(kind, entry)]
        label = entry + (" (" + ", ".join(f"{k}={v!r}" for k, v in options.items()) + ")" if options else "")
        for result in run_checks(kind, entry, registry, options):
            if result.skipped:
                shown = f"[yellow]{escape(result.detail)}[/]"
            else:
                shown = "[green]ok[/]" if result.ok else f"[red]FAIL[/] {escape(result.detail)}"
            table.add_row(kind, label, result.check, shown)
            failures += not result.ok
    out.print(table)
    checked = sum(1 for _ in cases)
    out.print(f"{checked} entries checked, {failures} failure(s)")
    if failures:
        raise typer.Exit(1)
