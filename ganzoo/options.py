"""Every option of the training loop, each defined once.

An option is a field of :class:`TrainingOptions` declared with :func:`option`: its default, its
help text, its range check, whether it may change when a run is resumed, whether a recipe may
set it, and its command-line flag. The rest derives from these declarations:

* the fields of ``TrainConfig`` (all of them) and of ``Recipe`` (those a recipe may set),
  through :func:`add_options`;
* the flags of ``ganzoo train``, their ``--help`` and the options table of docs/cli.md;
* what may change on ``--resume`` (:func:`resumable_options`) and what a checkpoint records
  as the identity of its run (:func:`identity_options`);
* the range checks of ``validate_config`` (:func:`check_option`).

Adding an option is one field below (and its use where it matters, e.g. in the trainer).
This module sits below ``ganzoo.protocols`` so that ``Recipe`` can take its fields from here.
"""

from __future__ import annotations

import dataclasses
from dataclasses import MISSING, dataclass, fields
from typing import Any, Callable

from ganzoo.base.layout import METRICS_FILE, PROFILE_FILE
from ganzoo.errors import ConfigError

_KEY = "ganzoo"  # the key of our metadata in a dataclass field's metadata mapping
PRECISIONS = ("fp32", "bf16", "fp16")
ON_NAN = ("stop", "rollback")
LR_SCHEDULES = ("constant", "linear")


@dataclass(frozen=True)
class Check:
    """A range check: ``accepts(value)`` is true for good values; ``requirement`` completes
    the sentence "--flag must be ..."."""

    accepts: Callable[[Any], bool]
    requirement: str


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def whole(minimum: int, requirement: str) -> Check:
    """Whole numbers of at least ``minimum``."""
    return Check(lambda v: _is_int(v) and v >= minimum, requirement)


def number(accepts: Callable[[float], bool], requirement: str) -> Check:
    """Numbers (int or float, not bool) for which ``accepts`` holds."""
    return Check(lambda v: _is_number(v) and accepts(v), requirement)


def one_of(*choices: str) -> Check:
    """One of the given strings."""
    return Check(lambda v: v in choices, f"one of {', '.join(choices)}")


POSITIVE = whole(1, "a positive whole number")
SWITCH = Check(lambda v: isinstance(v, bool), "true or false")
TEXT = Check(lambda v: isinstance(v, str) and v != "", "a non-empty text")
PART_OPTIONS = Check(
    lambda v: isinstance(v, dict) and all(isinstance(k, str) for k in v), "a table of option names and values"
)
LEARNING_RATE = number(lambda v: 0 < v < 1, "between 0 and 1 (exclusive)")
BETAS = Check(
    lambda v: isinstance(v, (list, tuple)) and len(v) == 2 and all(_is_number(b) and 0 <= b < 1 for b in v),
    "two numbers in [0, 1)",
)


@dataclass(frozen=True)
class OptionSpec:
    """What :func:`option` records about an option (see its parameters)."""

    help: str
    group: str
    check: Check | None
    resumable: bool
    recipe: bool
    cli: bool
    flag: str | None
    label: str | None
    parse: Callable[[str], Any] | None
    metavar: str | None
    default_text: str | None


@dataclass(frozen=True)
class Option:
    """One training option as the rest of ganzoo sees it: a name, its type and default, its spec."""

    name: str
    annotation: str  # the field's annotation, as written
    default: Any  # the value when nobody sets it (a fresh one for mutable defaults)
    spec: OptionSpec

    @property
    def flag(self) -> str:
        """The CLI flag (``--lr-g``); a bool's is ``--name/--no-name`` unless declared otherwise."""
        if self.spec.flag:
            return self.spec.flag
        flag = "--" + self.name.replace("_", "-")
        return f"{flag}/--no-{self.name.replace('_', '-')}" if isinstance(self.default, bool) else flag

    @property
    def label(self) -> str:
        """How messages name the option: its flag (``--lr-g``), or its label where it has no flag."""
        return self.spec.label or self.flag.split("/")[0]


def option(
    default: Any = MISSING,
    *,
    help: str,  # noqa: A002 - the natural name for a help text
    group: str,
    check: Check | None = None,
    resumable: bool = False,
    recipe: bool = False,
    cli: bool = True,
    flag: str | None = None,
    label: str | None = None,
    parse: Callable[[str], Any] | None = None,
    metavar: str | None = None,
    default_text: str | None = None,
    default_factory: Callable[[], Any] | Any = MISSING,
) -> Any:
    """Declare a training option as a dataclass field.

    ``help`` is the one sentence shown by ``--help`` and docs/cli.md; ``group`` the heading it
    is listed under; ``check`` its range check; ``resumable`` whether it may change when a run
    is resumed (the others define the run and are recorded in its checkpoints); ``recipe``
    whether a recipe (registered or a TOML file) may set its default; ``cli=False`` keeps it
    off the command line (part options, set with ``--set``); ``flag`` overrides the derived
    flag, ``label`` names a flag-less option in messages; ``parse`` turns the flag's text into
    the value (a repeatable flag, an option of type ``tuple[str, ...]``, gets its list of texts);
    ``default_text`` says in ``--help`` what the default is when the value alone does not
    (recipe options say "the recipe's" without it).
    """
    spec = OptionSpec(help, group, check, resumable, recipe, cli, flag, label, parse, metavar, default_text)
    return dataclasses.field(default=default, default_factory=default_factory, metadata={_KEY: spec})


def parse_names(texts: list[str]) -> tuple[str, ...]:
    """A repeatable flag's values, each possibly comma-separated: ``["a", "b,c"]`` -> ``("a", "b", "c")``."""
    return tuple(dict.fromkeys(name.strip() for text in texts for name in text.split(",") if name.strip()))


def parse_betas(text: str) -> tuple[float, float]:
    """``"0.5,0.999"`` -> ``(0.5, 0.999)``; ConfigError otherwise."""
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 2:
        raise ConfigError(f"--betas takes two numbers separated by a comma, e.g. 0.5,0.999; got {text!r}.")
    return values  # type: ignore[return-value]


# Headings of ``ganzoo train --help``, in the order they are shown.
MODEL = "Model and optimisation"
SPEED = "Precision, device and speed"
RECORDS = "Logging, checkpoints and evaluation"
RUN = "Run"


@dataclass
class TrainingOptions:
    """The declarations of the training options. ``TrainConfig`` and ``Recipe`` take their fields
    from here (see :func:`add_options`); nothing instantiates this class."""

    conditional: bool = option(
        False,
        help="Feed class labels to both networks.",
        group=MODEL,
        check=SWITCH,
        recipe=True,
        flag="--conditional/--unconditional",
    )
    latent_dim: int = option(100, help="Size of the latent vector z.", group=MODEL, check=POSITIVE, recipe=True)
    image_size: int | None = option(
        None,
        help="Square image side fed to the networks.",
        group=MODEL,
        recipe=True,
        default_text="the recipe's, else the dataset's",
        check=Check(lambda v: v is None or (_is_int(v) and 8 <= v <= 1024), "between 8 and 1024"),
    )
    batch_size: int = option(64, help="Real images per discriminator step.", group=MODEL, check=POSITIVE, recipe=True)
    steps: int = option(
        5000, help="Generator steps in total.", group=MODEL, check=POSITIVE, recipe=True, resumable=True
    )
    lr_g: float = option(
        2e-4,
        help="Generator learning rate (Adam).",
        group=MODEL,
        check=LEARNING_RATE,
        recipe=True,
    )
    lr_d: float = option(
        2e-4,
        help="Discriminator learning rate (Adam).",
        group=MODEL,
        check=LEARNING_RATE,
        recipe=True,
    )
    betas: tuple[float, float] = option(
        (0.5, 0.999),
        help="Adam betas of both optimisers, as 'b1,b2'.",
        group=MODEL,
        check=BETAS,
        recipe=True,
        parse=parse_betas,
        metavar="B1,B2",
    )
    d_steps: int = option(1, help="Discriminator steps per generator step.", group=MODEL, check=POSITIVE, recipe=True)
    lr_schedule: str = option(
        "constant",
        help="Learning-rate schedule of both optimisers: constant, or linear (from --lr-g/--lr-d at step 0 to 0 at --steps, "
        "as the SN-GAN and WGAN-GP papers' code decays it).",
        group=MODEL,
        check=one_of(*LR_SCHEDULES),
        recipe=True,
    )
    ema_decay: float = option(
        0.0,
        help="EMA decay of the generator's weights; 0 turns EMA off.",
        group=MODEL,
        check=number(lambda v: 0 <= v < 1, "in [0, 1) (0 turns EMA off)"),
        recipe=True,
    )
    generator_options: dict = option(
        help="Extra keyword arguments of the generator factory.",
        group=MODEL,
        check=PART_OPTIONS,
        recipe=True,
        cli=False,
        label="--set generator.*",
        default_factory=dict,
    )
    discriminator_options: dict = option(
        help="Extra keyword arguments of the discriminator factory.",
        group=MODEL,
        check=PART_OPTIONS,
        recipe=True,
        cli=False,
        label="--set discriminator.*",
        default_factory=dict,
    )
    loss_options: dict = option(
        help="Extra keyword arguments of the loss factory.",
        group=MODEL,
        check=PART_OPTIONS,
        recipe=True,
        cli=False,
        label="--set loss.*",
        default_factory=dict,
    )
    augment: str | None = option(
        None,
        help="Augmentation applied to real and fake images before D in both phases (see `ganzoo list augmentations`); `none` turns off one the recipe sets.",
        group=MODEL,
        check=Check(lambda v: v is None or isinstance(v, str), "a registered augmentation's name"),
        recipe=True,
        metavar="NAME",
        default_text="none",
    )
    augment_options: dict = option(
        help="Extra keyword arguments of the augmentation factory.",
        group=MODEL,
        check=PART_OPTIONS,
        recipe=True,
        cli=False,
        label="--set augment.*",
        default_factory=dict,
    )
    limit: int = option(0, help="Train on the first N images of the dataset only; 0 = all.", group=MODEL, check=whole(0, "0 (all) or more"))
    seed: int = option(0, help="Seed of weights, data order and latents.", group=MODEL, check=whole(0, "0 or more"))
    precision: str = option(
        "fp32", help="Numeric precision: fp32, bf16 or fp16.", group=SPEED, check=one_of(*PRECISIONS)
    )
    device: str = option(
        "auto", help="auto (cuda when available), cpu, cuda or cuda:N.", group=SPEED, check=TEXT, resumable=True
    )
    compile: bool = option(
        False,
        group=SPEED,
        check=SWITCH,
        resumable=True,
        help="torch.compile the networks; the first steps pay the compilation (~30 s on a CPU). "
        "With a gradient-penalty loss the discriminator's training pass stays eager "
        "(compiled graphs do not support double backward).",
    )
    channels_last: bool = option(
        False, help="NHWC memory layout for convolutional networks.", group=SPEED, check=SWITCH, resumable=True
    )
    profile: bool = option(
        False,
        group=SPEED,
        check=SWITCH,
        resumable=True,
        help="Time each section of a step (data, forward, backward, optimiser) and print where the time goes; "
        f"writes RUN/{PROFILE_FILE} (synchronises the device, so it runs a little slower).",
    )
    log_every: int = option(
        50, help=f"Steps between {METRICS_FILE} records.", group=RECORDS, check=POSITIVE, resumable=True
    )
    sample_every: int = option(
        500, help="Steps between sample grids (one at the end too).", group=RECORDS, check=POSITIVE, resumable=True
    )
    checkpoint_every: int = option(
        1000, help="Steps between checkpoints (one at the end too).", group=RECORDS, check=POSITIVE, resumable=True
    )
    keep: int = option(
        3, help="Checkpoints kept; 0 keeps all.", group=RECORDS, check=whole(0, "0 (keep all) or more"), resumable=True
    )
    eval_every: int = option(
        0,
        help=f"Evaluate every K steps (and at the end) and append the metrics to {METRICS_FILE}; 0 = off.",
        group=RECORDS,
        check=whole(0, "0 (off) or a positive number of steps"),
        resumable=True,
    )
    health_every: int = option(
        250,
        help="Every K steps measure training-health signals (D's accuracy and r_t, gradient norms, sample diversity) "
        f"into {METRICS_FILE} and warn on collapse, divergence or an overfitting D; 0 = off.",
        group=RECORDS,
        check=whole(0, "0 (off) or a positive number of steps"),
        resumable=True,
    )
    eval_n: int = option(
        2000,
        help="Generated samples per evaluation during training.",
        group=RECORDS,
        check=whole(2, "at least 2"),
        resumable=True,
    )
    eval_metrics: str = option(
        "fid,kid", help="Metrics of those evaluations: fid, kid, is, prc.", group=RECORDS, check=TEXT, resumable=True
    )
    logger: tuple[str, ...] = option(
        (),
        help="Also log to this experiment tracker: tensorboard, wandb, mlflow (see `ganzoo list loggers`); "
        f"repeatable. {METRICS_FILE} is always written.",
        group=RECORDS,
        check=Check(
            lambda v: isinstance(v, (list, tuple)) and all(isinstance(n, str) and n for n in v),
            "a list of registered logger names, e.g. ['tensorboard']",
        ),
        resumable=True,
        recipe=True,
        parse=parse_names,
        metavar="NAME",
        default_text="none",
    )
    on_nan: str = option(
        "stop",
        help="On a NaN/inf loss or weight: 'stop', or 'rollback' to the last checkpoint "
        "with both learning rates halved again at each roll-back (0.5x, 0.25x, 0.125x of the configured ones; at most 3 times).",
        group=RECORDS,
        check=one_of(*ON_NAN),
        resumable=True,
    )
    data_root: str | None = option(
        None,
        help="Folder holding the datasets (recorded resolved).",
        group=RUN,
        resumable=True,
        metavar="DIR",
        default_text="$GANZOO_DATA_ROOT, else ~/.cache/ganzoo/data",
        check=Check(lambda v: v is None or isinstance(v, str), "a folder"),
    )


def _option_of(field: dataclasses.Field) -> Option:
    default = field.default_factory() if field.default_factory is not MISSING else field.default
    return Option(field.name, str(field.type), default, field.metadata[_KEY])


def training_options() -> tuple[Option, ...]:
    """Every training option, in declaration order."""
    return tuple(_option_of(f) for f in fields(TrainingOptions))


def recipe_options() -> tuple[Option, ...]:
    """The options a recipe may set."""
    return tuple(o for o in training_options() if o.spec.recipe)


def resumable_options() -> tuple[str, ...]:
    """Names of the options that may change when a run is resumed."""
    return tuple(o.name for o in training_options() if o.spec.resumable)


def identity_options() -> tuple[str, ...]:
    """Names of the options that define a run (all but the resumable ones)."""
    return tuple(o.name for o in training_options() if not o.spec.resumable)


def option_named(name: str) -> Option:
    """The option called ``name``; KeyError when there is none."""
    for candidate in training_options():
        if candidate.name == name:
            return candidate
    raise KeyError(name)


def check_option(name: str, value: Any, label: str | None = None) -> None:
    """Raise ConfigError when ``value`` fails the range check of option ``name``."""
    spec = option_named(name)
    check = spec.spec.check
    if check is not None and not check.accepts(value):
        raise ConfigError(f"{label or spec.label} must be {check.requirement}; got {value!r}.")


def add_options(*, recipe_only: bool = False) -> Callable[[type], type]:
    """Class decorator, applied under ``@dataclass``: appends the training options as fields
    (only those a recipe may set with ``recipe_only=True``), each a fresh copy of its declaration."""

    def decorate(cls: type) -> type:
        annotations = dict(cls.__dict__.get("__annotations__", {}))
        for declared in fields(TrainingOptions):
            if recipe_only and not declared.metadata[_KEY].recipe:
                continue
            annotations[declared.name] = declared.type
            copy = dataclasses.field(
                default=declared.default, default_factory=declared.default_factory, metadata=declared.metadata
            )
            setattr(cls, declared.name, copy)
        cls.__annotations__ = annotations
        return cls

    return decorate
