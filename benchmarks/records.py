"""What every benchmark script records alongside its results: the command, and merged rows."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Hashable
from pathlib import Path


def invocation() -> str:
    """The running command as results files record it: ``python benchmarks/NAME.py ARGS``."""
    return " ".join(["python", f"benchmarks/{Path(sys.argv[0]).name}", *sys.argv[1:]])


def merged_rows(path: Path, rows: list[dict], key: Callable[[dict], Hashable]) -> list[dict]:
    """The rows of the results file ``path`` that ``rows`` do not redo (same ``key``), then ``rows``."""
    if not path.exists():
        return list(rows)
    redone = {key(row) for row in rows}
    return [row for row in json.loads(path.read_text())["rows"] if key(row) not in redone] + rows
