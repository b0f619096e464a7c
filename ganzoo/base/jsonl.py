"""The one reader of JSON-lines files: ``metrics.jsonl``, ``evaluations.jsonl`` and benchmark results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ganzoo.errors import RunError


def read_jsonl(path: str | Path, *, missing_ok: bool = False) -> list[dict[str, Any]]:
    """The JSON objects of ``path``, one per non-blank line, in file order.

    A missing file is ``[]`` when ``missing_ok``; a line that is not JSON is a :class:`RunError`
    naming the file and the line (a file cut short by a crash is then found, not half-read).
    """
    path = Path(path)
    if missing_ok and not path.exists():
        return []
    records = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as error:
            raise RunError(f"{path}:{number} is not a JSON line ({error.msg}); fix or remove that line.") from error
    return records
