"""Where a training step's time goes: data, forward passes, backward passes, optimiser steps."""

from __future__ import annotations

import contextlib
import time
from collections import defaultdict
from typing import Iterator

import torch

#: The sections of a step, in the order they run.
SECTIONS = ("data", "g_forward", "d_forward_loss", "d_backward", "d_optimizer", "g_loss", "g_backward", "g_optimizer", "ema")


class PhaseTimer:
    """Accumulates wall time per section; disabled, every section is a no-op context.

    Enabled, it synchronises the device around each section so that the time of
    asynchronous GPU work lands in the section that queued it (which slows training a little).
    """

    def __init__(self, enabled: bool, device: torch.device):
        self.enabled = enabled
        self.device = device
        self.totals: dict[str, float] = defaultdict(float)
        self.steps = 0

    def _sync(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    @contextlib.contextmanager
    def section(self, name: str) -> Iterator[None]:
        if not self.enabled:
            yield
            return
        self._sync()
        start = time.perf_counter()
        yield
        self._sync()
        self.totals[name] += time.perf_counter() - start

    def summary(self) -> dict[str, dict[str, float]]:
        """Per section: milliseconds per step and share of the profiled time."""
        total = sum(self.totals.values()) or 1.0
        steps = max(self.steps, 1)
        order = [s for s in SECTIONS if s in self.totals] + [s for s in self.totals if s not in SECTIONS]
        return {name: {"ms_per_step": 1000 * self.totals[name] / steps, "share": self.totals[name] / total} for name in order}
