"""Finding the run directory a command names, and the runs nearby when it is not there."""

from __future__ import annotations

import difflib
from pathlib import Path

from ganzoo.base.layout import CHECKPOINT_DIR, PROFILE_FILE, SAMPLES_DIR, is_run
from ganzoo.errors import RunError

__all__ = ["CHECKPOINT_DIR", "PROFILE_FILE", "RUNS_DIR", "SAMPLES_DIR", "is_run", "require_run_dir", "runs_near"]

RUNS_DIR = Path("runs")  # where `ganzoo train` puts runs by default


def runs_near(path: Path, limit: int = 5) -> list[Path]:
    """Runs beside ``path`` (in its parent folder, else in ./runs), closest names first."""
    path = Path(path)
    for folder in (path.parent, RUNS_DIR):
        if folder.is_dir():
            runs = sorted(p for p in folder.iterdir() if is_run(p))
            if runs:
                break
    else:
        return []
    close = difflib.get_close_matches(path.name, [p.name for p in runs], n=limit, cutoff=0.5)
    ordered = [folder / name for name in close] + [p for p in runs if p.name not in close]
    return ordered[:limit]


def require_run_dir(path: Path) -> Path:
    """``path`` when it is an existing directory; else a RunError that names the runs nearby."""
    path = Path(path)
    if path.is_dir():
        return path
    nearby = runs_near(path)
    if nearby:
        hint = f" Runs nearby: {', '.join(str(p) for p in nearby)}."
    else:
        hint = " Train one with `ganzoo train RECIPE --data NAME`."
    if nearby and difflib.get_close_matches(path.name, [nearby[0].name], n=1, cutoff=0.5):
        hint = f" Did you mean {nearby[0]}?" + hint
    raise RunError(f"The run directory {path} does not exist.{hint}")
