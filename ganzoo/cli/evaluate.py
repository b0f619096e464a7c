"""``ganzoo eval``: metrics of a trained run, with their protocol."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer
from rich.table import Table

from ganzoo.cli.app import app, err, guarded, out
from ganzoo.cli.runs import require_run_dir
from ganzoo.discovery import get_registry
from ganzoo.train.atomic import write_atomically

EVALUATIONS_FILE = "evaluations.jsonl"


def metrics_table(result, title: str) -> Table:
    """A rich table of the metric values, then the protocol."""
    table = Table(title=title)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in result.metrics.items():
        table.add_row(key, f"{value:.4f}" if isinstance(value, float) else str(value))
    table.add_section()
    for key, value in result.protocol.items():
        table.add_row(f"[dim]{key}[/]", f"[dim]{value}[/]")
    return table


def reading_hint(metrics: dict[str, Any]) -> str:
    """One line on how to read the numbers; names the signs of a collapsed or untrained generator."""
    signs = []
    covered, classes = metrics.get("classes_covered"), metrics.get("num_classes")
    if covered is not None and classes and covered <= classes // 2:
        signs.append(f"classes covered {covered}/{classes}")
    if "is" in metrics and metrics["is"] < 1.5:
        signs.append(f"IS {metrics['is']:.2f} (1 = every sample looks alike)")
    if "precision" in metrics and "recall" in metrics and max(metrics["precision"], metrics["recall"]) < 0.05:
        signs.append("precision and recall near 0")
    if signs:
        return (
            f"How to read: {', '.join(signs)}: the samples have collapsed to a few modes or do not look like "
            "the data yet, as usual after a short run; train longer (more --steps) before comparing FIDs."
        )
    return (
        "How to read: lower FID and KID are better; higher IS, precision, recall and classes covered are better; "
        "compare only numbers with the same protocol (below the line)."
    )


@app.command("eval")
@guarded
def evaluate(
    run_dir: Path = typer.Argument(..., help="A run directory written by `ganzoo train`."),
    n: int = typer.Option(
        10000, "--n", "-n",
        help="Generated samples, and as many reference images (all of the split when it holds fewer).",
    ),  # fmt: skip
    metrics: str = typer.Option("fid,kid,is,prc", help="Comma-separated: fid, kid, is, prc (precision/recall)."),
    feature_extractor: Optional[str] = typer.Option(None, help="ganzoo-mnist, ganzoo-fashion-mnist or inception-v3-compat. (default: the dataset's)"),
    feature_weights: Optional[Path] = typer.Option(None, help="Weights file of the extractor (.safetensors or a plain .pth state dict; Inception: its torch hub file)."),
    split: str = typer.Option("test", help="Reference split of the run's dataset."),
    seed: int = typer.Option(0, help="Seed of the latents."),
    ema: bool = typer.Option(True, "--ema/--no-ema", help="Evaluate the EMA generator when the run has one."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON instead of a table."),
) -> None:
    """Compute FID, KID, IS, precision/recall and mode coverage of a run's newest checkpoint."""
    from ganzoo.evaluate import evaluate_run
    from ganzoo.evaluate.metrics import parse_metrics
    from ganzoo.train.checkpoint import latest_valid_checkpoint, list_checkpoints
    from ganzoo.train.progress import Heartbeat
    from ganzoo.train.run_dir import open_existing_run

    chosen = parse_metrics(metrics)
    open_existing_run(require_run_dir(run_dir))  # bad input fails here, before "evaluating ..." is printed
    if not list_checkpoints(run_dir):
        latest_valid_checkpoint(run_dir)  # raises the CheckpointError that says so
    with Heartbeat(f"evaluating {run_dir} on {n} samples", console=err, enabled=not as_json):
        result, step = evaluate_run(
            run_dir, get_registry(), n=n, n_real=n, split=split, use_ema=ema, seed=seed, metrics=chosen,
            feature_extractor=feature_extractor, feature_weights=feature_weights,
        )  # fmt: skip
    record = result.to_json()
    log = Path(run_dir) / EVALUATIONS_FILE
    previous = log.read_text() if log.exists() else ""
    write_atomically(log, lambda tmp: tmp.write_text(previous + json.dumps(record) + "\n"))
    if as_json:
        out.print_json(json.dumps(record))
    else:
        out.print(metrics_table(result, f"{run_dir} at step {step}"))
        out.print(reading_hint(result.metrics), highlight=False, soft_wrap=True)
