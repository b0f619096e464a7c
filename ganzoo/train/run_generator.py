"""Rebuilding a run's generator from its directory: its config and the newest intact checkpoint."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from ganzoo.errors import CheckpointError
from ganzoo.registry import Registry
from ganzoo.train.build import Shapes, build_generator, shapes_for
from ganzoo.train.checkpoint import load_module_weights
from ganzoo.train.config import TrainConfig
from ganzoo.train.run_dir import open_existing_run, warn_on_part_changes


def load_generator(run_dir: Path, registry: Registry, use_ema: bool = True, device: str | torch.device = "cpu") -> tuple[nn.Module, TrainConfig, Shapes, int, bool]:
    """Rebuild a run's generator from its config and newest checkpoint.

    Returns ``(generator, config, shapes, step, is_ema)``; the EMA weights are used when the
    run has them and ``use_ema`` is true.
    """
    config = open_existing_run(run_dir)
    warn_on_part_changes(run_dir, registry, "loading", config)
    spec = registry.dataset(config.dataset)
    shapes = shapes_for(config, spec)
    generator = build_generator(registry, config, shapes)
    prefix = "generator"
    if use_ema and config.ema_decay > 0:
        prefix = "generator_ema"
    step, state, _ = load_module_weights(run_dir, prefix)
    try:
        generator.load_state_dict(state)
    except RuntimeError as error:
        raise CheckpointError(f"The checkpoint of step {step} in {run_dir} does not fit generator {config.generator!r}: {error}") from error
    return generator.to(device).eval(), config, shapes, step, prefix == "generator_ema"
