"""Versions and hardware recorded with every benchmark result."""

from __future__ import annotations

import os
import platform
from importlib import metadata

import torch

_PACKAGES = ("ganzoo", "torch", "torchvision", "torch-fidelity", "numpy")


def versions() -> dict[str, str]:
    """Python and the installed versions of the packages a result depends on."""
    found = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def hardware(device: torch.device | str) -> dict[str, object]:
    """The machine a cell ran on: CPU, cores, torch threads and, on CUDA, the GPU's name."""
    device = torch.device(device)
    found: dict[str, object] = {
        "device": str(device),
        "cpu": _cpu_name(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "platform": platform.platform(),
    }
    if device.type == "cuda":
        found["gpu"] = torch.cuda.get_device_name(device)
    return found
