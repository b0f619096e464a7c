"""A forked 2-process gloo group that checks a part's state agrees across processes."""

from __future__ import annotations

import multiprocessing
import os
import queue
import socket
import time
import warnings
from datetime import timedelta
from typing import Any

import torch

from ganzoo.testing.common import CheckSkipped
from ganzoo.testing.state import STATE_STEPS, _Trial
from ganzoo.train.agreement import NETWORKS, disagreeing_state


def _agreement_worker(trial: _Trial, rank: int, port: int, results) -> None:
    """One of the 2 processes of :func:`_two_process_agreement` (forked: it inherits the registry)."""
    os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE="2", MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    import torch.distributed as dist

    try:
        dist.init_process_group("gloo", timeout=timedelta(seconds=90))
    except Exception as error:  # noqa: BLE001 - reported as a skip: the environment, not the part
        results.put((rank, "skip", f"{type(error).__name__}: {error}"))
        return
    try:
        from ganzoo.train.strategy import DataParallel

        strategy = DataParallel("cpu")
        gan = trial.gan(trial.build(), strategy=strategy)
        for _ in range(STATE_STEPS):
            gan.step()
        results.put((rank, "done", disagreeing_state(gan)))
        strategy.barrier()
    except Exception as error:  # noqa: BLE001 - any failure of a plugin is a finding
        results.put((rank, "error", f"{type(error).__name__}: {error}"))
    finally:
        dist.destroy_process_group()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _two_process_agreement(trial: _Trial, timeout: float = 120.0) -> str | None:
    """Train the part for :data:`STATE_STEPS` steps in a 2-process gloo group (each process its own
    images, as under ``torchrun``) and compare its state across the processes."""
    if not hasattr(trial.watched(trial.build()), "state_dict"):
        return None  # no state to compare (what changes without being saved is the attribute check's)
    import torch.distributed as dist

    if not dist.is_available() or "fork" not in multiprocessing.get_all_start_methods():
        raise CheckSkipped("skipped: this platform cannot fork a 2-process gloo group")
    context = multiprocessing.get_context("fork")  # the children inherit the registry, in-process plugins too
    results = context.Queue()
    port = _free_port()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # Python 3.12+: fork of a multi-threaded process
        workers = [context.Process(target=_agreement_worker, args=(trial, rank, port, results), daemon=True) for rank in range(2)]
        for worker in workers:
            worker.start()
    outcome: dict[int, tuple[str, Any]] = {}
    deadline = time.monotonic() + timeout
    try:
        while len(outcome) < 2 and not any(status != "done" for status, _ in outcome.values()):
            try:
                rank, status, payload = results.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise CheckSkipped(f"skipped: the 2-process group gave no answer within {timeout:.0f} s") from None
            outcome[rank] = (status, payload)
    finally:
        for worker in workers:
            worker.join(timeout=5)
            if worker.is_alive():
                worker.terminate()
                worker.join()
    for status, payload in outcome.values():
        if status == "skip":
            raise CheckSkipped(f"skipped: no 2-process gloo group could start here ({payload})")
        if status == "error":
            return f"failed in a 2-process group: {payload}"
    different = outcome[0][1]
    problems = [f"the {name} weights differ" for name in NETWORKS if name in different]
    named = [key for key in different if key not in NETWORKS]
    if named:
        problems.append(f"state {', '.join(repr(k) for k in named)} {'differs' if len(named) == 1 else 'differ'}")
    if not problems:
        return None
    return (
        f"{' and '.join(problems)} between the 2 processes after {STATE_STEPS} steps: "
        "average it across processes (ctx.mean_across_processes), or a resumed run continues from rank 0's alone"
    )
