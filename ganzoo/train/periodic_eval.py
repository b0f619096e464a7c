"""Evaluation every K steps during training (``--eval-every``), logged to metrics.jsonl."""

from __future__ import annotations

from typing import Any

from ganzoo.registry import Registry
from ganzoo.train.config import TrainConfig

REFERENCE_SPLIT = "test"


class PeriodicEvaluation:
    """A step callback: every ``eval_every`` steps (and at the last step) evaluate the generator
    (the EMA one when present) on ``eval_n`` samples; rank 0 only."""

    def __init__(self, config: TrainConfig, registry: Registry):
        self.config = config
        self.registry = registry
        self._reference = None

    def __call__(self, trainer, step: int) -> dict[str, Any] | None:
        from ganzoo.evaluate import evaluate_generator, load_reference

        config = self.config
        if not trainer.strategy.is_main or (step % config.eval_every and step != config.steps):
            return None
        if self._reference is None:
            self._reference = load_reference(self.registry, config.dataset, REFERENCE_SPLIT, config.data_root)
        spec, reference = self._reference
        generator = trainer.gan.sampling_generator
        result = evaluate_generator(
            generator, reference, dataset=spec, n=config.eval_n, seed=config.seed, ema=trainer.gan.ema is not None, metrics=config.eval_metrics, reference_split=REFERENCE_SPLIT, device=str(trainer.gan.device)
        )
        return {"eval": result.metrics, "eval_protocol": result.protocol}
