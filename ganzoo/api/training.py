"""Train from Python: :func:`train` returns a :class:`Run`; ``ganzoo train`` calls the same functions.

:func:`configure` resolves a recipe (a registered name or a ``.toml`` recipe file) or a
generator x discriminator x loss trio, with any training option and part option, into a
validated :class:`~ganzoo.train.config.TrainConfig`; :func:`prepare` makes the trainer for
it (run directory, lock, data, networks); :func:`train` does both and trains. Bad input
raises the library's errors (:class:`~ganzoo.errors.ConfigError`, ...), the ones the CLI turns
into exit code 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from ganzoo.api.runs import RUNS_DIR, require_run_dir
from ganzoo.base.jsonl import read_jsonl
from ganzoo.base.layout import METRICS_FILE, SAMPLE_GRID_GLOB, SAMPLES_DIR
from ganzoo.discovery import get_registry
from ganzoo.errors import ConfigError
from ganzoo.options import option_named, resumable_options
from ganzoo.registry import Registry
from ganzoo.train.config import TrainConfig, replace, resolve_config, validate_config
from ganzoo.train.part_options import parse_assignments
from ganzoo.train.recipe_file import is_recipe_file, load_recipe_file, read_recipe_file
from ganzoo.train.run_dir import default_run_dir, open_existing_run, warn_on_part_changes

if TYPE_CHECKING:
    from ganzoo.api.model import GanModel
    from ganzoo.train.speed import TrainResult
    from ganzoo.train.trainer import Trainer

#: ``{"loss": {"gp_weight": 5}}`` or ``["loss.gp_weight=5"]`` (the CLI's ``--set`` texts)
PartOptions = Mapping[str, Mapping[str, Any]] | Sequence[str]


def _label(key: str) -> str:
    try:
        return option_named(key).label
    except KeyError:
        return f"--{key.replace('_', '-')}"


def _part_options(part_options: PartOptions | None) -> dict[str, dict[str, Any]]:
    if part_options is None:
        return {}
    if isinstance(part_options, Mapping):
        return {part: dict(values) for part, values in part_options.items()}
    if isinstance(part_options, str):
        raise ConfigError(f"part_options is a dict such as {{'loss': {{'gp_weight': 5}}}} or a list of 'PART.OPTION=VALUE' texts; got the text {part_options!r}.")
    return parse_assignments(list(part_options))


def _resumed_config(saved: TrainConfig, given: dict[str, Any], sets: dict[str, dict]) -> TrainConfig:
    """The saved configuration with the changes a resume may make; ConfigError for any other change."""
    given = dict(given)
    for part, options in sets.items():
        given[f"{part}_options"] = {**getattr(saved, f"{part}_options"), **options}
    changes = {}
    resumable = resumable_options()
    for key, value in given.items():
        if value is None or getattr(saved, key) == value:
            continue
        if key not in resumable:
            raise ConfigError(
                f"{_label(key)} cannot change when resuming (the run was trained with {getattr(saved, key)!r}). "
                f"Only {', '.join(_label(k) for k in resumable)} may change; start a new run for the rest."
            )
        changes[key] = value
    return replace(saved, **changes)


def configure(
    recipe: str | None = None,
    *,
    data: str,
    resume_from: str | Path | None = None,
    part_options: PartOptions | None = None,
    generator: str | None = None,
    discriminator: str | None = None,
    loss: str | None = None,
    registry: Registry | None = None,
    **options: Any,
) -> TrainConfig:
    """The validated configuration of a run, as ``ganzoo train --dry-run`` prints it.

    ``recipe`` is a registered recipe, a ``.toml`` recipe file, or ``None`` when ``generator``,
    ``discriminator`` and ``loss`` are all given (they override a recipe's parts otherwise).
    ``options`` are training options by name (``steps=500``, ``batch_size=32``, ``seed=1``,
    ``precision="bf16"``...: ``ganzoo train --help`` lists them; ``None`` means not given).
    ``part_options`` set the parts' own options. ``resume_from`` is a run directory to
    continue: the configuration is the saved one, with only the changes a resume allows.
    """
    registry = registry or get_registry()
    given = dict(generator=generator, discriminator=discriminator, loss=loss, **options)
    sets = _part_options(part_options)
    from_file = is_recipe_file(recipe)
    if resume_from is not None:
        saved = open_existing_run(require_run_dir(Path(resume_from)))
        if data != saved.dataset or (recipe is not None and not from_file and recipe != saved.recipe):
            raise ConfigError(f"{resume_from} is a run of recipe {saved.recipe!r} on {saved.dataset!r}; resume it with the same recipe and --data (or omit the recipe).")
        if from_file:  # what the file sets counts as given, under what was given here
            given = {**read_recipe_file(registry, recipe)[1], **{k: v for k, v in given.items() if v is not None}}
        config = _resumed_config(saved, given, sets)
        validate_config(registry, config)
        return config
    if from_file:
        return resolve_config(registry, data, load_recipe_file(registry, recipe), part_options=sets, recipe_file=recipe, **given)
    return resolve_config(registry, data, recipe, part_options=sets, **given)


def run_name(config: TrainConfig) -> str:
    """What a run of ``config`` is called: its recipe file's stem, its recipe, or ``custom``."""
    if config.recipe_file:
        return Path(config.recipe_file).stem
    return config.recipe or "custom"


def check_run_request(out: str | Path | None, resume: bool, overwrite: bool) -> None:
    """ConfigError when ``resume`` and ``overwrite`` are both asked, or ``resume`` has no run directory."""
    if resume and overwrite:
        raise ConfigError(
            "--resume and --overwrite contradict each other: --resume continues the run in --out, --overwrite replaces it. Pass one."
        )
    if resume and out is None:
        raise ConfigError("--resume needs --out RUN_DIR: the run to continue.")


def prepare(
    config: TrainConfig,
    *,
    out: str | Path | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool = False,
    registry: Registry | None = None,
) -> "Trainer":
    """A set-up trainer for ``config``: data loaded, networks built, the run directory locked.

    ``out`` defaults to ``runs/NAME-DATA`` (numbered when taken). Call ``fit()`` on it to
    train, ``request_stop()`` (e.g. from a signal handler) to stop after the current step
    with a checkpoint.
    """
    from ganzoo.train.strategy import launched_by_torchrun
    from ganzoo.train.trainer import Trainer

    check_run_request(out, resume, overwrite)
    if out is None and launched_by_torchrun():
        raise ConfigError("Under torchrun, pass --out RUN_DIR so that every process writes to the same run.")
    run_dir = Path(out) if out is not None else default_run_dir(RUNS_DIR, f"{run_name(config)}-{config.dataset}")
    if resume:
        warn_on_part_changes(run_dir, registry or get_registry(), "resuming", config)
    trainer = Trainer(config, run_dir, registry=registry or get_registry(), resume=resume, overwrite=overwrite, progress=progress)
    trainer.setup()
    return trainer


@dataclass
class Run:
    """A run directory and what is in it. :func:`train` returns one; :meth:`open` reads an existing run."""

    dir: Path  # the run directory
    config: TrainConfig  # its resolved configuration (config.json)
    result: "TrainResult | None" = field(default=None, repr=False)  # what the training call did (None when opened)
    registry: Registry | None = field(default=None, repr=False)  # the registry it was trained or opened with (None: the process-wide one)

    @classmethod
    def open(cls, path: str | Path, *, registry: Registry | None = None) -> "Run":
        """The run in directory ``path`` (RunError when it is not one); ``registry`` is kept for :meth:`load`."""
        path = require_run_dir(Path(path))
        return cls(path, open_existing_run(path), registry=registry)

    @property
    def metrics(self) -> list[dict[str, Any]]:
        """Every record of ``metrics.jsonl``: one dict per logged step (losses, images/s, evaluations)."""
        return read_jsonl(self.dir / METRICS_FILE, missing_ok=True)

    @property
    def samples(self) -> list[Path]:
        """The fixed-noise grids written during training, oldest first."""
        return sorted((self.dir / SAMPLES_DIR).glob(SAMPLE_GRID_GLOB))

    @property
    def checkpoint(self) -> Path | None:
        """The newest checkpoint's weights file (None before the first checkpoint)."""
        from ganzoo.train.checkpoint import list_checkpoints

        found = list_checkpoints(self.dir)
        return found[-1].weights if found else None

    @property
    def step(self) -> int:
        """The step of the newest checkpoint (0 before the first)."""
        from ganzoo.train.checkpoint import list_checkpoints

        found = list_checkpoints(self.dir)
        return found[-1].step if found else 0

    def load(self, *, ema: bool = True, device: str = "cpu") -> "GanModel":
        """The trained generator of the newest checkpoint (see :func:`ganzoo.api.load`)."""
        from ganzoo.api.model import load

        return load(self.dir, ema=ema, device=device, registry=self.registry)


def train(
    recipe: str | None = None,
    *,
    data: str,
    out: str | Path | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool = False,
    part_options: PartOptions | None = None,
    generator: str | None = None,
    discriminator: str | None = None,
    loss: str | None = None,
    registry: Registry | None = None,
    **options: Any,
) -> Run:
    """Train a recipe (or any generator x discriminator x loss) and return the :class:`Run`.

    Arguments as for :func:`configure` and :func:`prepare`; ``progress=True`` shows the
    progress bar. Example: ``train("vanilla", data="mnist", steps=500, out="runs/v")``.
    """
    registry = registry or get_registry()
    check_run_request(out, resume, overwrite)
    config = configure(
        recipe, data=data, resume_from=out if resume else None, part_options=part_options, generator=generator,
        discriminator=discriminator, loss=loss, registry=registry, **options,
    )  # fmt: skip
    trainer = prepare(config, out=out, resume=resume, overwrite=overwrite, progress=progress, registry=registry)
    result = trainer.fit()
    return Run(trainer.run_dir, trainer.config, result, registry=trainer.registry)
