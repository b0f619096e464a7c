"""Where a run executes: one process, or data-parallel processes launched by ``torchrun``.

The trainer asks its strategy for the device, wraps its networks through it, and lets it
average what must agree across processes; it never calls ``torch.distributed`` itself.

Data parallelism uses PyTorch's own engine: ``DistributedDataParallel`` over a process group
(nccl on GPUs, gloo on CPUs) set up from the environment ``torchrun`` provides (``RANK``,
``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR``...), single- or multi-node alike.
``--batch-size`` is per process, so the global batch is ``batch_size * world_size``.
BatchNorm layers normalise with each process's own batch (as in single-process training with
that batch size) and their running statistics follow rank 0's, which DDP broadcasts before
every forward pass; SyncBatchNorm is not used (it has no CPU implementation).
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from ganzoo.errors import ConfigError


def launched_by_torchrun() -> bool:
    """True when the environment describes a process group (``WORLD_SIZE`` > 1 set by torchrun)."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


class SingleProcess:
    """Everything on one device in this process."""

    rank = 0
    world_size = 1
    is_main = True

    def __init__(self, device: torch.device):
        self.device = device

    def wrap(self, module: nn.Module) -> nn.Module:
        """The module to call during training (the module itself here)."""
        return module

    def mean(self, values: dict[str, float]) -> dict[str, float]:
        """The average of ``values`` over processes (identity here)."""
        return values

    def mean_tensor(self, value: torch.Tensor) -> torch.Tensor:
        """The average of a tensor over processes (identity here); no gradient flows through it."""
        return value

    def any(self, flag: bool) -> bool:
        """True when ``flag`` is true in any process."""
        return flag

    def gather(self, value: Any) -> list[Any]:
        """``value`` (JSON-like) of every process, rank 0's first."""
        return [value]

    def barrier(self) -> None:
        """Wait for every process."""

    def teardown(self) -> None:
        """Release the process group, if any."""


class DataParallel(SingleProcess):
    """Data-parallel training with DistributedDataParallel, one process per device."""

    is_main = False

    def __init__(self, device_preference: str = "auto"):
        rank = int(os.environ["RANK"])
        local_rank = int(os.environ.get("LOCAL_RANK", rank))
        use_cuda = torch.cuda.is_available() and device_preference != "cpu"
        if use_cuda:
            device = torch.device("cuda", local_rank)
            torch.cuda.set_device(device)
        else:
            if device_preference not in ("auto", "cpu"):
                raise ConfigError(f"--device {device_preference} was asked for, but no CUDA device is available to this process.")
            device = torch.device("cpu")
        super().__init__(device)
        if not dist.is_initialized():
            dist.init_process_group(backend="nccl" if use_cuda else "gloo", timeout=timedelta(minutes=10))
        self.rank, self.world_size = dist.get_rank(), dist.get_world_size()
        self.is_main = self.rank == 0

    def wrap(self, module: nn.Module) -> nn.Module:
        ids = [self.device.index] if self.device.type == "cuda" else None
        return DistributedDataParallel(module, device_ids=ids)  # buffers follow rank 0 (the default)

    def mean(self, values: dict[str, float]) -> dict[str, float]:
        if not values:
            return values
        keys = sorted(values)
        tensor = torch.tensor([float(values[k]) for k in keys], dtype=torch.float64, device=self.device)
        dist.all_reduce(tensor)
        tensor /= self.world_size
        return dict(zip(keys, tensor.tolist(), strict=True))

    def mean_tensor(self, value: torch.Tensor) -> torch.Tensor:
        total = value.detach().clone()
        dist.all_reduce(total)
        return total / self.world_size

    def any(self, flag: bool) -> bool:
        tensor = torch.tensor([1.0 if flag else 0.0], device=self.device)
        dist.all_reduce(tensor)
        return bool(tensor.item() > 0)

    def gather(self, value: Any) -> list[Any]:
        gathered: list[Any] = [None] * self.world_size
        dist.all_gather_object(gathered, value)
        return gathered

    def barrier(self) -> None:
        dist.barrier()

    def teardown(self) -> None:
        if dist.is_initialized():
            dist.destroy_process_group()


def strategy_for(device_preference: str) -> SingleProcess:
    """DataParallel under torchrun, else a single process on the preferred device."""
    if launched_by_torchrun():
        return DataParallel(device_preference)
    if device_preference == "auto":
        return SingleProcess(torch.device("cuda" if torch.cuda.is_available() else "cpu"))
    try:
        device = torch.device(device_preference)
    except RuntimeError as error:
        raise ConfigError(f"--device {device_preference!r} is not a device ganzoo understands: use auto, cpu, cuda or cuda:N.") from error
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"--device {device_preference} was asked for, but PyTorch sees no CUDA device here. Use --device cpu (or auto).")
    return SingleProcess(device)
