"""``ganzoo extractor train``: a domain extractor for a labelled dataset, so that ``ganzoo eval`` works offline on it."""

from __future__ import annotations

import json

import typer

from ganzoo.cli.app import app, guarded, out

extractor_app = typer.Typer(help="Domain feature extractors trained on your own labelled data (for `ganzoo eval`).", no_args_is_help=True)
app.add_typer(extractor_app, name="extractor")


@extractor_app.command("train")
@guarded
def train(
    data: str = typer.Option(..., "--data", help="A labelled dataset: folder:PATH (one sub-folder per class) or a registered name."),
    seconds: float = typer.Option(120.0, help="Wall-time budget of the training in seconds (whole epochs, at least one)."),
    max_epochs: int = typer.Option(30, help="Stop after this many epochs even within the budget."),
    seed: int = typer.Option(0, help="Seed of the weights and the batch order."),
    as_json: bool = typer.Option(False, "--json", help="Print the record as JSON."),
) -> None:
    """Train a small classifier on the data's train split, report its held-out accuracy, and store it keyed by
    the data's content; `ganzoo eval` then uses it for that data (FD, KID, precision/recall in its features,
    class coverage and conditional accuracy in your classes). Example: [bold]ganzoo extractor train --data folder:emoji[/]"""
    from ganzoo.api.extractor import train_extractor  # torch: imported only to train

    record = train_extractor(data, seconds=seconds, max_epochs=max_epochs, seed=seed)
    if as_json:
        out.print_json(json.dumps(record))
        return
    out.print(
        f"trained domain extractor for {record['dataset']}: held-out accuracy {record['test_accuracy']:.3f} "
        f"(chance {record['chance_accuracy']:.3f}) on {record['test_images']} images, {record['num_classes']} classes, "
        f"{record['epochs']} epochs in {record['train_seconds']} s; weights {record['path']} (sha256 {record['weights_sha256'][:12]})",
        highlight=False, soft_wrap=True, markup=False,
    )  # fmt: skip
