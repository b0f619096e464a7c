"""Numerical precision of a run: autocast dtype and, for fp16, a GradScaler per optimiser.

The trainer never touches autocast or a scaler itself; it asks the precision object.
"""

from __future__ import annotations

import contextlib
from typing import Any

import torch

_DTYPES = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}


class Precision:
    """``fp32`` (plain), ``bf16`` (autocast) or ``fp16`` (autocast + loss scaling)."""

    def __init__(self, name: str, device: torch.device):
        self.name = name
        self.device_type = device.type
        self.dtype = _DTYPES[name]
        self._scalers: dict[str, torch.amp.GradScaler] = {}

    def autocast(self) -> contextlib.AbstractContextManager:
        """Context in which forward passes and losses run."""
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device_type, dtype=self.dtype)

    def _scaler(self, key: str) -> torch.amp.GradScaler | None:
        if self.name != "fp16":
            return None
        if key not in self._scalers:
            self._scalers[key] = torch.amp.GradScaler(self.device_type)
        return self._scalers[key]

    def backward(self, loss: torch.Tensor, key: str) -> None:
        """Backpropagate ``loss`` of the optimiser called ``key`` (scaled under fp16)."""
        scaler = self._scaler(key)
        (scaler.scale(loss) if scaler is not None else loss).backward()

    def step(self, optimizer: torch.optim.Optimizer, key: str) -> None:
        """Step the optimiser called ``key`` (unscaling and skipping non-finite steps under fp16)."""
        scaler = self._scaler(key)
        if scaler is None:
            optimizer.step()
            return
        scaler.step(optimizer)
        scaler.update()

    def state_dict(self) -> dict[str, Any]:
        """Scaler states by optimiser key (empty unless fp16)."""
        return {key: scaler.state_dict() for key, scaler in self._scalers.items()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore scaler states saved by :meth:`state_dict`."""
        for key, scaler_state in state.items():
            scaler = self._scaler(key)
            if scaler is not None:
                scaler.load_state_dict(scaler_state)
