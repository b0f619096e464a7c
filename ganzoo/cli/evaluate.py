"""``ganzoo eval``: metrics of a trained run, with their protocol."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer
from rich.table import Table

from ganzoo.cli.app import app, err, guarded, out
from ganzoo.cli.sample import SOURCE_HELP


#: How ``ganzoo eval`` names the coverage metrics: the legible count, then the papers' argmax protocol.
METRIC_LABELS = {
    "legible_fraction": "legible_fraction (classifier sure of every channel)",
    "legible_modes": "legible_modes (modes of legible samples)",
    "legible_kl": "legible_kl (KL from uniform, legible samples)",
    "legible_classes_covered": "legible_classes_covered (legible samples only)",
    "modes": "modes (argmax, the papers' protocol)",
    "kl": "kl (argmax, the papers' protocol)",
    "classes_covered": "classes_covered (argmax)",
}
#: Below this legible fraction the hint says the samples are mostly illegible (real test data: about 0.95 or more).
LOW_LEGIBLE = 0.5


def metrics_table(result, title: str) -> Table:
    """A rich table of the metric values (legible counts before the argmax ones), then the protocol."""
    table = Table(title=title)
    table.add_column("metric")
    table.add_column("value", justify="right")
    legible_first = sorted(result.metrics, key=lambda key: not key.startswith("legible_"))
    for key in legible_first:
        value = result.metrics[key]
        table.add_row(METRIC_LABELS.get(key, key), f"{value:.4f}" if isinstance(value, float) else str(value))
    table.add_section()
    for key, value in result.protocol.items():
        table.add_row(f"[dim]{key}[/]", f"[dim]{value}[/]")
    return table


def reading_hint(metrics: dict[str, Any]) -> str:
    """One line on how to read the numbers; names the signs of a collapsed or untrained generator."""
    signs = []
    legible = metrics.get("legible_fraction")
    if legible is not None and legible < LOW_LEGIBLE:
        signs.append(f"only {legible:.0%} of the samples legible (the classifier sure of every channel; real test data: 95 % or more)")
    covered, classes = metrics.get("legible_classes_covered", metrics.get("classes_covered")), metrics.get("num_classes")
    if covered is not None and classes and covered <= classes // 2:
        signs.append(f"classes covered {covered}/{classes}")
    modes, num_modes = metrics.get("legible_modes", metrics.get("modes")), metrics.get("num_modes")
    if modes is not None and num_modes and modes <= num_modes // 2:
        kl = metrics.get("legible_kl", metrics.get("kl"))
        signs.append(f"{'legible ' if 'legible_modes' in metrics else ''}modes captured {modes}/{num_modes} (KL {kl:.2f})")
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
        "How to read: lower FID, KID and KL are better; higher IS, precision, recall, legible fraction, classes covered and modes captured are better; "
        "the legible counts take only the samples the classifier is sure of, the argmax ones (the papers' protocol) every sample; "
        "compare only numbers with the same protocol (below the line)."
    )


@app.command("eval")
@guarded
def evaluate(
    source: str = typer.Argument(..., metavar="RUN_DIR|NAME", help=SOURCE_HELP),
    n: Optional[int] = typer.Option(
        None, "--n", "-n",
        help="Generated samples, and as many reference images (all of the split when it holds fewer). (default: the dataset's protocol: 26000 for stacked-mnist, else 10000)",
    ),  # fmt: skip
    metrics: str = typer.Option("fid,kid,is,prc", help="Comma-separated: fid, kid, is, prc (precision/recall)."),
    feature_extractor: Optional[str] = typer.Option(
        None, help="ganzoo-mnist, ganzoo-fashion-mnist, their -per-channel variants or inception-v3-compat. (default: the dataset's)"
    ),
    feature_weights: Optional[Path] = typer.Option(None, help="Weights file of the extractor (.safetensors or a plain .pth state dict; Inception: its torch hub file)."),
    split: str = typer.Option("test", help="Reference split of the model's dataset."),
    seed: int = typer.Option(0, help="Seed of the latents."),
    ema: bool = typer.Option(True, "--ema/--no-ema", help="Evaluate the EMA generator when the run has one."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON instead of a table."),
) -> None:
    """Compute FID, KID, IS, precision/recall and mode coverage of a run's newest checkpoint or a pretrained generator.

    On stacked-mnist it also counts the modes captured (of 1000) and their KL divergence from uniform: first over the
    legible samples only (the classifier sure of every channel), then by the papers' argmax protocol (every sample).
    A run's results are also appended to RUN_DIR/evaluations.jsonl."""
    from ganzoo.api.outputs import evaluate_and_record  # torch: imported only to evaluate

    options = dict(n=n, split=split, seed=seed, metrics=metrics, feature_extractor=feature_extractor, feature_weights=feature_weights)
    model, result = evaluate_and_record(source, ema=ema, progress=None if as_json else err, **options)
    record = result.to_json()
    if as_json:
        out.print_json(json.dumps(record))
    else:
        out.print(metrics_table(result, f"{source} at step {model.step}"))
        out.print(reading_hint(result.metrics), highlight=False, soft_wrap=True)
