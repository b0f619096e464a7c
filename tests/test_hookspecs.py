"""Meta-tests: every hookspec is documented, documented in the plugin guide, and exercised by a test."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from ganzoo import hookspecs

ROOT = Path(__file__).resolve().parent.parent
HOOKS = [name for name, value in vars(hookspecs).items() if name.startswith("ganzoo_") and inspect.isfunction(value)]


def test_there_are_hooks():
    assert "ganzoo_register" in HOOKS


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_a_docstring_and_a_row_in_the_plugin_guide(hook):
    assert (getattr(hookspecs, hook).__doc__ or "").strip(), f"{hook} has no docstring"
    assert f"| `{hook}(" in (ROOT / "docs" / "plugins.md").read_text(), f"docs/plugins.md has no row for {hook}"


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_implemented_in_a_test(hook):
    this = Path(__file__).resolve()
    users = [p for p in (ROOT / "tests").rglob("test_*.py") if p != this and f"def {hook}(" in p.read_text()]
    assert users, f"no test implements {hook}"
