"""The colour page's 15-minute comparisons are committed emoji benchmark records, number for number."""

from __future__ import annotations

import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "colour.md"
RECORDS = sorted((REPO / "benchmarks" / "results").glob("emoji*.json"))


def _comparison_tables() -> list[list[dict[str, str]]]:
    """Every table of the page whose header starts ``| run | steps |``, as rows of header -> cell."""
    tables, header, rows = [], None, []
    for line in [*PAGE.read_text().splitlines(), ""]:
        cells = [cell.strip().strip("*") for cell in line.strip().strip("|").split("|")] if line.startswith("|") else None  # bold or not
        if cells and cells[:2] == ["run", "steps"]:
            header, rows = cells, []
        elif cells and header and not set(line) <= set("|- "):
            rows.append(dict(zip(header, cells)))
        elif not cells and header:
            tables.append(rows)
            header = None
    return tables


def _recorded() -> set[tuple[str, str, str | None]]:
    """(steps, FD, images/s) of every trained cell of the committed records, formatted as the page writes them."""
    found = set()
    for path in RECORDS:
        for row in json.loads(path.read_text()).get("rows", []):
            if row.get("kind") in ("cell", "plain") and row.get("fid") is not None:
                found.add((str(row["steps"]), f"{row['fid']:.1f}", f"{row['images_per_s']:.1f}"))
                found.add((str(row["steps"]), f"{row['fid']:.1f}", None))
    return found


def test_the_page_has_its_comparisons():
    tables = _comparison_tables()
    assert len(tables) >= 3 and all(len(rows) >= 3 for rows in tables)


def test_every_compared_run_is_a_committed_record():
    recorded = _recorded()
    for rows in _comparison_tables():
        for row in rows:
            key = (row["steps"], row["FD"], row.get("images/s"))
            assert key in recorded, f"docs/colour.md shows {row['run']!r} at {key}, which no benchmarks/results/emoji*.json row holds"
