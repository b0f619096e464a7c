"""docs/cli.md's table of ``ganzoo train``'s options, generated from the command itself.

Run ``python -m ganzoo.cli.options_doc`` after adding or changing an option to rewrite the
table between the markers; tests/cli/test_options.py fails while it is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ganzoo.options import resumable_options, option_named

if TYPE_CHECKING:  # typer's own copy of click (typer >= 0.24), or click for an older typer
    from ganzoo.cli.app import _click as click

DOCS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
TABLE_START, TABLE_END = "<!-- train-options:start -->", "<!-- train-options:end -->"


def _flags(param: click.Parameter) -> str:
    if param.param_type_name == "argument":
        return f"`{param.name.upper()}`"
    if param.secondary_opts:  # --x/--no-x
        return f"`{param.opts[0]}` / `{param.secondary_opts[0]}`"
    return ", ".join(f"`{n}`" for n in sorted(param.opts, key=lambda n: not n.startswith("--")))


def options_table(command: click.Command) -> str:
    """The Markdown table of a click command's parameters, grouped under their help headings."""
    groups: dict[str, list[str]] = {}
    for param in command.params:
        if param.name == "help":
            continue
        text = (getattr(param, "help", None) or "").replace("|", "\\|").replace("\n", " ")
        text += " Required." if param.required else ""
        group = getattr(param, "rich_help_panel", None) or (
            "Arguments" if param.param_type_name == "argument" else "Options"
        )
        groups.setdefault(group, []).append(f"| {_flags(param)} | {text} |")
    lines = []
    for group, rows in groups.items():
        lines += [f"**{group}**", "", "| option | meaning |", "|---|---|", *rows, ""]
    return "\n".join(lines).rstrip() + "\n"


def resumable_sentence() -> str:
    """Which flags may change on ``--resume``."""
    flags = ", ".join(f"`{option_named(name).flag.split('/')[0]}`" for name in resumable_options())
    return (
        f"On `--resume`, only {flags} may differ from the run's configuration; every other option, and every part "
        "option, defines the run (its checkpoints record them), and a change is refused with exit code 2.\n"
    )


def train_options_table() -> str:
    """The table of ``ganzoo train``'s options as docs/cli.md holds it."""
    from ganzoo.cli import app

    group = typer.main.get_command(app)
    return options_table(group.commands["train"]) + "\n" + resumable_sentence()  # type: ignore[attr-defined]


def page_with_table(page: str, table: str) -> str:
    """``page`` with the text between the table markers replaced by ``table``."""
    start, end = page.index(TABLE_START) + len(TABLE_START), page.index(TABLE_END)
    return page[:start] + "\n" + table + page[end:]


def main() -> int:
    """Rewrite the options table of docs/cli.md from the code."""
    page = DOCS_PAGE.read_text()
    updated = page_with_table(page, train_options_table())
    if updated != page:
        DOCS_PAGE.write_text(updated)
        print(f"updated {DOCS_PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
