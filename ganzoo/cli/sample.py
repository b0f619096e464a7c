"""``ganzoo sample``: draw images from a trained run into a PNG grid or a safetensors file."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ganzoo.base.atomic import write_atomically
from ganzoo.cli.app import app, guarded, out
from ganzoo.errors import ConfigError

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
    import torch  # imported here, not at start-up: `ganzoo --help` stays fast
    from safetensors.torch import save_file

    from ganzoo.api.model import load
    from ganzoo.train.images import save_grid
    from ganzoo.base.layout import SAMPLES_DIR, drawn_sample_name

    suffix = out_file.suffix.lower() if out_file is not None else ".png"
    if suffix not in (".png", ".safetensors"):
        raise ConfigError(f"--out must end in .png or .safetensors; got {out_file.name!r}.")
    if n <= 0:
        raise ConfigError(f"--n must be a positive whole number; got {n}.")
    model = load(source, ema=ema)
    if class_ is not None and not model.num_classes:
        raise ConfigError(f"--class needs a conditional run or model, but {source} ({model.config.recipe or 'custom'} on {model.dataset}) is unconditional.")
    if class_ is not None and not 0 <= class_ < model.num_classes:
        raise ConfigError(f"--class must be between 0 and {model.num_classes - 1} for {model.dataset}; got {class_}.")
    suffix_class = "" if class_ is None else f"-class{class_}"
    if out_file is None and model.card is None:
        out_file = Path(source) / SAMPLES_DIR / drawn_sample_name(model.step, seed, class_)
    elif out_file is None:
        out_file = Path(f"{source}-seed{seed}{suffix_class}.png")
    if suffix == ".png":
        images, nrow = model.grid_images(n, seed=seed, label=class_)
        save_grid(images, out_file, nrow=nrow)
    else:
        labels = model.labels_for(n, class_)
        images = model.generate(n, seed=seed, labels=labels)
        stored = labels if labels is not None else torch.full((len(images),), -1, dtype=torch.long)
        metadata = {"source": source, "step": str(model.step), "ema": str(model.ema), "seed": str(seed)}
        write_atomically(out_file, lambda tmp: save_file({"images": images.contiguous(), "labels": stored.contiguous()}, str(tmp), metadata=metadata))
    ema_note = " (EMA)" if model.ema else ""
    out.print(f"wrote {len(images)} images from {source} at step {model.step}{ema_note} to {out_file}", highlight=False, soft_wrap=True)
