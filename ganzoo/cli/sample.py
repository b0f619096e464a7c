"""``ganzoo sample``: draw images from a trained run into a PNG grid or a safetensors file."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ganzoo.cli.app import app, guarded, out

SOURCE_HELP = "A run directory written by `ganzoo train`, or a pretrained generator's name (`ganzoo list pretrained`)."


@app.command()
@guarded
def sample(
    source: str = typer.Argument(..., metavar="RUN_DIR|NAME", help=SOURCE_HELP),
    out_file: Optional[Path] = typer.Option(
        None, "--out", "-o",
        help="Output file: .png writes a grid; .safetensors writes 'images' (uint8 NxCxHxW) and 'labels' "
        "(int64 N, -1 when unconditional). (default: RUN_DIR/samples/sample-stepSTEP-seedSEED.png; "
        "for a pretrained NAME, NAME-seedSEED.png here)",
    ),  # fmt: skip
    n: int = typer.Option(64, "--n", "-n", help="Number of images."),
    seed: int = typer.Option(0, help="Seed of the latents."),
    class_: Optional[int] = typer.Option(None, "--class", help="Draw only this class (conditional models only)."),
    ema: bool = typer.Option(True, "--ema/--no-ema", help="Use the EMA generator when the run has one."),
) -> None:
    """Draw N images from a run's newest checkpoint or from a pretrained generator."""
    from ganzoo.api.outputs import sample_to_file  # torch: imported here, not at start-up (`ganzoo --help` stays fast)

    drawn = sample_to_file(source, out_file, n=n, seed=seed, label=class_, ema=ema)
    ema_note = " (EMA)" if drawn.ema else ""
    out.print(f"wrote {drawn.count} images from {source} at step {drawn.step}{ema_note} to {drawn.path}", highlight=False, soft_wrap=True)
