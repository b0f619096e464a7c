"""``ganzoo train``: train a recipe, or any generator x discriminator x loss trio."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer

from ganzoo.api.runs import CHECKPOINT_DIR, PROFILE_FILE, SAMPLES_DIR
from ganzoo.cli.app import EXIT_INTERRUPTED, app, err, guarded, out
from ganzoo.cli.train_options import given_options, with_training_options
from ganzoo.options import RUN

if TYPE_CHECKING:
    from ganzoo.api.training import Trainer

PARTS_PANEL = "Data and parts"  # the help heading of the data, the parts and their options


def _install_stop_handlers(trainer: Trainer) -> dict:
    """Ctrl-C / SIGTERM stop after the current step with a checkpoint; returns the old handlers."""

    def stop(signum, frame):
        if trainer.stop_requested:  # a second Ctrl-C stops at once
            raise KeyboardInterrupt
        err.print("[yellow]stopping after this step and writing a checkpoint (Ctrl-C again to stop at once)[/]")
        trainer.request_stop()

    return {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}


def _print_profile(run_dir: Path) -> None:
    from rich.table import Table

    profile = json.loads((run_dir / PROFILE_FILE).read_text())
    table = Table(title=f"where a step's time goes ({profile['steps']} steps on {profile['device']})")
    for column in ("section", "ms / step", "share"):
        table.add_column(column, justify="right" if column != "section" else "left")
    for name, row in profile["sections"].items():
        table.add_row(name, f"{row['ms_per_step']:.2f}", f"{100 * row['share']:.1f}%")
    out.print(table)


@app.command()
@guarded
@with_training_options
def train(
    recipe: Optional[str] = typer.Argument(
        None,
        help="Recipe to train (see `ganzoo list recipes`), or a recipe file ending in .toml (see docs/cli.md); "
        "optional when --generator, --discriminator and --loss are all given.",
    ),
    data: str = typer.Option(
        ..., "--data", "-d", help="Dataset name (see `ganzoo list datasets`).", rich_help_panel=PARTS_PANEL
    ),
    generator: Optional[str] = typer.Option(
        None, help="Generator name; overrides the recipe's.", rich_help_panel=PARTS_PANEL
    ),
    discriminator: Optional[str] = typer.Option(
        None, help="Discriminator name; overrides the recipe's.", rich_help_panel=PARTS_PANEL
    ),
    loss: Optional[str] = typer.Option(
        None, help="Loss name; overrides the recipe's. LOSS+REGULARIZER adds a regulariser, e.g. bce+r1.", rich_help_panel=PARTS_PANEL
    ),
    set_: Optional[list[str]] = typer.Option(
        None, "--set", metavar="PART.OPTION=VALUE", rich_help_panel=PARTS_PANEL,
        help="Set an option of a part's factory, e.g. --set loss.gp_weight=5 --set generator.width=32 "
        "(repeatable; PART is generator, discriminator, loss or augment (with --augment); VALUE is read as TOML: 5, 0.5, true, [64, 32], "
        "else as text). See `ganzoo list --options NAME`.",
    ),  # fmt: skip
    out_dir: Optional[Path] = typer.Option(
        None, "--out", "-o", help="Run directory. (default: runs/RECIPE-DATA, numbered if taken)", rich_help_panel=RUN
    ),
    resume: bool = typer.Option(
        False, "--resume", help="Continue the run in --out from its newest intact checkpoint.", rich_help_panel=RUN
    ),
    overwrite: bool = typer.Option(
        False, "--overwrite", help="Replace the run in --out instead of refusing (its config, metrics, grids, checkpoints, trackers' files, profile and evaluations are deleted first).", rich_help_panel=RUN
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Print the resolved configuration as JSON and exit.", rich_help_panel=RUN
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar.", rich_help_panel=RUN),
    **options: Any,
) -> None:
    """Train a GAN. Example: [bold]ganzoo train vanilla --data mnist[/]."""
    from ganzoo.api.training import check_run_request, configure, prepare, run_name  # torch: imported only to train

    check_run_request(out_dir, resume, overwrite)
    config = configure(
        recipe, data=data, resume_from=out_dir if resume else None, part_options=set_ or [],
        generator=generator, discriminator=discriminator, loss=loss, **given_options(options),
    )  # fmt: skip
    if dry_run:
        out.print_json(json.dumps(config.to_dict()))
        return
    trainer = prepare(config, out=out_dir, resume=resume, overwrite=overwrite, progress=not quiet)
    run_dir = trainer.run_dir
    previous_handlers = _install_stop_handlers(trainer)
    main = trainer.strategy.is_main
    action = f"resuming at step {trainer.step}" if resume else "training"
    if trainer.strategy.world_size > 1:
        action += f" on {trainer.strategy.world_size} processes"
    if main:
        parts = f"{config.generator} x {config.discriminator} x {config.loss}"
        err.print(f"{action} [bold]{run_name(config)}[/] ({parts}) on [bold]{data}[/] -> {run_dir}", highlight=False)
    try:
        result = trainer.fit()
    finally:
        for sig, handler in previous_handlers.items():
            signal.signal(sig, handler)
    if main and config.profile:
        _print_profile(run_dir)
    if main:
        summary = f"{result.summary()} Samples: {run_dir / SAMPLES_DIR}  checkpoints: {run_dir / CHECKPOINT_DIR}"
        out.print(summary, highlight=False, soft_wrap=True)
    if result.interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)  # after the checkpoint: 130, as documented in docs/cli.md
