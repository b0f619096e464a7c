"""Exponential moving average of the generator's weights."""

from __future__ import annotations

import copy

import torch
from torch import nn


class EMA:
    """Keeps ``shadow = d * shadow + (1 - d) * live`` after every generator step.

    ``d`` ramps up to ``decay`` as ``min(decay, (1 + t) / (10 + t))`` at the ``t``-th update
    (as TensorFlow's ExponentialMovingAverage with ``num_updates``): without the ramp, a decay
    of 0.999 still weighs the random initial weights by 0.999^t, 37% after 1000 steps and 5%
    after 3000, which spoils the samples of the short runs a CPU affords. The ramp depends
    only on the step, so a resumed run averages exactly as an uninterrupted one.
    Buffers (e.g. BatchNorm statistics) are copied, not averaged.
    """

    def __init__(self, model: nn.Module, decay: float):
        self.decay = decay
        self.model = copy.deepcopy(model).eval().requires_grad_(False)

    def decay_at(self, step: int | None) -> float:
        """The decay used at update number ``step`` (0-based); the full decay when ``step`` is None."""
        return self.decay if step is None else min(self.decay, (1 + step) / (10 + step))

    @torch.no_grad()
    def update(self, model: nn.Module, step: int | None = None) -> None:
        """Move the shadow towards ``model``; ``step`` (the 0-based update count) ramps the decay."""
        shadow_params = list(self.model.parameters())
        live_params = list(model.parameters())
        torch._foreach_lerp_(shadow_params, live_params, 1.0 - self.decay_at(step))
        for shadow, live in zip(self.model.buffers(), model.buffers(), strict=True):
            shadow.copy_(live)
