"""Training health during a run (``--health-every``): the probe, the signals, and the rules fed live.

:class:`HealthMonitor` is a step callback. Every ``health_every`` steps it builds a
:class:`~ganzoo.health.Probe` (a fixed real batch drawn once, the run's fixed latents of the
sample grids, D's scores of both, the gradients the last step left), and returns the registered
signals' numbers, which the trainer logs as ``{"step": N, "health": {...}}``. Off those steps it
does nothing: no forward pass, no synchronisation. D scores the probe as it trains (train mode:
BatchNorm on batch statistics, real and fake in separate calls) with every buffer put back
afterwards, the diversity sample is drawn in eval mode as the sample grids are, and torch's random
state is forked: a run trains exactly the same with or without the probe.

It also watches every record the run appends (:attr:`RunRecords.observers`) with the registered
rules; an alert is printed in the progress output, appended to ``metrics.jsonl`` as an
``{"event": "health"}`` record, sent to the trackers as ``health_alert/KIND`` = 1 at its step,
and kept in :attr:`alerts` for the run's summary. Rank 0 only.
"""

from __future__ import annotations

import contextlib
from typing import Any

import torch

from ganzoo.data.batcher import to_unit_range
from ganzoo.data.prepare import prepare_data
from ganzoo.errors import GanzooError
from ganzoo.health import HEALTH_KEY, Alert, Probe, RuleBook, build_rules, build_signals, measure
from ganzoo.registry import Registry
from ganzoo.train.config import TrainConfig

PROBE_SIZE = 64  # real images in the probe batch
PROBE_SEED_OFFSET = 5  # the probe batch is drawn with --seed + 5, apart from the training streams


@contextlib.contextmanager
def _buffers_kept(*modules: torch.nn.Module):
    """Run modules as they train (BatchNorm on batch statistics, spectral norm's power iteration)
    and put every buffer back afterwards: the running statistics and power-iteration vectors stay
    those of the training."""
    saved = [(buffer, buffer.detach().clone()) for m in modules for buffer in m.buffers()]
    try:
        yield
    finally:
        with torch.no_grad():
            for buffer, value in saved:
                buffer.copy_(value)


@contextlib.contextmanager
def _evaluating(*modules: torch.nn.Module):
    modes = [m.training for m in modules]
    for m in modules:
        m.eval()
    try:
        yield
    finally:
        for m, mode in zip(modules, modes):
            m.train(mode)


class HealthMonitor:
    """A step callback measuring the health signals every ``config.health_every`` steps and feeding the rules."""

    def __init__(self, config: TrainConfig, registry: Registry):
        self.every = config.health_every
        self.seed = config.seed + PROBE_SEED_OFFSET
        self.signals = build_signals(registry)
        self.book = RuleBook(build_rules(registry))
        self.alerts: list[Alert] = []  # raised in this session (a resumed run's earlier ones are in metrics.jsonl)
        self._trainer = None
        self._real: tuple[torch.Tensor, torch.Tensor | None] | None = None
        self._held_out: tuple[torch.Tensor, torch.Tensor | None] | None | bool = None  # False: no test split here

    # -- the rules, live ---------------------------------------------------------------------
    def _attach(self, trainer) -> None:
        """Replay what the run already recorded (a resumed run's history), then watch every new record."""
        self._trainer = trainer
        for record in trainer.records.read():
            self.book.observe(record)
        trainer.records.observers.append(self._observe)

    def _observe(self, record: dict[str, Any]) -> None:
        for alert in self.book.observe(record):
            self.alerts.append(alert)
            trainer = self._trainer
            colour = "green" if alert.recovered else "yellow"
            progress = getattr(trainer, "progress", None)
            if progress is not None:
                progress.print(f"[{colour}]health: {alert.line()}[/]")
            trainer.records.append({**alert.record(), f"{HEALTH_KEY}_alert": {alert.kind: 0 if alert.recovered else 1}})

    # -- the signals, every K steps ----------------------------------------------------------
    def __call__(self, trainer, step: int) -> dict[str, Any] | None:
        if not trainer.strategy.is_main or not self.every:
            return None
        if self._trainer is None:
            self._attach(trainer)
        if step % self.every:
            return None
        return {HEALTH_KEY: measure(self.signals, self.probe(trainer, step))}

    def _real_batch(self, gan) -> tuple[torch.Tensor, torch.Tensor | None]:
        if self._real is None:
            images, labels = gan.batcher.images, gan.batcher.labels
            order = torch.randperm(len(images), generator=torch.Generator().manual_seed(self.seed))[:PROBE_SIZE].to(images.device)
            self._real = (to_unit_range(images[order]), labels[order] if labels is not None else None)
        return self._real

    def _held_out_batch(self, trainer) -> tuple[torch.Tensor, torch.Tensor | None] | None:
        """A fixed batch of the test split, prepared as the training data is (None when there is none here)."""
        if self._held_out is None:
            self._held_out = False
            config = trainer.config
            if "test" in trainer.registry.dataset(config.dataset).splits:
                try:
                    dataset, _ = prepare_data(config, trainer.registry, "test", download=False)
                except (GanzooError, OSError):  # not on disk: the overfitting signal is left out
                    dataset = None
                if dataset is not None and len(dataset.images):
                    order = torch.randperm(len(dataset.images), generator=torch.Generator().manual_seed(self.seed + 1))[:PROBE_SIZE]
                    labels = dataset.labels[order].to(trainer.gan.device) if dataset.labels is not None else None
                    self._held_out = (to_unit_range(dataset.images[order].to(trainer.gan.device)), labels)
        return self._held_out or None

    def probe(self, trainer, step: int) -> Probe:
        """The probe of the current step: fixed reals, the fixed latents' images, D's scores of both."""
        gan = trainer.gan
        real, real_labels = self._real_batch(gan)
        held_out = self._held_out_batch(trainer)
        z, z_labels = trainer.fixed_z, trainer.fixed_labels
        devices = [gan.device] if gan.device.type == "cuda" else []
        with torch.no_grad(), torch.random.fork_rng(devices=devices):
            with _buffers_kept(gan.G, gan.D):  # D's scores as the training sees them: train mode, real and fake apart
                fake = gan.G(z, z_labels)
                d_real, d_fake = gan.D(real, real_labels), gan.D(fake, z_labels)
                d_held_out = gan.D(*held_out) if held_out is not None else None
            sampler = gan.sampling_generator
            with _evaluating(sampler):  # the samples as the grids show them
                sample = sampler(z, z_labels)
        return Probe(step, gan.G, gan.D, real, fake, sample, d_real, d_fake, held_out[0] if held_out else None, d_held_out)
