"""The docs stay true to the CLI: every command and option in --help is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ganzoo.cli import app

DOCS = Path(__file__).resolve().parent.parent / "docs"
COMMANDS = ["train", "sample", "eval", "bench", "leaderboard", "plot", "doctor", "list", "plugins", "plugins check", "extractor train"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_of_a_command_is_in_the_cli_reference(command):
    reference = (DOCS / "cli.md").read_text()
    assert f"## `ganzoo {command}" in reference
    result = CliRunner().invoke(app, [*command.split(), "--help"], terminal_width=200)
    options = set(re.findall(r"(--[a-z][a-z0-9-]+)", result.output)) - {"--help"}
    missing = sorted(o for o in options if f"`{o}`" not in reference)
    assert not missing, f"docs/cli.md does not document {missing} of `ganzoo {command}`"


def test_every_docs_page_is_in_the_mkdocs_nav():
    nav = (DOCS.parent / "mkdocs.yml").read_text()
    pages = sorted(p.name for p in DOCS.glob("*.md"))
    assert pages and all(page in nav for page in pages), "a page in docs/ is missing from mkdocs.yml's nav"
