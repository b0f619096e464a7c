"""A benchmark grid: recipe x dataset x seed cells under one budget and evaluation protocol."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from ganzoo.errors import ConfigError
from ganzoo.registry import Registry

RESULT_FILE = "result.json"  # one per cell, in OUT/<cell id>/
SCHEMA = "ganzoo.bench.cell/1"


@dataclass(frozen=True)
class Budget:
    """How long each cell trains: ``steps`` generator steps, until the discriminator has seen
    ``images`` real images (steps = images / (batch size x discriminator steps)), or, when
    neither is given, each recipe's own default run (its ``steps``): the budget a user gets
    from ``ganzoo train RECIPE``."""

    steps: int | None = None
    images: int | None = None

    def __post_init__(self) -> None:
        if self.steps is not None and self.images is not None:
            raise ConfigError("Give the grid's budget as at most one of --steps N (generator steps per cell) or --images N (real images per cell); "
                              "with neither, each recipe trains its default number of steps.")
        value = self.steps if self.steps is not None else self.images
        if value is not None and value < 1:
            raise ConfigError(f"The budget must be a positive number; got {value}.")

    @property
    def recipe_default(self) -> bool:
        """True when every recipe trains its own default number of steps."""
        return self.steps is None and self.images is None

    def steps_for(self, batch_size: int, d_steps: int, default_steps: int) -> int:
        """Generator steps of a cell whose recipe has this batch size, discriminator steps and default steps."""
        if self.steps is not None:
            return self.steps
        if self.images is not None:
            return max(1, self.images // (batch_size * d_steps))
        return default_steps

    def describe(self) -> str:
        if self.steps is not None:
            return f"{self.steps} generator steps per run"
        if self.images is not None:
            return f"{self.images} real images per run (generator steps = images / (batch size x discriminator steps))"
        return "each recipe's default run (its own steps, as `ganzoo train RECIPE` trains)"

    def to_dict(self) -> dict:
        if self.recipe_default:
            return {"recipe_default": True}
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class Settings:
    """What every cell of a grid shares; a finished cell is reused only under equal settings."""

    budget: Budget
    precision: str = "fp32"
    eval_n: int = 5000
    metrics: tuple[str, ...] = ("fid", "kid", "is")
    split: str = "test"

    def to_dict(self) -> dict:
        return {"budget": self.budget.to_dict(), "precision": self.precision, "eval_n": self.eval_n, "metrics": list(self.metrics), "split": self.split}


@dataclass(frozen=True)
class Cell:
    """One run of the grid."""

    recipe: str
    dataset: str
    seed: int

    @property
    def id(self) -> str:
        """A folder name: ``recipe--dataset--seedN`` with anything unsafe in a path replaced."""
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", self.dataset).strip("_") or "data"
        return f"{self.recipe}--{safe}--seed{self.seed}"

    def label(self) -> str:
        return f"{self.recipe} × {self.dataset} × seed {self.seed}"


def split_list(text: str, what: str) -> list[str]:
    """'a,b, c' -> ['a', 'b', 'c']; ConfigError when nothing is left."""
    items = [part.strip() for part in text.split(",") if part.strip()]
    if not items:
        raise ConfigError(f"{what} is empty; give at least one name (comma-separated).")
    return items


def match_recipes(registry: Registry, patterns: str) -> list[str]:
    """Recipe names matching any of the comma-separated fnmatch patterns, in registry order.

    A pattern with wildcards leaves the presets out (recipes with a paper's card train the paper's
    whole budget, GPU work): a preset joins a grid by its name.
    """
    chosen: list[str] = []
    for pattern in split_list(patterns, "--recipes"):
        matched = registry.names("recipe", pattern)
        if any(c in pattern for c in "*?["):
            matched = [name for name in matched if registry.recipe(name).paper is None]
        if not matched:
            if not any(c in pattern for c in "*?["):
                registry.recipe(pattern)  # a plain unknown name: raises with close matches
            raise ConfigError(f"--recipes pattern {pattern!r} matches no recipe. Known recipes: {', '.join(registry.names('recipe'))}.")
        chosen += [name for name in matched if name not in chosen]
    return chosen


def expand_grid(recipes: list[str], datasets: list[str], seeds: list[int]) -> list[Cell]:
    """Every recipe x dataset x seed, dataset-major so that one dataset's table fills first."""
    return [Cell(recipe, dataset, seed) for dataset in datasets for recipe in recipes for seed in seeds]


def parse_seeds(count: int | None, explicit: str | None) -> list[int]:
    """``--seeds 3`` -> [0, 1, 2]; ``--seed-list 4,7`` -> [4, 7]."""
    if explicit:
        try:
            seeds = [int(s) for s in split_list(explicit, "--seed-list")]
        except ValueError:
            raise ConfigError(f"--seed-list takes integers separated by commas, e.g. 0,1,2; got {explicit!r}.") from None
        if len(set(seeds)) != len(seeds):
            raise ConfigError(f"--seed-list repeats a seed: {explicit!r}.")
        return seeds
    if count is None or count < 1:
        raise ConfigError(f"--seeds must be at least 1; got {count}.")
    return list(range(count))
