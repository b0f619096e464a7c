"""``ganzoo sample``: draw images from a trained run into a PNG grid or a safetensors file."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ganzoo.cli.app import app, guarded, out
from ganzoo.cli.runs import require_run_dir
from ganzoo.discovery import get_registry
from ganzoo.errors import ConfigError
from ganzoo.train.atomic import write_atomically


@app.command()
@guarded
def sample(
    run_dir: Path = typer.Argument(..., help="A run directory written by `ganzoo train`."),
    out_file: Optional[Path] = typer.Option(
        None, "--out", "-o",
        help="Output file: .png writes a grid; .safetensors writes 'images' (uint8 NxCxHxW) and 'labels' "
        "(int64 N, -1 when unconditional). (default: RUN_DIR/samples/sample-stepSTEP-seedSEED.png)",
    ),  # fmt: skip
    n: int = typer.Option(64, "--n", "-n", help="Number of images."),
    seed: int = typer.Option(0, help="Seed of the latents."),
    class_: Optional[int] = typer.Option(None, "--class", help="Draw only this class (conditional runs only)."),
    ema: bool = typer.Option(True, "--ema/--no-ema", help="Use the EMA generator when the run has one."),
) -> None:
    """Draw N images from a run's newest checkpoint."""
    import torch  # imported here, not at start-up: `ganzoo --help` stays fast
    from safetensors.torch import save_file

    from ganzoo.train.images import save_grid
    from ganzoo.train.run_dir import SAMPLES_DIR
    from ganzoo.train.sampling import grid_rows, load_generator, sample_images

    suffix = out_file.suffix.lower() if out_file is not None else ".png"
    if suffix not in (".png", ".safetensors"):
        raise ConfigError(f"--out must end in .png or .safetensors; got {out_file.name!r}.")
    if n <= 0:
        raise ConfigError(f"--n must be a positive whole number; got {n}.")
    generator, config, shapes, step, is_ema = load_generator(require_run_dir(run_dir), get_registry(), use_ema=ema)
    if out_file is None:
        suffix_class = "" if class_ is None else f"-class{class_}"
        out_file = run_dir / SAMPLES_DIR / f"sample-step{step:07d}-seed{seed}{suffix_class}.png"
    labels = None
    if class_ is not None:
        if shapes.num_classes == 0:
            raise ConfigError(f"--class needs a conditional run, but {run_dir} ({config.recipe or 'custom'} on {config.dataset}) is unconditional.")
        if not 0 <= class_ < shapes.num_classes:
            raise ConfigError(f"--class must be between 0 and {shapes.num_classes - 1} for {config.dataset}; got {class_}.")
        labels = torch.full((n,), class_, dtype=torch.long)
    elif shapes.num_classes:
        labels = torch.arange(n) % shapes.num_classes
        if suffix == ".png":  # one row per class
            labels = torch.arange(shapes.num_classes).repeat_interleave(max(1, n // shapes.num_classes))
    images = sample_images(generator, len(labels) if labels is not None else n, seed=seed, labels=labels)
    if suffix == ".png":
        save_grid(images, out_file, nrow=grid_rows(shapes.num_classes if class_ is None else 0, len(images)))
    else:
        stored = labels if labels is not None else torch.full((len(images),), -1, dtype=torch.long)
        metadata = {"run": str(run_dir), "step": str(step), "ema": str(is_ema), "seed": str(seed)}
        write_atomically(out_file, lambda tmp: save_file({"images": images.contiguous(), "labels": stored.contiguous()}, str(tmp), metadata=metadata))
    ema_note = " (EMA)" if is_ema else ""
    out.print(f"wrote {len(images)} images from step {step}{ema_note} to {out_file}", highlight=False, soft_wrap=True)
