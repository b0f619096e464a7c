"""The one training loop for every generator x discriminator x loss combination.

Each step runs ``d_steps`` discriminator phases and one generator phase; the loss object owns
what happens inside a phase (objective and regularisers), so this loop never asks which GAN
it trains. Each phase hands the loss a :class:`~ganzoo.protocols.PhaseContext`, whose ``D``
applies the run's augmentation. The last discriminator phase's fakes are generated with
gradients and reused by the generator phase (one generator forward per step, as in the
canonical DCGAN loop). Loss and augmentation state, and the augmentation's random stream,
are checkpointed with everything else.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import torch

from ganzoo.data.batcher import DeviceBatcher, to_uint8
from ganzoo.data.root import resolve_data_root
from ganzoo.discovery import get_registry
from ganzoo.errors import CheckpointError, RunError
from ganzoo.registry import Registry
from ganzoo.protocols import PhaseContext
from ganzoo.train.build import Shapes, build_augmentation, build_discriminator, build_generator, build_loss, shapes_for
from ganzoo.train.build import part_needs
from ganzoo.train.checkpoint import list_checkpoints, load_checkpoint, save_checkpoint
from ganzoo.train.config import TrainConfig, run_identity
from ganzoo.train.ema import EMA
from ganzoo.train.images import save_grid
from ganzoo.train.precision import Precision
from ganzoo.train.atomic import write_json_atomically
from ganzoo.train.periodic_eval import PeriodicEvaluation
from ganzoo.train.profiler import PhaseTimer
from ganzoo.train.progress import TrainingProgress
from ganzoo.train.records import RunRecords, Tracking
from ganzoo.train.layout import PROFILE_FILE, SAMPLES_DIR
from ganzoo.train.run_dir import check_new_run, prepare_new_run, write_config
from ganzoo.train.run_lock import hold_run_lock
from ganzoo.sampling import grid_labels, grid_rows
from ganzoo.train.speed import TrainingClock, format_duration
from ganzoo.train.strategy import SingleProcess, strategy_for

#: Called after every step with (trainer, step); a returned dict is logged to metrics.jsonl.
StepCallback = Callable[["Trainer", int], "dict[str, Any] | None"]


class TrainingDiverged(RunError):
    """A loss or a weight became NaN or infinite."""


MAX_ROLLBACKS = 3  # with on_nan=rollback, give up after this many roll-backs


class _Window:
    """Running sums of a logging window's losses (its speed is kept by a :class:`TrainingClock`)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.sums: dict[str, torch.Tensor] = {}
        self.steps = 0

    def add(self, stats: dict[str, torch.Tensor]) -> None:
        self.steps += 1
        for key, value in stats.items():
            self.sums[key] = self.sums[key] + value if key in self.sums else value.clone()

    def means(self) -> dict[str, float]:
        return {k: float(v) / self.steps for k, v in self.sums.items()}


@dataclass
class TrainResult:
    """What :meth:`Trainer.fit` did."""

    run_dir: Path
    start_step: int  # the step the run started (or resumed) from
    step: int  # the step it stopped at
    interrupted: bool  # stopped early on request (Ctrl-C / SIGTERM); a checkpoint was written
    images_per_s: float  # real images through D per second of training (ganzoo.train.speed), over this call
    target_step: int = 0  # the run's --steps
    startup_s: float = 0.0  # loading data, building the networks, restoring a checkpoint
    train_s: float = 0.0  # the steps themselves: the images/s denominator
    overhead_s: float = 0.0  # sample grids, checkpoints and callbacks (periodic evaluation) between steps
    wall_s: float = 0.0  # start-up + everything fit() did

    def summary(self) -> str:
        """One sentence on what happened, with the speed and where the wall time went."""
        if self.step == self.start_step:
            return (
                f"nothing to train: the run is already at step {self.step} of {self.target_step}. "
                "To train on, resume with a larger --steps."
            )
        verb = "stopped" if self.interrupted else "finished"
        steps = self.step - self.start_step
        text = (
            f"{verb} at step {self.step} in {format_duration(self.wall_s)}: "
            f"start-up {format_duration(self.startup_s)}, "
            f"training {format_duration(self.train_s)} ({steps} steps at {self.images_per_s:.0f} images/s), "
            f"sample grids, checkpoints and evaluations {format_duration(self.overhead_s)}."
        )
        return text + (" A checkpoint was written; continue with --resume." if self.interrupted else "")


def make_adam(params, lr: float, betas: tuple[float, float]) -> torch.optim.Adam:
    """Adam with the fused implementation where this torch and device support it (4-10x faster
    steps than the default on a CPU, measured on the vanilla generator), else the default."""
    params = list(params)
    try:
        return torch.optim.Adam(params, lr=lr, betas=betas, fused=True)
    except (RuntimeError, TypeError, ValueError):
        return torch.optim.Adam(params, lr=lr, betas=betas)


class Trainer:
    """Trains the configuration ``config`` into ``run_dir``.

    ``resume=True`` continues from the run directory's newest intact checkpoint; otherwise
    the directory must be new or empty (``overwrite=True`` replaces a previous run's files).
    ``tracking`` names the run in the trackers of ``config.logger`` and groups it with others.
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
        self.rollbacks = 0
        self.strategy: SingleProcess | None = None
        self.step = 0
        self.startup_s = 0.0  # measured by setup()
        self._built = False

    # -- set-up -----------------------------------------------------------------------------
    def setup(self) -> None:
        """Load data, build the networks and optimisers, and restore a checkpoint when resuming."""
        if self._built:
            return
        started = time.perf_counter()
        config = self.config
        if self.resume and not list_checkpoints(self.run_dir):
            raise CheckpointError(f"Cannot resume: {self.run_dir} holds no checkpoint yet. Start it without --resume (or with --overwrite).")
        if not self.resume:
            check_new_run(self.run_dir, self.overwrite)  # refuse early, before loading anything
        self.strategy = strategy = strategy_for(config.device)
        self.device = strategy.device
        spec = self.registry.dataset(config.dataset)
        root = resolve_data_root(config.data_root)
        config.data_root = str(root)
        dataset = spec.load(root, "train", True).first(config.limit).resized(config.image_size)
        if not config.conditional:
            dataset.labels = None
        self.shapes: Shapes = shapes_for(config, spec)
        self.shapes = Shapes(dataset.image_shape, self.shapes.num_classes, self.shapes.latent_dim)

        torch.manual_seed(config.seed)
        self.G = build_generator(self.registry, config, self.shapes).to(self.device).train()
        self.D = build_discriminator(self.registry, config, self.shapes).to(self.device).train()
        self.loss = build_loss(self.registry, config)
        self.augment = build_augmentation(self.registry, config)
        self.needs = part_needs(self.registry, config)
        self.opt_g = make_adam(self.G.parameters(), config.lr_g, config.betas)
        self.opt_d = make_adam(self.D.parameters(), config.lr_d, config.betas)
        if config.channels_last:
            self.G.to(memory_format=torch.channels_last)
            self.D.to(memory_format=torch.channels_last)
        self.G_train, self.D_train = strategy.wrap(self.G), strategy.wrap(self.D)
        self.D_eval = self.D  # what the generator phase calls
        if config.compile:
            self.G_train = torch.compile(self.G_train)
            if "double_backward" not in self.needs:  # declared in the registry; compiled graphs cannot double backward
                self.D_train, self.D_eval = torch.compile(self.D_train), torch.compile(self.D)
        self.timer = PhaseTimer(config.profile, self.device)
        if config.eval_every and not any(isinstance(c, PeriodicEvaluation) for c in self.callbacks):
            self.callbacks.append(PeriodicEvaluation(config, self.registry))
        self.ema = EMA(self.G, config.ema_decay) if config.ema_decay > 0 else None
        self.precision = Precision(config.precision, self.device)
        self.batcher = DeviceBatcher(dataset, config.batch_size, self.device, seed=self._rank_seed(0), channels_last=config.channels_last)
        self.latent_rng = torch.Generator(device=self.device).manual_seed(self._rank_seed(1))
        self.augment_rng = torch.Generator(device=self.device).manual_seed(self._rank_seed(3))
        self.loss_rng = torch.Generator(device=self.device).manual_seed(self._rank_seed(4))
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
                self._restore()
            elif strategy.is_main:  # only now, with data loaded and networks built, is the directory touched
                prepare_new_run(self.run_dir, self.overwrite)
                write_config(self.run_dir, config, self._plugins())
        except BaseException:
            self.run_lock.release()  # a set-up that failed leaves the run free for the next try
            raise
        strategy.barrier()
        self._built = True
        self.startup_s = time.perf_counter() - started

    def _rank_seed(self, stream: int, step: int = 0) -> int:
        """Seed of a random stream (0 data order, 1 latents, 3 augmentation, 4 loss) for this process.

        Rank 0 of a fresh run uses seed + stream."""
        rank = self.strategy.rank if self.strategy else 0
        return self.config.seed + stream + 1_000_003 * rank + 7_919 * step

    def _plugins(self) -> dict[str, str]:
        c = self.config
        names = {"generator": c.generator, "discriminator": c.discriminator, "loss": c.loss, "dataset": c.dataset.partition(":")[0]}
        if c.recipe:
            names["recipe"] = c.recipe
        return {kind: self.registry.entry(kind, name).plugin for kind, name in names.items()}

    # -- state ------------------------------------------------------------------------------
    def _identity(self) -> dict[str, Any]:
        shapes = {"image_shape": list(self.shapes.image_shape), "num_classes": self.shapes.num_classes}
        return {**run_identity(self.config), **shapes}  # recipe, parts, dataset, options fixed on resume; shapes

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue exactly: weights, optimisers, data order, RNGs, scalers, part state."""
        rng = {"torch": torch.get_rng_state(), "latent": self.latent_rng.get_state()}
        rng["augment"] = self.augment_rng.get_state()
        rng["loss"] = self.loss_rng.get_state()
        if self.device.type == "cuda":
            rng["cuda"] = torch.cuda.get_rng_state(self.device)
        state = {
            "generator": self.G.state_dict(),
            "discriminator": self.D.state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "batcher": self.batcher.state_dict(),
            "rng": rng,
            "precision": self.precision.state_dict(),
        }
        if self.ema is not None:
            state["generator_ema"] = self.ema.model.state_dict()
        for name, part in self._stateful_parts():
            if hasattr(part, "state_dict"):
                state[name] = part.state_dict()
        return state

    def _stateful_parts(self) -> list[tuple[str, Any]]:
        return [("loss", self.loss), ("augment", self.augment)]

    def save_checkpoint(self) -> Path | None:
        """Write a checkpoint of the current step (atomically, rank 0 only) and return its weights file.

        Under data parallelism every process first checks that all hold the same weights.
        """
        strategy = self.strategy
        agree = strategy.ranks_agree(self.G) and strategy.ranks_agree(self.D)
        if not agree:
            raise RunError(f"At step {self.step} the {strategy.world_size} processes hold different weights; the run cannot continue consistently.")
        weights = None
        if strategy.is_main:
            meta = {"identity": self._identity(), "world_size": strategy.world_size, "ranks_agree": agree}
            weights = save_checkpoint(self.run_dir, self.step, self.state_dict(), meta, keep=self.config.keep).weights
            self.records.checkpoint(self.step)
        strategy.barrier()
        return weights

    def _restore(self) -> None:
        step, state, meta = load_checkpoint(self.run_dir)
        saved = meta.get("identity", {})
        current = self._identity()
        different = {k: (saved[k], v) for k, v in current.items() if k != "precision" and k in saved and saved[k] != v}
        if different:
            detail = "; ".join(f"{k}: checkpoint {a!r}, now {b!r}" for k, (a, b) in different.items())
            raise CheckpointError(f"The checkpoint of step {step} in {self.run_dir} was made for another model ({detail}). Resume with the run's own configuration.")
        try:
            self.G.load_state_dict(state["generator"])
            self.D.load_state_dict(state["discriminator"])
            self.opt_g.load_state_dict(state["opt_g"])
            self.opt_d.load_state_dict(state["opt_d"])
            if self.ema is not None and "generator_ema" in state:
                self.ema.model.load_state_dict(state["generator_ema"])
        except (RuntimeError, KeyError, ValueError) as error:
            raise CheckpointError(f"The checkpoint of step {step} does not fit the networks: {error}") from error
        self.precision.load_state_dict(state.get("precision", {}))
        for name, part in self._stateful_parts():
            if name in state and hasattr(part, "load_state_dict"):
                try:
                    part.load_state_dict(state[name])
                except (RuntimeError, KeyError, ValueError, TypeError) as error:
                    who = type(part).__name__
                    message = f"The checkpoint of step {step} holds {name} state that {who} cannot load: {error}"
                    raise CheckpointError(message) from error
        self.step = step
        if self.strategy.rank == 0:  # the saved random streams are rank 0's; other ranks start fresh ones
            self.batcher.load_state_dict(state["batcher"])
            torch.set_rng_state(state["rng"]["torch"])
            self.latent_rng.set_state(state["rng"]["latent"])
            if "augment" in state["rng"]:
                self.augment_rng.set_state(state["rng"]["augment"])
            if "loss" in state["rng"]:
                self.loss_rng.set_state(state["rng"]["loss"])
            if "cuda" in state["rng"] and self.device.type == "cuda":
                torch.cuda.set_rng_state(state["rng"]["cuda"], self.device)
        else:
            self.batcher.generator.manual_seed(self._rank_seed(0, step))
            self.latent_rng.manual_seed(self._rank_seed(1, step))
            self.augment_rng.manual_seed(self._rank_seed(3, step))
            self.loss_rng.manual_seed(self._rank_seed(4, step))
            torch.manual_seed(self._rank_seed(2, step))
        if self.strategy.is_main:
            self.records.truncate_after(step)

    # -- the loop ---------------------------------------------------------------------------
    def _latents(self, batch: int) -> torch.Tensor:
        return torch.randn(batch, self.config.latent_dim, device=self.device, generator=self.latent_rng)

    def _context(self, phase: str, d_index: int, real, labels, fake, discriminator) -> PhaseContext:
        """The phase context of discriminator update ``d_index`` of this step (the last one for the generator phase)."""
        augment = self.augment
        extra = {"augment": lambda images: augment(images, self.augment_rng)} if augment is not None else {}
        return PhaseContext(
            phase=phase,
            step=self.step,
            d_step=self.step * self.config.d_steps + d_index,
            real=real,
            labels=labels,
            fake=fake,
            discriminator=discriminator,
            G=self.G_train,
            sample_latents=self._latents,
            mean_across_processes=self.strategy.mean_tensor,
            rng=self.loss_rng,
            **extra,
        )

    def train_step(self) -> dict[str, torch.Tensor]:
        """One generator step and its discriminator steps; returns detached loss tensors."""
        G, loss, precision, timer = self.G_train, self.loss, self.precision, self.timer
        stats: dict[str, torch.Tensor] = {}
        adapts = hasattr(self.augment, "update")
        for phase in range(self.config.d_steps):
            last = phase == self.config.d_steps - 1
            with timer.section("data"):
                real, labels = self.batcher.next()
                z = self._latents(len(real))
            with timer.section("g_forward"), torch.set_grad_enabled(last), precision.autocast():
                fake = G(z, labels)
            ctx = self._context("discriminator", phase, real, labels, fake.detach(), self.D_train)
            with timer.section("d_forward_loss"), precision.autocast():
                d_loss, d_stats = loss.discriminator_loss(ctx)
            self._optimize(d_loss, self.opt_d, "d")
            if adapts:
                with timer.section("augment_update"):
                    stats.update(self.augment.update(ctx) or {})
        # The generator phase calls the bare discriminator: its gradients are not wanted, so
        # neither is DDP's gradient synchronisation of D.
        self.D.requires_grad_(False)
        ctx = self._context("generator", self.config.d_steps - 1, real, labels, fake, self.D_eval)
        with timer.section("g_loss"), precision.autocast():
            g_loss, g_stats = loss.generator_loss(ctx)
        self._optimize(g_loss, self.opt_g, "g")
        self.D.requires_grad_(True)
        if self.ema is not None:
            with timer.section("ema"):
                self.ema.update(self.G, self.step)
        timer.steps += 1
        stats.update(d_stats)
        stats.update(g_stats)
        stats["loss_d"] = d_loss.detach()
        stats["loss_g"] = g_loss.detach()
        return stats

    def _optimize(self, loss: torch.Tensor, optimizer: torch.optim.Optimizer, key: str) -> None:
        """Backward and step of one player ("d" or "g"), timed as ``KEY_backward`` and ``KEY_optimizer``."""
        with self.timer.section(f"{key}_backward"):
            optimizer.zero_grad(set_to_none=True)
            self.precision.backward(loss, key)
        with self.timer.section(f"{key}_optimizer"):
            self.precision.step(optimizer, key)

    def sample_grid(self, path: Path | None = None) -> Path:
        """Write the fixed-noise grid of the current step (EMA generator when present)."""
        model = self.ema.model if self.ema is not None else self.G
        was_training = model.training
        model.eval()
        with torch.no_grad():
            images = to_uint8(model(self.fixed_z, self.fixed_labels))
        model.train(was_training)
        path = path or self.run_dir / SAMPLES_DIR / f"step-{self.step:07d}.png"
        save_grid(images, path, nrow=grid_rows(self.shapes.num_classes, len(images)))
        return path

    def _check_finite(self, record: dict[str, float], weights: bool = False) -> None:
        """Raise TrainingDiverged when a logged value (or, with ``weights``, a weight) is NaN/inf."""
        bad = [k for k, v in record.items() if isinstance(v, float) and not math.isfinite(v)]
        if weights:
            for name, model in (("generator weights", self.G), ("discriminator weights", self.D)):
                if not torch.stack([p.detach().isfinite().all() for p in model.parameters()]).all():
                    bad.append(name)
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
        window = _Window()
        interrupted, status = False, "failed"
        try:
            opened = time.perf_counter()
            self.records.open(config.to_dict(), start, self.resume)  # the trackers' runs: start-up, not training time
            self.startup_s += time.perf_counter() - opened
            run_start = time.perf_counter()
            clock = TrainingClock(self._images_per_step(), sync=self._synchronize)
            with TrainingProgress(config.steps, start, enabled=self.show_progress and self.strategy.is_main) as progress:
                while self.step < config.steps:
                    try:
                        interrupted = self._step_and_report(window, clock, progress, run_start)
                    except TrainingDiverged as error:
                        with clock.overhead():
                            rolled_back = self._roll_back(error, progress)
                        if not rolled_back:
                            raise
                        window = _Window()
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
            write_json_atomically(self.run_dir / PROFILE_FILE, {"steps": self.timer.steps, "device": str(self.device), "sections": self.timer.summary()})
        return TrainResult(
            self.run_dir, start, self.step, interrupted, clock.images_per_s(), target_step=config.steps,
            startup_s=self.startup_s, train_s=clock.train_s, overhead_s=clock.overhead_s,
            wall_s=self.startup_s + time.perf_counter() - run_start,
        )  # fmt: skip

    def _images_per_step(self) -> int:
        return self.config.batch_size * self.config.d_steps * self.strategy.world_size

    def _synchronize(self) -> None:
        """Wait for queued device work, so that it is timed as the training that queued it."""
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def _step_and_report(
        self, window: "_Window", clock: TrainingClock, progress: TrainingProgress, run_start: float
    ) -> bool:
        """One step plus its logging, callbacks, grids and checkpoints; True when stopped on request.

        Only the step and its logging count as training time (see :mod:`ganzoo.train.speed`).
        """
        config = self.config
        stats = self.train_step()
        self.step += 1
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
        """With ``on_nan=rollback``: reload the last checkpoint and halve both learning rates."""
        if self.config.on_nan != "rollback" or self.rollbacks >= MAX_ROLLBACKS or not list_checkpoints(self.run_dir):
            return False
        diverged_at = self.step
        self._restore()
        self.rollbacks += 1
        for optimizer in (self.opt_g, self.opt_d):
            for group in optimizer.param_groups:
                group["lr"] *= 0.5
        lrs = {"lr_g": self.opt_g.param_groups[0]["lr"], "lr_d": self.opt_d.param_groups[0]["lr"]}
        if self.strategy.is_main:
            self.records.append({"step": self.step, "event": "rollback", "diverged_at": diverged_at, **lrs})
        progress.print(f"[yellow]diverged at step {diverged_at}; rolled back to step {self.step} with lr_g={lrs['lr_g']:.2e}, lr_d={lrs['lr_d']:.2e}[/]")
        return True

    def request_stop(self) -> None:
        """Ask the loop to stop after the current step and write a checkpoint."""
        self.stop_requested = True
