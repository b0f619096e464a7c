"""Run a benchmark grid: train and evaluate each cell, write one result JSON per cell.

Layout of ``OUT``::

    OUT/<cell id>/cell.json      the cell and the grid settings it was started with
    OUT/<cell id>/run/           the training run (config, metrics, samples, last checkpoint)
    OUT/<cell id>/result.json    written last, atomically: status done or failed, metrics...
    OUT/<cell id>/samples.png    the final sample grid      (copied from run/ when done)
    OUT/<cell id>/metrics.jsonl  the training log            (copied from run/ when done)
    OUT/mlflow.db, OUT/mlartifacts/  the MLflow store of the grid, with ``--logger mlflow``

A cell with a ``done`` result is skipped; one with a checkpoint resumes from it; a failed
cell is tried again. ``ganzoo leaderboard`` reads only the ``result.json`` files and the two
copies beside them, so ``run/`` (checkpoints) need not be kept or committed. With loggers, the
cells of a grid are grouped so that a tracker compares them: a W&B group and an MLflow
experiment named after OUT's folder, each run named after its cell; ``tensorboard --logdir OUT``.
"""

from __future__ import annotations

import json
import shutil
import time
import traceback
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from ganzoo.base.atomic import write_json_atomically
from ganzoo.base.jsonl import read_jsonl
from ganzoo.base.layout import METRICS_FILE, SAMPLES_DIR, sample_grid_name
from ganzoo.bench.environment import hardware, versions
from ganzoo.bench.grid import RESULT_FILE, SCHEMA, Cell, Settings
from ganzoo.data.dataset import DatasetSpec, ImageDataset
from ganzoo.errors import ConfigError
from ganzoo.evaluate import evaluate_generator, load_reference
from ganzoo.registry import Registry
from ganzoo.train.checkpoint import list_checkpoints
from ganzoo.train.config import resolve_config
from ganzoo.train.records import Tracking
from ganzoo.train.run_lock import RunLock
from ganzoo.train.speed import images_per_s_of
from ganzoo.train.trainer import Trainer

CELL_FILE = "cell.json"
RUN_DIR = "run"
SAMPLES_FILE = "samples.png"
LOG_LINES = 100  # metrics.jsonl records per cell
CHECKPOINTS = 4  # checkpoints per cell (the last one kept), so a stopped grid loses little


@dataclass
class CellOutcome:
    """What happened to one cell: ``done``, ``skipped`` (done earlier), ``failed`` or ``stopped``."""

    cell: Cell
    status: str
    result: dict[str, Any] | None = None


def read_result(cell_dir: Path) -> dict[str, Any] | None:
    """The cell's result.json, or None when it has none (or an unreadable one)."""
    try:
        result = json.loads((cell_dir / RESULT_FILE).read_text())
    except (OSError, ValueError):
        return None
    return result if isinstance(result, dict) and result.get("schema") == SCHEMA else None


def cell_state(cell_dir: Path) -> str:
    """``done``, ``failed``, ``partial`` (has a checkpoint) or ``pending``."""
    result = read_result(cell_dir)
    if result is not None and result.get("status") in ("done", "failed"):
        return result["status"]
    return "partial" if list_checkpoints(cell_dir / RUN_DIR) else "pending"


class GridRunner:
    """Trains and evaluates the cells of a grid in order, recording each outcome on disk."""

    def __init__(
        self,
        registry: Registry,
        cells: list[Cell],
        settings: Settings,
        out: Path,
        *,
        device: str = "auto",
        data_root: str | None = None,
        command: str = "",
        progress: bool = True,
        loggers: tuple[str, ...] = (),
        on_start: Callable[[int, Cell, str], None] | None = None,
        on_finish: Callable[[int, CellOutcome], None] | None = None,
    ):
        self.registry, self.cells, self.settings, self.out = registry, cells, settings, Path(out)
        self.device, self.data_root, self.command, self.progress = device, data_root, command, progress
        self.loggers = tuple(loggers)  # experiment trackers of every cell (registry names)
        self.on_start, self.on_finish = on_start, on_finish
        self.trainer: Trainer | None = None  # the one training now (for stop requests)
        self.stop_requested = False
        self._references: dict[str, tuple[DatasetSpec, ImageDataset]] = {}

    # -- before anything runs ------------------------------------------------------------
    def check(self) -> dict[str, str]:
        """Refuse settings that contradict cells already in OUT; load each reference split once.

        Returns each cell's state. Raises ConfigError/DataError before any cell runs.
        """
        wanted = self.settings.to_dict()
        for cell in self.cells:
            try:
                started = json.loads((self.out / cell.id / CELL_FILE).read_text()).get("settings")
            except (OSError, ValueError):
                continue
            if started is not None and started != wanted:
                differences = ", ".join(f"{k}: {started.get(k)!r} there, {wanted.get(k)!r} now" for k in wanted if started.get(k) != wanted.get(k))
                raise ConfigError(
                    f"{self.out / cell.id} was started with other settings ({differences}). "
                    "Re-run the grid with the same --steps/--images, --precision, --eval-n, --metrics and --split, or choose another --out."
                )
        for dataset in dict.fromkeys(cell.dataset for cell in self.cells):
            self.reference(dataset)
        return {cell.id: cell_state(self.out / cell.id) for cell in self.cells}

    def reference(self, dataset: str) -> tuple[DatasetSpec, ImageDataset]:
        if dataset not in self._references:
            self._references[dataset] = load_reference(self.registry, dataset, self.settings.split, self.data_root)
        return self._references[dataset]

    # -- running -------------------------------------------------------------------------
    def run(self) -> list[CellOutcome]:
        """Every cell in order; stops early (the current cell resumable) when a stop is requested."""
        states = self.check()
        outcomes = []
        for index, cell in enumerate(self.cells):
            if self.stop_requested:
                break
            state = states[cell.id]
            if self.on_start:
                self.on_start(index, cell, state)
            if state == "done":
                outcome = CellOutcome(cell, "skipped", read_result(self.out / cell.id))
            else:
                with RunLock(self.out / cell.id):  # one writer per cell: a second `ganzoo bench` on it is refused
                    # another `ganzoo bench` may have finished the cell since check(): never train it twice
                    done = cell_state(self.out / cell.id) == "done"
                    outcome = CellOutcome(cell, "skipped", read_result(self.out / cell.id)) if done else self.run_cell(cell)
            outcomes.append(outcome)
            if self.on_finish:
                self.on_finish(index, outcome)
            if outcome.status == "stopped":
                break
        return outcomes

    def request_stop(self) -> None:
        """Stop after the current training step (with a checkpoint) and leave the rest."""
        self.stop_requested = True
        if self.trainer is not None:
            self.trainer.request_stop()

    def run_cell(self, cell: Cell) -> CellOutcome:
        """Train (or resume) and evaluate one cell; any error is recorded as a failed result."""
        cell_dir = self.out / cell.id
        cell_dir.mkdir(parents=True, exist_ok=True)
        write_json_atomically(cell_dir / CELL_FILE, {"cell": cell.__dict__, "settings": self.settings.to_dict()})
        started = time.perf_counter()
        try:
            result = self._train_and_evaluate(cell, cell_dir)
        except KeyboardInterrupt:
            raise
        except Exception as error:  # noqa: BLE001 - one failing cell must not stop the grid
            result = self._base_record(cell) | {
                "status": "failed",
                "error": f"{type(error).__name__}: {error}",
                "traceback": traceback.format_exc(),
                "wall_s": round(time.perf_counter() - started, 2),
            }
        finally:
            self.trainer = None
        if result is None:
            return CellOutcome(cell, "stopped")
        write_json_atomically(cell_dir / RESULT_FILE, result)
        return CellOutcome(cell, result["status"], result)

    def _base_record(self, cell: Cell) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "cell": {"id": cell.id, "recipe": cell.recipe, "dataset": cell.dataset, "seed": cell.seed},
            "settings": self.settings.to_dict(),
            "command": self.command,
            "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "versions": versions(),
        }

    def _train_and_evaluate(self, cell: Cell, cell_dir: Path) -> dict[str, Any] | None:
        settings = self.settings
        recipe = self.registry.recipe(cell.recipe)
        steps = settings.budget.steps_for(recipe.batch_size, recipe.d_steps, recipe.steps)
        config = resolve_config(
            self.registry, cell.dataset, cell.recipe, steps=steps, seed=cell.seed, precision=settings.precision, device=self.device,
            data_root=self.data_root, log_every=max(1, steps // LOG_LINES), sample_every=steps, checkpoint_every=max(1, steps // CHECKPOINTS), keep=1,
            logger=self.loggers,
        )  # fmt: skip
        run_dir = cell_dir / RUN_DIR
        resume = bool(list_checkpoints(run_dir))
        tracking = Tracking(cell.id, group=self.out.resolve().name, shared_dir=self.out)
        self.trainer = trainer = Trainer(
            config, run_dir, registry=self.registry, resume=resume, overwrite=not resume, progress=self.progress, tracking=tracking
        )
        trainer.setup()
        if self.stop_requested:
            trainer.request_stop()
        started = time.perf_counter()
        fitted = trainer.fit()
        train_wall = time.perf_counter() - started
        if fitted.interrupted:
            return None
        spec, reference = self.reference(cell.dataset)
        generator = trainer.gan.sampling_generator
        started = time.perf_counter()
        evaluation = evaluate_generator(
            generator, reference, dataset=spec, n=settings.eval_n, n_real=settings.eval_n, metrics=settings.metrics,
            ema=trainer.gan.ema is not None, reference_split=settings.split, device=str(trainer.gan.device),
        )  # fmt: skip
        eval_wall = time.perf_counter() - started
        shutil.copyfile(run_dir / SAMPLES_DIR / sample_grid_name(steps), cell_dir / SAMPLES_FILE)
        shutil.copyfile(run_dir / METRICS_FILE, cell_dir / METRICS_FILE)
        rate = images_per_s_of(read_jsonl(run_dir / METRICS_FILE))  # the one definition (ganzoo.train.speed)
        return self._base_record(cell) | {
            "status": "done",
            "metrics": evaluation.metrics,
            "protocol": evaluation.protocol,
            "training": {
                "steps": steps,
                "batch_size": config.batch_size,
                "d_steps": config.d_steps,
                "image_size": trainer.shapes.image_shape[-1],
                "precision": config.precision,
                "ema": trainer.gan.ema is not None,
                "generator": config.generator,
                "discriminator": config.discriminator,
                "loss": config.loss,
                "resumed": resume,
            },
            "images_per_s": round(rate, 1) if rate is not None else None,
            "train_wall_s": round(train_wall, 2),
            "eval_wall_s": round(eval_wall, 2),
            "hardware": hardware(trainer.gan.device),
            "samples": SAMPLES_FILE,
            "log": METRICS_FILE,
        }



