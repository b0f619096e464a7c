"""``ganzoo train``: train a recipe, or any generator x discriminator x loss trio."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from ganzoo.cli.app import EXIT_INTERRUPTED, app, err, guarded, out
from ganzoo.cli.runs import RUNS_DIR, require_run_dir
from ganzoo.discovery import get_registry
from ganzoo.errors import ConfigError
from ganzoo.train.config import TrainConfig, replace, resolve_config, validate_config

if TYPE_CHECKING:
    from ganzoo.train.trainer import Trainer

#: What may change when a run is resumed (the rest defines the run and must stay the same).
RESUMABLE_CHANGES = ("steps", "log_every", "sample_every", "checkpoint_every", "keep", "device", "data_root", "on_nan", "compile", "channels_last", "profile", "eval_every", "eval_n", "eval_metrics")


def _parse_betas(text: Optional[str]) -> Optional[tuple[float, float]]:
    if text is None:
        return None
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 2:
        raise ConfigError(f"--betas takes two numbers separated by a comma, e.g. 0.5,0.999; got {text!r}.")
    return values  # type: ignore[return-value]


def _resumed_config(saved: TrainConfig, given: dict) -> TrainConfig:
    changes = {}
    for key, value in given.items():
        if value is None or getattr(saved, key) == value:
            continue
        if key not in RESUMABLE_CHANGES:
            raise ConfigError(
                f"--{key.replace('_', '-')} cannot change when resuming (the run was trained with {getattr(saved, key)!r}). "
                f"Only {', '.join('--' + k.replace('_', '-') for k in RESUMABLE_CHANGES)} may change; start a new run for the rest."
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
def train(
    recipe: Optional[str] = typer.Argument(None, help="Recipe to train (see `ganzoo list recipes`); optional when --generator, --discriminator and --loss are all given."),
    data: str = typer.Option(..., "--data", "-d", help="Dataset name (see `ganzoo list datasets`)."),
    generator: Optional[str] = typer.Option(None, help="Generator name; overrides the recipe's."),
    discriminator: Optional[str] = typer.Option(None, help="Discriminator name; overrides the recipe's."),
    loss: Optional[str] = typer.Option(None, help="Loss name; overrides the recipe's."),
    steps: Optional[int] = typer.Option(None, help="Generator steps in total. (default: the recipe's)"),
    batch_size: Optional[int] = typer.Option(None, help="Real images per discriminator step. (default: the recipe's)"),
    lr_g: Optional[float] = typer.Option(None, help="Generator learning rate (Adam). (default: the recipe's)"),
    lr_d: Optional[float] = typer.Option(None, help="Discriminator learning rate (Adam). (default: the recipe's)"),
    betas: Optional[str] = typer.Option(None, help="Adam betas as 'b1,b2'. (default: the recipe's)"),
    d_steps: Optional[int] = typer.Option(None, help="Discriminator steps per generator step. (default: the recipe's)"),
    latent_dim: Optional[int] = typer.Option(None, help="Size of the latent vector z. (default: the recipe's)"),
    image_size: Optional[int] = typer.Option(None, help="Square image side fed to the networks. (default: the recipe's, else the dataset's)"),
    conditional: Optional[bool] = typer.Option(None, "--conditional/--unconditional", help="Feed class labels to both networks. (default: the recipe's)"),
    ema_decay: Optional[float] = typer.Option(None, help="EMA decay of the generator's weights; 0 turns EMA off. (default: the recipe's)"),
    precision: Optional[str] = typer.Option(None, help="fp32, bf16 or fp16. (default: fp32)"),
    device: Optional[str] = typer.Option(None, help="auto, cpu, cuda or cuda:N. (default: auto)"),
    seed: Optional[int] = typer.Option(None, help="Seed of weights, data order and latents. (default: 0)"),
    compile_: Optional[bool] = typer.Option(None, "--compile/--no-compile", help="torch.compile the networks; the first steps pay the compilation (~30 s on a CPU). (default: off)"),
    channels_last: Optional[bool] = typer.Option(None, "--channels-last/--no-channels-last", help="NHWC memory layout for convolutional networks. (default: off)"),
    profile: bool = typer.Option(False, "--profile", help="Time each section of a step (data, forward, backward, optimiser) and print where the time goes; writes RUN/profile.json."),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Run directory. (default: runs/RECIPE-DATA, numbered if taken)"),
    data_root: Optional[Path] = typer.Option(None, help="Folder holding the datasets. (default: $GANZOO_DATA_ROOT, else ~/.cache/ganzoo/data)"),
    log_every: Optional[int] = typer.Option(None, help="Steps between metrics.jsonl records. (default: 50)"),
    sample_every: Optional[int] = typer.Option(None, help="Steps between sample grids. (default: 500)"),
    checkpoint_every: Optional[int] = typer.Option(None, help="Steps between checkpoints. (default: 1000)"),
    keep: Optional[int] = typer.Option(None, help="Checkpoints to keep; 0 keeps all. (default: 3)"),
    eval_every: Optional[int] = typer.Option(None, help="Evaluate every K steps (and at the end) and append the metrics to metrics.jsonl; 0 = off. (default: 0)"),
    eval_n: Optional[int] = typer.Option(None, help="Generated samples per evaluation during training. (default: 2000)"),
    eval_metrics: Optional[str] = typer.Option(None, help="Metrics of those evaluations: fid, kid, is, prc. (default: fid,kid)"),
    on_nan: Optional[str] = typer.Option(None, help="On a NaN/inf loss or weight: 'stop', or 'rollback' to the last checkpoint with halved learning rates (at most 3 times). (default: stop)"),
    resume: bool = typer.Option(False, "--resume", help="Continue the run in --out from its newest intact checkpoint."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace the run in --out instead of refusing."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the resolved configuration as JSON and exit."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Train a GAN. Example: [bold]ganzoo train vanilla --data mnist[/]."""
    from ganzoo.train.run_dir import default_run_dir, open_existing_run  # torch: imported only to train
    from ganzoo.train.strategy import launched_by_torchrun
    from ganzoo.train.trainer import Trainer

    registry = get_registry()
    given = dict(
        generator=generator,
        discriminator=discriminator,
        loss=loss,
        steps=steps,
        batch_size=batch_size,
        lr_g=lr_g,
        lr_d=lr_d,
        betas=_parse_betas(betas),
        d_steps=d_steps,
        latent_dim=latent_dim,
        image_size=image_size,
        conditional=conditional,
        ema_decay=ema_decay,
        precision=precision,
        device=device,
        seed=seed,
        log_every=log_every,
        sample_every=sample_every,
        checkpoint_every=checkpoint_every,
        keep=keep,
        on_nan=on_nan,
        eval_every=eval_every,
        eval_n=eval_n,
        eval_metrics=eval_metrics,
        compile=compile_,
        channels_last=channels_last,
        profile=profile or None,
        data_root=str(data_root) if data_root else None,
    )
    if resume and overwrite:
        raise ConfigError("--resume and --overwrite contradict each other: --resume continues the run in --out, --overwrite replaces it. Pass one.")
    if resume:
        if out_dir is None:
            raise ConfigError("--resume needs --out RUN_DIR: the run to continue.")
        saved = open_existing_run(require_run_dir(out_dir))
        if data != saved.dataset or (recipe is not None and recipe != saved.recipe):
            raise ConfigError(f"{out_dir} is a run of recipe {saved.recipe!r} on {saved.dataset!r}; resume it with the same recipe and --data (or omit the recipe).")
        config = _resumed_config(saved, given)
        validate_config(registry, config)
    else:
        config = resolve_config(registry, data, recipe, **given)
    if dry_run:
        out.print_json(json.dumps(config.to_dict()))
        return
    if out_dir is None and launched_by_torchrun():
        raise ConfigError("Under torchrun, pass --out RUN_DIR so that every process writes to the same run.")
    run_dir = out_dir or default_run_dir(RUNS_DIR, f"{recipe or 'custom'}-{data}")
    trainer = Trainer(config, run_dir, registry=registry, resume=resume, overwrite=overwrite, progress=not quiet)
    trainer.setup()
    previous_handlers = _install_stop_handlers(trainer)
    main = trainer.strategy.is_main
    action = f"resuming at step {trainer.step}" if resume else "training"
    if trainer.strategy.world_size > 1:
        action += f" on {trainer.strategy.world_size} processes"
    if main:
        err.print(f"{action} [bold]{config.recipe or 'custom'}[/] ({config.generator} x {config.discriminator} x {config.loss}) on [bold]{data}[/] -> {run_dir}", highlight=False)
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
