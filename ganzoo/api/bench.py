"""Benchmark grids from Python: :func:`bench` plans a recipe x dataset x seed grid (``ganzoo bench``),
:func:`leaderboard` ranks its results into a page (``ganzoo leaderboard``).

::

    runner = api.bench("dcgan,lsgan", "mnist", steps=500, seeds=3, out="results")
    runner.run()                                   # resumable: finished cells are skipped
    api.leaderboard("results", "docs/leaderboard.md")
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

from ganzoo.bench import Budget, GridRunner, Leaderboard, Settings, expand_grid, match_recipes, write_leaderboard
from ganzoo.bench.grid import parse_seeds, split_list
from ganzoo.bench.runner import read_result
from ganzoo.discovery import get_registry
from ganzoo.errors import ConfigError
from ganzoo.evaluate.metrics import parse_metrics
from ganzoo.loggers.spec import check_installed
from ganzoo.options import check_option, option_named, parse_names
from ganzoo.registry import Registry


def bench(
    recipes: str = "*",
    data: str = "mnist,fashion-mnist",
    *,
    steps: int | None = None,
    images: int | None = None,
    seeds: int = 3,
    seed_list: str | None = None,
    out: str | Path = "bench-results",
    eval_n: int = 5000,
    metrics: str = "fid,kid,is",
    split: str = "test",
    precision: str | None = None,
    device: str | None = None,
    data_root: str | Path | None = None,
    logger: Sequence[str] = (),
    progress: bool = True,
    command: str = "",
    on_start: Callable[..., Any] | None = None,
    on_finish: Callable[..., Any] | None = None,
    registry: Registry | None = None,
) -> GridRunner:
    """A :class:`~ganzoo.bench.GridRunner` for every recipe (names or fnmatch patterns) x dataset x seed.

    Every value is checked before anything trains (ConfigError naming the flag). ``precision``,
    ``device``, ``data_root`` and ``logger`` are the training options of the same names (their
    defaults and checks come from :mod:`ganzoo.options`). ``runner.check()`` tells each cell's state,
    ``runner.run()`` trains and evaluates what is not done.
    """
    registry = registry or get_registry()
    precision = precision if precision is not None else option_named("precision").default
    device = device if device is not None else option_named("device").default
    check_option("precision", precision)
    check_option("device", device)
    if eval_n < 2:
        raise ConfigError(f"--eval-n must be at least 2; got {eval_n}.")
    settings = Settings(Budget(steps=steps, images=images), precision=precision, eval_n=eval_n, metrics=parse_metrics(metrics), split=split)
    datasets = split_list(data, "--data")
    for name in datasets:
        registry.dataset(name)
    loggers = parse_names(list(logger))
    for name in loggers:
        check_installed(registry.logger(name))
    cells = expand_grid(match_recipes(registry, recipes), datasets, parse_seeds(seeds, seed_list))
    return GridRunner(
        registry, cells, settings, Path(out), device=device, data_root=str(data_root) if data_root else None,
        command=command, progress=progress, loggers=loggers, on_start=on_start, on_finish=on_finish,
    )  # fmt: skip


def finished_results(runner: GridRunner, states: dict[str, str]) -> dict[str, dict]:
    """The result record of every cell ``states`` (from ``runner.check()``) says is done."""
    return {cell.id: read_result(runner.out / cell.id) or {} for cell in runner.cells if states[cell.id] == "done"}


def leaderboard(results_dir: str | Path, out: str | Path = "leaderboard.md", *, json_out: str | Path | None = None, readme: str | Path | None = None) -> Leaderboard:
    """Rank the results of a grid per dataset (mean ± std over seeds) and write the Markdown page, its JSON and images."""
    results_dir = Path(results_dir)
    return write_leaderboard(results_dir, Path(out), json_out=Path(json_out) if json_out else None, readme=Path(readme) if readme else None, source=results_dir.as_posix())
