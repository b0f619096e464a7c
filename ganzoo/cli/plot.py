"""``ganzoo plot``: loss curves and quality over steps of one or several runs, in one PNG."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ganzoo.cli.app import app, guarded, out


@app.command()
@guarded
def plot(
    runs: list[Path] = typer.Argument(..., help="Run directories to draw (one or several)."),
    out_file: Path = typer.Option(Path("curves.png"), "--out", "-o", help="PNG file to write."),
    title: Optional[str] = typer.Option(None, "--title", help="A title above the panels."),
) -> None:
    """Draw the loss curves of runs and, when they evaluated during training (--eval-every), FID, KID, classes covered
    and conditional accuracy over steps: one panel each, one colour per run. Needs matplotlib: pip install 'ganzoo[plot]'.
    Example: [bold]ganzoo plot runs/dcgan-mnist runs/lsgan-mnist --out compare.png[/]
    """
    from ganzoo.api.plotting import plot_runs

    path = plot_runs(runs, out_file, title=title)
    out.print(f"wrote {path} ({len(runs)} run{'s' if len(runs) > 1 else ''})", highlight=False)
