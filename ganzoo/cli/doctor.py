"""``ganzoo doctor RUN``: the training-health episodes of a run (collapse, divergence, an overfitting D)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from ganzoo.cli.app import app, guarded, out


@app.command()
@guarded
def doctor(
    run: Path = typer.Argument(..., help="A run directory, finished or still training."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Replay a run's metrics.jsonl through the health rules and report each episode of collapse, divergence
    or D overfitting: the steps it lasted, what was seen and a suggested remedy (the warnings the training printed).
    Example: [bold]ganzoo doctor runs/lsgan-stacked-mnist[/]
    """
    from ganzoo.api.doctor import doctor as diagnose_run

    report = diagnose_run(run)
    if as_json:
        out.print_json(json.dumps(report.to_dict()))
        return
    for line in report.lines():
        out.print(line, highlight=False, soft_wrap=True, markup=False)
