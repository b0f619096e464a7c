"""Do the processes of a data-parallel run hold the same state? Digests of a step's networks and parts.

Checked before every checkpoint (a checkpoint saves rank 0's state, which must then be every
rank's) and by the conformance kit's 2-process check.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

import torch

from ganzoo.train.state_io import flatten_state

if TYPE_CHECKING:
    from ganzoo.train.step import GanStep


def _digest(tensors: dict[str, torch.Tensor], text: str = "") -> str:
    sha = hashlib.sha256(text.encode())
    for key in sorted(tensors):
        sha.update(key.encode())
        sha.update(tensors[key].detach().cpu().contiguous().view(-1).view(torch.uint8).numpy().tobytes())
    return sha.hexdigest()


def state_digests(gan: "GanStep") -> dict[str, str]:
    """sha256 of everything that must be equal in every process: each network's parameters and
    each stateful part's state (BatchNorm statistics are each process's own, so buffers are left out)."""
    digests = {name: _digest(dict(model.named_parameters())) for name, model in (("generator", gan.G), ("discriminator", gan.D))}
    for name, part in gan.stateful_parts():
        tensors, tree = flatten_state(part.state_dict(), name)
        digests[name] = _digest(tensors, json.dumps(tree, sort_keys=True, default=str))
    return digests


def disagreeing_state(gan: "GanStep") -> list[str]:
    """What differs between the processes (names from :func:`state_digests`); empty in one process."""
    if gan.strategy.world_size == 1:
        return []  # nothing to compare with: no hashing of every weight at each checkpoint
    gathered = gan.strategy.gather(state_digests(gan))
    return sorted({name for other in gathered[1:] for name, digest in other.items() if gathered[0].get(name) != digest})
