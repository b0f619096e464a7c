"""Numerical precision of a run: autocast dtype and, for fp16, a GradScaler per optimiser.

The trainer never touches autocast or a scaler itself; it asks the precision object.
"""

from __future__ import annotations

import contextlib
import warnings
from pathlib import Path
from typing import Any

import torch

from ganzoo.errors import GanzooWarning

_DTYPES = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}
#: CPU flags (Linux /proc/cpuinfo) of native bf16 arithmetic; without them a CPU emulates it
NATIVE_BF16_FLAGS = ("avx512_bf16", "amx_bf16")
CPUINFO = Path("/proc/cpuinfo")


def cpu_has_native_bf16(cpuinfo: Path | None = None) -> bool | None:
    """Whether this CPU computes bf16 natively (AVX512-BF16 or AMX-BF16); None where its flags cannot be read."""
    try:
        text = (cpuinfo or CPUINFO).read_text()
    except OSError:
        return None
    flags = {flag for line in text.splitlines() if line.startswith("flags") for flag in line.split(":", 1)[1].split()}
    return any(flag in flags for flag in NATIVE_BF16_FLAGS) if flags else None


class Precision:
    """``fp32`` (plain), ``bf16`` (autocast) or ``fp16`` (autocast + loss scaling)."""

    def __init__(self, name: str, device: torch.device):
        self.name = name
        self.device_type = device.type
        self.dtype = _DTYPES[name]
        self._scalers: dict[str, torch.amp.GradScaler] = {}
        if name == "bf16" and self.device_type == "cpu" and cpu_has_native_bf16() is False:
            warnings.warn(
                "--precision bf16 on a CPU without native bf16 (no avx512_bf16 or amx_bf16 flag): it is emulated, "
                "which made a DCGAN-64 step about 20x slower than float32 on an AVX2-only AMD EPYC. "
                "Use --precision fp32 (with --channels-last) on this machine.",
                GanzooWarning,
                stacklevel=2,
            )

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
