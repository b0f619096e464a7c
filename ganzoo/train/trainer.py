"""A training run: the directory, its lock, and the cadence around the step.

:class:`Trainer` loads the data, builds the :class:`~ganzoo.train.step.GanStep` (networks,
optimisers, precision, augmentation, EMA and random streams: the step itself), and then owns
what happens between steps: logging windows, sample grids, checkpoints and their agreement
across processes, resuming, rolling back a diverged run, and the clock that measures speed.
"""

from __future__ import annotations

import math
import time
import warnings
from pathlib import Path
from typing import Any, Callable

import torch

from ganzoo.base.atomic import write_json_atomically
from ganzoo.base.layout import PROFILE_FILE, SAMPLES_DIR, sample_grid_name
from ganzoo.data.prepare import prepare_data
from ganzoo.discovery import get_registry
from ganzoo.errors import CheckpointError, GanzooWarning, RunError
from ganzoo.registry import Registry
from ganzoo.sampling import grid_labels, grid_rows
from ganzoo.train.agreement import NETWORKS, disagreeing_state
from ganzoo.train.checkpoint import check_identity, list_checkpoints, load_checkpoint, save_checkpoint
from ganzoo.train.config import TrainConfig, run_identity
from ganzoo.train.health import HealthMonitor
from ganzoo.train.images import save_grid
from ganzoo.train.periodic_eval import PeriodicEvaluation
from ganzoo.train.progress import TrainingProgress
from ganzoo.train.records import RunRecords, Tracking
from ganzoo.train.run_dir import check_new_run, data_record, parts_of, plugins_of, prepare_new_run, write_config
from ganzoo.train.run_lock import hold_run_lock
from ganzoo.train.speed import LogWindow, TrainingClock, TrainResult
from ganzoo.train.step import GanStep
from ganzoo.train.strategy import SingleProcess, strategy_for

#: Called after every step with (trainer, step); a returned dict is logged to metrics.jsonl.
StepCallback = Callable[["Trainer", int], "dict[str, Any] | None"]


class TrainingDiverged(RunError):
    """A loss or a weight became NaN or infinite."""


MAX_ROLLBACKS = 3  # with on_nan=rollback, give up after this many roll-backs
ROLLBACK_FACTOR = 0.5  # the n-th roll-back of a run trains on at ROLLBACK_FACTOR**n of the configured learning rates


class Trainer:
    """Trains the configuration ``config`` into ``run_dir``.

    ``resume=True`` continues from the run directory's newest intact checkpoint; otherwise
    the directory must be new or empty (``overwrite=True`` replaces a previous run's files).
    ``tracking`` names the run in the trackers of ``config.logger`` and groups it with others.
    After :meth:`setup`, ``gan`` is the run's :class:`~ganzoo.train.step.GanStep`.
    """

    def __init__(
        self,
        config: TrainConfig,
        run_dir: str | Path,
        *,
        registry: Registry | None = None,
        resume: bool = False,
        overwrite: bool = False,
        progress: bool = True,
        callbacks: tuple[StepCallback, ...] = (),
        tracking: Tracking | None = None,
    ):
        self.config = config
        self.run_dir = Path(run_dir)
        self.registry = registry or get_registry()
        self.resume = resume
        self.overwrite = overwrite
        self.show_progress = progress
        self.callbacks = list(callbacks)
        self.tracking = tracking
        self.stop_requested = False
        self.rollbacks = 0  # roll-backs over the whole run: checkpoints carry it, so a resume keeps it
        self.lr_scale = 1.0  # the learning rates now, relative to the configured ones (ROLLBACK_FACTOR**rollbacks)
        self.strategy: SingleProcess | None = None
        self.gan: GanStep | None = None
        self.startup_s = 0.0  # measured by setup()

    @property
    def step(self) -> int:
        """Generator steps trained so far, over the whole run."""
        return self.gan.count if self.gan is not None else 0

    # -- set-up -----------------------------------------------------------------------------
    def setup(self) -> None:
        """Load data, build the step (networks, optimisers...), and restore a checkpoint when resuming."""
        if self.gan is not None:
            return
        started = time.perf_counter()
        config = self.config
        if self.resume and not list_checkpoints(self.run_dir):
            raise CheckpointError(f"Cannot resume: {self.run_dir} holds no checkpoint yet. Start it without --resume (or with --overwrite).")
        if not self.resume:
            check_new_run(self.run_dir, self.overwrite)  # refuse early, before loading anything
        self.strategy = strategy = strategy_for(config.device)
        self.device = strategy.device
        dataset, self.shapes = prepare_data(config, self.registry)  # the data layer's job: load, limit, resize, labels
        gan = GanStep.build(config, self.registry, dataset, self.shapes, strategy)
        if config.eval_every and not any(isinstance(c, PeriodicEvaluation) for c in self.callbacks):
            self.callbacks.append(PeriodicEvaluation(config, self.registry))
        if config.health_every and not any(isinstance(c, HealthMonitor) for c in self.callbacks):
            self.callbacks.append(HealthMonitor(config, self.registry))
        fixed = torch.Generator().manual_seed(config.seed + 2)
        self.fixed_labels = grid_labels(self.shapes.num_classes, per_class=8) if self.shapes.num_classes else None
        count = len(self.fixed_labels) if self.fixed_labels is not None else 64
        self.fixed_z = torch.randn(count, config.latent_dim, generator=fixed).to(self.device)
        if self.fixed_labels is not None:
            self.fixed_labels = self.fixed_labels.to(self.device)
        self.run_lock = hold_run_lock(self.run_dir)  # one writer per run: a second is refused (rank 0 holds it)
        try:
            loggers = {name: self.registry.logger(name).factory() for name in config.logger} if strategy.is_main else {}
            self.records = RunRecords(self.run_dir, loggers, self.tracking)  # metrics.jsonl and the trackers: rank 0 only
            if self.resume:
                self.rollbacks, self.lr_scale = self._restore(gan)
            elif strategy.is_main:  # only now, with data loaded and networks built, is the directory touched
                prepare_new_run(self.run_dir, self.overwrite)
                data = data_record(self.shapes.image_shape, self.shapes.num_classes, dataset.class_names)
                write_config(self.run_dir, config, plugins_of(self.registry, config), parts_of(self.registry, config), data)
        except BaseException:
            self.run_lock.release()  # a set-up that failed leaves the run free for the next try
            raise
        strategy.barrier()
        self.gan = gan
        self.startup_s = time.perf_counter() - started

    # -- checkpoints ------------------------------------------------------------------------
    def _identity(self) -> dict[str, Any]:
        shapes = {"image_shape": list(self.shapes.image_shape), "num_classes": self.shapes.num_classes}
        return {**run_identity(self.config), **shapes}  # recipe, parts, dataset, options fixed on resume; shapes

    def save_checkpoint(self) -> Path | None:
        """Write a checkpoint of the current step (atomically, rank 0 only) and return its weights file.

        Under data parallelism the processes first compare networks and parts' state: different
        weights stop the run; different part state (statistics of one process's batches) is
        recorded in the checkpoint and warned about, since only rank 0's is saved.
        """
        strategy, gan = self.strategy, self.gan
        different = disagreeing_state(gan)
        networks = [name for name in different if name in NETWORKS]
        if networks:
            raise RunError(f"At step {self.step} the {strategy.world_size} processes hold different {' and '.join(networks)} weights; the run cannot continue consistently.")
        if different and strategy.is_main:
            warnings.warn(
                f"At step {self.step} the {strategy.world_size} processes hold different {', '.join(different)} state; the checkpoint keeps rank 0's, "
                "so a resumed run will not continue exactly. The part should average its state across processes (ctx.mean_across_processes).",
                GanzooWarning,
                stacklevel=2,
            )
        weights = None
        if strategy.is_main:
            meta = {"identity": self._identity(), "world_size": strategy.world_size, "ranks_agree": not different, "ranks_disagree_on": different}
            meta["rollbacks"], meta["lr_scale"] = self.rollbacks, self.lr_scale
            weights = save_checkpoint(self.run_dir, self.step, gan.state_dict(), meta, keep=self.config.keep).weights
            self.records.checkpoint(self.step)
        strategy.barrier()
        return weights

    def _restore(self, gan: GanStep) -> tuple[int, float]:
        """Load the newest checkpoint into ``gan``; returns the run's roll-backs when it was written and
        the learning-rate scale its optimisers hold (checkpoints older than these fields: 0 and 1)."""
        step, state, meta = load_checkpoint(self.run_dir)
        check_identity(meta, self._identity(), step, self.run_dir)
        gan.load_state_dict(state, step)
        if self.strategy.is_main:
            self.records.truncate_after(step)
        return int(meta.get("rollbacks", 0)), float(meta.get("lr_scale", 1.0))

    # -- the loop ---------------------------------------------------------------------------
    def sample_grid(self, path: Path | None = None) -> Path:
        """Write the fixed-noise grid of the current step (EMA generator when present)."""
        images = self.gan.draw(self.fixed_z, self.fixed_labels)
        path = path or self.run_dir / SAMPLES_DIR / sample_grid_name(self.step)
        save_grid(images, path, nrow=grid_rows(self.shapes.num_classes, len(images)))
        return path

    def _check_finite(self, record: dict[str, float], weights: bool = False) -> None:
        """Raise TrainingDiverged when a logged value (or, with ``weights``, a weight) is NaN/inf."""
        bad = [k for k, v in record.items() if isinstance(v, float) and not math.isfinite(v)]
        if weights:
            bad += self.gan.nonfinite_weights()
        if not bad:
            return
        good = list_checkpoints(self.run_dir)
        last = f"the last checkpoint is step {good[-1].step} in {good[-1].weights.parent}" if good else "no checkpoint was written yet"
        raise TrainingDiverged(
            f"Training diverged at step {self.step}: {', '.join(bad)} became non-finite. Nothing was saved after the divergence; {last}. "
            "Try a lower learning rate (--lr-g/--lr-d), fp32 precision, or another seed."
        )

    def fit(self) -> TrainResult:
        """Train until ``config.steps`` (or a stop request); return what happened."""
        self.setup()
        config = self.config
        start = self.step
        window = LogWindow()
        interrupted, status = False, "failed"
        try:
            opened = time.perf_counter()
            self.records.open(config.to_dict(), start, self.resume)  # the trackers' runs: start-up, not training time
            self.startup_s += time.perf_counter() - opened
            run_start = time.perf_counter()
            clock = TrainingClock(self._images_per_step(), sync=self._synchronize)
            with TrainingProgress(config.steps, start, enabled=self.show_progress and self.strategy.is_main) as progress:
                self.progress = progress  # where step callbacks (the health rules) print
                while self.step < config.steps:
                    try:
                        interrupted = self._step_and_report(window, clock, progress, run_start)
                    except TrainingDiverged as error:
                        with clock.overhead():
                            rolled_back = self._roll_back(error, progress)
                        if not rolled_back:
                            raise
                        window = LogWindow()
                        clock.close_window()
                        continue
                    if interrupted:
                        break
            self.strategy.barrier()  # every process is done with the group before any destroys it (gloo aborts otherwise)
            status = "stopped" if interrupted else "finished"
        finally:
            self.records.close(status)
            self.strategy.teardown()
            self.run_lock.release()
        if config.profile and self.strategy.is_main:
            timer = self.gan.timer
            write_json_atomically(self.run_dir / PROFILE_FILE, {"steps": timer.steps, "device": str(self.device), "sections": timer.summary()})
        return TrainResult(
            self.run_dir, start, self.step, interrupted, clock.images_per_s(), target_step=config.steps,
            startup_s=self.startup_s, train_s=clock.train_s, overhead_s=clock.overhead_s,
            wall_s=self.startup_s + time.perf_counter() - run_start,
            health=tuple(alert.line() for c in self.callbacks for alert in getattr(c, "alerts", ()) if not alert.recovered),
        )  # fmt: skip

    def _images_per_step(self) -> int:
        return self.config.batch_size * self.config.d_steps * self.strategy.world_size

    def _synchronize(self) -> None:
        """Wait for queued device work, so that it is timed as the training that queued it."""
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def _step_and_report(self, window: "LogWindow", clock: TrainingClock, progress: TrainingProgress, run_start: float) -> bool:
        """One step plus its logging, callbacks, grids and checkpoints; True when stopped on request.

        Only the step and its logging count as training time (see :mod:`ganzoo.train.speed`).
        """
        config = self.config
        if config.lr_schedule == "linear":  # a function of the step (and of the rollbacks' back-off): resumes exactly
            remaining = self.lr_scale * (1 - self.step / config.steps)
            self.gan.set_learning_rates(config.lr_g * remaining, config.lr_d * remaining)
        stats = self.gan.step()
        window.add(stats)
        clock.step_done()
        progress.advance()
        final = self.step == config.steps
        main = self.strategy.is_main
        if self.step % config.log_every == 0 or final:
            means = self.strategy.mean(window.means())
            rate, seconds = clock.close_window()
            record = {"step": self.step, **means, "images_per_s": rate, "train_s": seconds}
            record["elapsed_s"] = round(time.perf_counter() - run_start, 3)
            self._check_finite(record)
            if main:
                self.records.append(record)
            progress.show({**record, "images_per_s": clock.images_per_s()})  # the run's figure so far, as the summary
            window.reset()
        if self.callbacks:
            with clock.overhead(sync=False):  # most calls do nothing: no device synchronisation every step
                for callback in self.callbacks:
                    extra = callback(self, self.step)
                    if extra and main:
                        self.records.append({"step": self.step, **extra})
        if main and (self.step % config.sample_every == 0 or final):
            with clock.overhead():
                self.records.grid(self.step, self.sample_grid())
        stop = self.strategy.any(self.stop_requested) and not final
        if stop or self.step % config.checkpoint_every == 0 or final:
            with clock.overhead():
                self._check_finite(self.strategy.mean({k: float(v) for k, v in stats.items()}), weights=True)
                self.save_checkpoint()
        if stop:
            progress.print(f"stopped at step {self.step}; checkpoint written, continue with --resume")
        return stop

    def _roll_back(self, error: TrainingDiverged, progress: TrainingProgress) -> bool:
        """With ``on_nan=rollback``: reload the last checkpoint and back off both learning rates.

        The n-th roll-back of the run trains on at ``ROLLBACK_FACTOR**n`` of the configured rates,
        whatever the checkpoint's optimisers hold: a second roll-back to the same checkpoint (which
        restores its rates) goes to 0.25x rather than replaying the same divergence at 0.5x.
        """
        if self.config.on_nan != "rollback" or self.rollbacks >= MAX_ROLLBACKS or not list_checkpoints(self.run_dir):
            return False
        diverged_at = self.step
        _, restored_scale = self._restore(self.gan)
        self.rollbacks += 1
        self.lr_scale = ROLLBACK_FACTOR**self.rollbacks
        lrs = self.gan.scale_learning_rates(self.lr_scale / restored_scale)
        if self.strategy.is_main:
            record = {"step": self.step, "event": "rollback", "diverged_at": diverged_at, "rollback": self.rollbacks, "lr_scale": self.lr_scale, **lrs}
            self.records.append(record)
        progress.print(f"[yellow]diverged at step {diverged_at}; rolled back to step {self.step} with lr_g={lrs['lr_g']:.2e}, lr_d={lrs['lr_d']:.2e}[/]")
        return True

    def request_stop(self) -> None:
        """Ask the loop to stop after the current step and write a checkpoint."""
        self.stop_requested = True
