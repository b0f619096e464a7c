"""``ganzoo train``: train a recipe, or any generator x discriminator x loss trio."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer

from ganzoo.cli.app import EXIT_INTERRUPTED, app, err, guarded, out
from ganzoo.cli.runs import RUNS_DIR, require_run_dir
from ganzoo.cli.train_options import given_options, with_training_options
from ganzoo.discovery import get_registry
from ganzoo.errors import ConfigError
from ganzoo.options import RUN, option_named, resumable_options
from ganzoo.train.config import TrainConfig, replace, resolve_config, validate_config
from ganzoo.train.part_options import parse_assignments
from ganzoo.train.recipe_file import is_recipe_file, load_recipe_file, read_recipe_file

if TYPE_CHECKING:
    from ganzoo.train.trainer import Trainer

#: What may change when a run is resumed (the rest defines the run and must stay the same).
RESUMABLE_CHANGES = resumable_options()
PARTS = "Data and parts"  # the help heading of the data, the parts and their options


def _label(key: str) -> str:
    try:
        return option_named(key).label
    except KeyError:
        return f"--{key.replace('_', '-')}"


def _resumed_config(saved: TrainConfig, given: dict, sets: dict[str, dict]) -> TrainConfig:
    given = dict(given)
    for part, options in sets.items():
        given[f"{part}_options"] = {**getattr(saved, f"{part}_options"), **options}
    changes = {}
    for key, value in given.items():
        if value is None or getattr(saved, key) == value:
            continue
        if key not in RESUMABLE_CHANGES:
            raise ConfigError(
                f"{_label(key)} cannot change when resuming (the run was trained with {getattr(saved, key)!r}). "
                f"Only {', '.join(_label(k) for k in RESUMABLE_CHANGES)} may change; start a new run for the rest."
            )
        changes[key] = value
    return replace(saved, **changes)


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

    from ganzoo.train.trainer import PROFILE_FILE

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
        ..., "--data", "-d", help="Dataset name (see `ganzoo list datasets`).", rich_help_panel=PARTS
    ),
    generator: Optional[str] = typer.Option(
        None, help="Generator name; overrides the recipe's.", rich_help_panel=PARTS
    ),
    discriminator: Optional[str] = typer.Option(
        None, help="Discriminator name; overrides the recipe's.", rich_help_panel=PARTS
    ),
    loss: Optional[str] = typer.Option(
        None, help="Loss name; overrides the recipe's. LOSS+REGULARIZER adds a regulariser, e.g. bce+r1.", rich_help_panel=PARTS
    ),
    set_: Optional[list[str]] = typer.Option(
        None, "--set", metavar="PART.OPTION=VALUE", rich_help_panel=PARTS,
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
        False, "--overwrite", help="Replace the run in --out instead of refusing.", rich_help_panel=RUN
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Print the resolved configuration as JSON and exit.", rich_help_panel=RUN
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar.", rich_help_panel=RUN),
    **options: Any,
) -> None:
    """Train a GAN. Example: [bold]ganzoo train vanilla --data mnist[/]."""
    from ganzoo.train.run_dir import default_run_dir, open_existing_run  # torch: imported only to train
    from ganzoo.train.strategy import launched_by_torchrun
    from ganzoo.train.trainer import Trainer

    registry = get_registry()
    given = dict(generator=generator, discriminator=discriminator, loss=loss, **given_options(options))
    sets = parse_assignments(set_ or [])
    from_file = is_recipe_file(recipe)
    if resume and overwrite:
        raise ConfigError("--resume and --overwrite contradict each other: --resume continues the run in --out, --overwrite replaces it. Pass one.")
    if resume:
        if out_dir is None:
            raise ConfigError("--resume needs --out RUN_DIR: the run to continue.")
        saved = open_existing_run(require_run_dir(out_dir))
        if data != saved.dataset or (recipe is not None and not from_file and recipe != saved.recipe):
            raise ConfigError(f"{out_dir} is a run of recipe {saved.recipe!r} on {saved.dataset!r}; resume it with the same recipe and --data (or omit the recipe).")
        if from_file:  # what the file sets counts as given, under the flags given
            given = {**read_recipe_file(registry, recipe)[1], **{k: v for k, v in given.items() if v is not None}}
        config = _resumed_config(saved, given, sets)
        validate_config(registry, config)
    elif from_file:
        file_recipe = load_recipe_file(registry, recipe)
        config = resolve_config(registry, data, file_recipe, part_options=sets, recipe_file=recipe, **given)
    else:
        config = resolve_config(registry, data, recipe, part_options=sets, **given)
    if dry_run:
        out.print_json(json.dumps(config.to_dict()))
        return
    if out_dir is None and launched_by_torchrun():
        raise ConfigError("Under torchrun, pass --out RUN_DIR so that every process writes to the same run.")
    name = Path(recipe).stem if from_file else recipe or "custom"
    run_dir = out_dir or default_run_dir(RUNS_DIR, f"{name}-{data}")
    name = name if from_file else config.recipe or "custom"
    trainer = Trainer(config, run_dir, registry=registry, resume=resume, overwrite=overwrite, progress=not quiet)
    trainer.setup()
    previous_handlers = _install_stop_handlers(trainer)
    main = trainer.strategy.is_main
    action = f"resuming at step {trainer.step}" if resume else "training"
    if trainer.strategy.world_size > 1:
        action += f" on {trainer.strategy.world_size} processes"
    if main:
        err.print(f"{action} [bold]{name}[/] ({config.generator} x {config.discriminator} x {config.loss}) on [bold]{data}[/] -> {run_dir}", highlight=False)
    try:
        result = trainer.fit()
    finally:
        for sig, handler in previous_handlers.items():
            signal.signal(sig, handler)
    if main and config.profile:
        _print_profile(run_dir)
    if main:
        summary = f"{result.summary()} Samples: {run_dir / 'samples'}  checkpoints: {run_dir / 'checkpoints'}"
        out.print(summary, highlight=False, soft_wrap=True)
    if result.interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)  # after the checkpoint: 130, as documented in docs/cli.md
