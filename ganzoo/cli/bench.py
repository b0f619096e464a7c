"""``ganzoo bench`` (run a recipe x dataset x seed grid) and ``ganzoo leaderboard`` (rank its results)."""

from __future__ import annotations

import shlex
import signal
import sys
import time
from pathlib import Path
from typing import Any, Optional

import typer
from rich.table import Table

from ganzoo.cli.app import EXIT_INTERRUPTED, app, err, guarded, out
from ganzoo.cli.train_options import given_options, with_training_options

#: The training options ``ganzoo bench`` shares with ``ganzoo train`` (flags, help and checks from ganzoo.options).
BENCH_OPTIONS = ("precision", "device", "data_root", "logger")

STATUS_STYLE = {"done": "[green]done[/]", "skipped": "[green]done[/]", "failed": "[red]failed[/]", "partial": "[yellow]partial[/]", "pending": "[dim]pending[/]", "stopped": "[yellow]stopped[/]"}


def _grid_table(cells, states: dict[str, str], results: dict[str, dict], seeds: list[int]) -> Table:
    """One row per recipe x dataset, one column per seed: each cell's state (and FID when done)."""
    table = Table(title="benchmark grid")
    table.add_column("recipe")
    table.add_column("dataset")
    for seed in seeds:
        table.add_column(f"seed {seed}", justify="right")
    rows: dict[tuple[str, str], dict[int, str]] = {}
    for cell in cells:
        text = STATUS_STYLE.get(states[cell.id], states[cell.id])
        fid = (results.get(cell.id) or {}).get("metrics", {}).get("fid")
        if fid is not None:
            text += f" FID {fid:.1f}"
        rows.setdefault((cell.recipe, cell.dataset), {})[cell.seed] = text
    for (recipe, dataset), by_seed in rows.items():
        table.add_row(recipe, dataset, *(by_seed.get(seed, "") for seed in seeds))
    return table


@app.command()
@guarded
@with_training_options(names=BENCH_OPTIONS)
def bench(
    recipes: str = typer.Option("*", help="Recipes to run: comma-separated names or fnmatch patterns (see `ganzoo list recipes`); a pattern leaves the GPU-scale presets out, name them."),
    data: str = typer.Option("mnist,fashion-mnist", "--data", "-d", help="Comma-separated dataset names."),
    steps: Optional[int] = typer.Option(None, help="Budget: generator steps per run. (default: each recipe's own default steps)"),
    images: Optional[int] = typer.Option(None, help="Budget: real images through the discriminator per run; each recipe trains images / (batch size x discriminator steps) generator steps. (default: each recipe's own default steps)"),
    seeds: int = typer.Option(3, help="Seeds per recipe and dataset: 0, 1, ..., N-1."),
    seed_list: Optional[str] = typer.Option(None, help="Explicit comma-separated seeds instead of --seeds."),
    out_dir: Path = typer.Option(Path("bench-results"), "--out", "-o", help="Results folder: one sub-folder per cell with result.json."),
    eval_n: int = typer.Option(5000, help="Generated samples per evaluation (and as many reference images)."),
    metrics: str = typer.Option("fid,kid,is", help="Comma-separated: fid, kid, is, prc."),
    split: str = typer.Option("test", help="Reference split of each dataset."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No per-run progress bar (the grid is still shown)."),
    **options: Any,
) -> None:
    """Train and evaluate every recipe x dataset x seed; one result.json per cell in --out.

    Re-running the same command skips finished cells, resumes unfinished ones from their last
    checkpoint and retries failed ones. A failing cell is recorded and the grid goes on. Ctrl-C
    stops after the current step with a checkpoint. Exit code 1 when any cell failed.
    Example: [bold]ganzoo bench --recipes 'dcgan,lsgan' --data mnist --steps 500 --seeds 3 --out results/[/]
    """
    from ganzoo.api.bench import bench as plan_grid, finished_results  # torch: imported only to run the grid

    command = "ganzoo bench " + shlex.join(sys.argv[2:] if len(sys.argv) > 1 and sys.argv[1] == "bench" else sys.argv[1:])
    results: dict[str, dict] = {}

    def started(index: int, cell, state: str) -> None:
        if state != "done":
            action = "resuming" if state == "partial" else "retrying" if state == "failed" else "running"
            err.print(f"[bold][{index + 1}/{len(cells)}][/] {action} {cell.label()}", highlight=False)

    def finished(index: int, outcome) -> None:
        states[outcome.cell.id] = outcome.status
        if outcome.result:
            results[outcome.cell.id] = outcome.result
        if outcome.status == "done":
            m = outcome.result["metrics"]
            summary = ", ".join(f"{k} {m[k]:.2f}" for k in ("fid", "kid", "is") if k in m)
            err.print(f"    done in {outcome.result['train_wall_s'] + outcome.result['eval_wall_s']:.0f} s: {summary}", highlight=False)
        elif outcome.status == "failed":
            err.print(f"    [red]failed:[/] {outcome.result['error']}", highlight=False, soft_wrap=True)

    given = given_options(options, BENCH_OPTIONS)
    runner = plan_grid(
        recipes, data, steps=steps, images=images, seeds=seeds, seed_list=seed_list, out=out_dir, eval_n=eval_n, metrics=metrics, split=split,
        precision=given["precision"], device=given["device"], data_root=given["data_root"], logger=given["logger"] or (),
        progress=not quiet, command=command, on_start=started, on_finish=finished,
    )  # fmt: skip
    cells, seed_values = runner.cells, list(dict.fromkeys(cell.seed for cell in runner.cells))
    states = runner.check()
    results.update(finished_results(runner, states))
    done_before = sum(s == "done" for s in states.values())
    err.print(_grid_table(cells, states, results, seed_values))
    err.print(f"{len(cells)} cells ({done_before} already done), budget: {runner.settings.budget.describe()}, results in {out_dir}", highlight=False)

    def stop(signum, frame):
        if runner.stop_requested:
            raise KeyboardInterrupt
        err.print("[yellow]stopping after this step with a checkpoint; re-run the same command to continue (Ctrl-C again to stop at once)[/]")
        runner.request_stop()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    start = time.perf_counter()
    try:
        runner.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    err.print(_grid_table(cells, states, results, seed_values))
    failed = [cid for cid, s in states.items() if s == "failed"]
    left = [cid for cid, s in states.items() if s in ("pending", "partial", "stopped")]
    out.print(f"{len(cells) - len(failed) - len(left)} of {len(cells)} cells done in {time.perf_counter() - start:.0f} s; results in {out_dir}.", highlight=False)
    if left:
        out.print(f"{len(left)} cells not finished: re-run the same command to continue.", highlight=False)
    if failed:
        out.print(f"{len(failed)} cells failed (see their result.json): {', '.join(failed)}.", highlight=False, soft_wrap=True)
    if runner.stop_requested:
        raise typer.Exit(EXIT_INTERRUPTED)  # stopped by Ctrl-C / SIGTERM after a checkpoint, as `ganzoo train`
    if failed:
        raise typer.Exit(1)


@app.command()
@guarded
def leaderboard(
    results_dir: Path = typer.Argument(..., help="A results folder written by `ganzoo bench --out`."),
    out_file: Path = typer.Option(Path("leaderboard.md"), "--out", "-o", help="Markdown page to write; its images go in a folder of the same name without .md."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="JSON for tools. (default: --out with .json)"),
    readme: Optional[Path] = typer.Option(None, help="Also replace the block between <!-- leaderboard:start --> and <!-- leaderboard:end --> in this file with the top rows."),
) -> None:
    """Rank the results of `ganzoo bench` per dataset (mean ± std over seeds) into a Markdown page.

    Example: [bold]ganzoo leaderboard results/ --out docs/leaderboard.md[/]
    """
    from ganzoo.api.bench import leaderboard as write_leaderboard

    board = write_leaderboard(results_dir, out_file, json_out=json_out, readme=readme)
    table = Table(title=f"leaderboard from {board.count} results")
    for column in ("dataset", "rank", "recipe", "FID", "seeds"):
        table.add_column(column)
    for dataset, (groups, _) in board.datasets.items():
        for rank, row in enumerate(groups[0].rows if groups else [], 1):
            fid = row.summary("fid")
            table.add_row(dataset, str(rank), row.recipe, f"{fid['mean']:.2f} ± {fid['std']:.2f}" if fid else "–", str(len(row.results)))
    out.print(table)
    out.print(f"wrote {out_file}, {json_out or out_file.with_suffix('.json')} and the images in {out_file.with_suffix('')}/", highlight=False)
