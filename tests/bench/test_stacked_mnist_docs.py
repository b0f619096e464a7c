"""The Mode collapse page's tables are the committed Stacked-MNIST results, number for number."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "mode-collapse.md"
RESULTS = REPO / "benchmarks" / "results" / "stacked_mnist.json"


def _cell(summary: dict | None, digits: int) -> str:
    if summary is None:
        return "–"
    return f"{summary['mean']:.{digits}f} ± {summary['std']:.{digits}f}" if summary["n"] > 1 else f"{summary['mean']:.{digits}f}"


def _section(name: str) -> list[list[str]]:
    text = PAGE.read_text()
    match = re.search(rf"<!-- stacked-mnist: {re.escape(name)}[^>]*-->\n(.*?)<!-- /stacked-mnist -->", text, re.S)
    assert match, f"docs/mode-collapse.md lost its '{name}' table markers"
    rows = [line for line in match.group(1).splitlines() if line.startswith("| ") and not line.startswith("| recipe")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in rows]


COLLAPSING = REPO / "benchmarks" / "results" / "stacked_mnist_sngan.json"


@pytest.mark.parametrize(
    "section, results, keys",
    [("every recipe", RESULTS, ("recipes",)), ("remedies", RESULTS, ("remedies",)), ("collapsing", COLLAPSING, ("recipes", "remedies"))],
)
def test_the_page_shows_the_committed_numbers(section, results, keys):
    data = json.loads(results.read_text())
    rows = [r for key in keys for r in data[key]]
    expected = [[r["recipe"], _cell(r.get("modes"), 1), _cell(r.get("kl"), 3), _cell(r.get("fid"), 1), str(len(r["seeds"]))] for r in rows]
    shown = [row[:5] for row in _section(section)]
    assert shown == expected


def test_the_legible_table_shows_every_committed_configuration():
    """Each configuration of ``stacked_mnist_dcgan.json`` appears in the page's legible table with its mean legible
    fraction and legible modes (at 0.9), as the benchmark counted them."""
    data = json.loads((REPO / "benchmarks" / "results" / "stacked_mnist_dcgan.json").read_text())
    text = PAGE.read_text()
    table = text[text.index("## Counted legibly") : text.index("## Every recipe at 1000 steps")]
    rows = [line.replace("**", "") for line in table.splitlines() if line.startswith("| ")]
    for config in {c["config"] for c in data["cells"]}:
        cells = [c["legible"]["0.9"] for c in data["cells"] if c["config"] == config]
        fraction = f"{sum(c['fraction'] for c in cells) / len(cells):.3f}"
        modes = f"{sum(c['modes'] for c in cells) / len(cells):.0f}"
        assert any(f"| {fraction}" in row and f"| {modes}" in row for row in rows), f"{config}: {fraction} legible, {modes} modes not in the table"
