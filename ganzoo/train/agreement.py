"""Do the processes of a data-parallel run hold the same state? Digests of a step's networks and parts.

Checked before every checkpoint (a checkpoint saves rank 0's state, which must then be every
rank's) and by the conformance kit's 2-process check.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

import torch

from ganzoo.train.state_io import flatten_state

if TYPE_CHECKING:
    from ganzoo.train.step import GanStep

#: The networks' names among the digests (each digest covers a network's parameters).
NETWORKS = ("generator", "discriminator")


def _digest(tensors: dict[str, torch.Tensor]) -> str:
    sha = hashlib.sha256()
    for key in sorted(tensors):
        tensor = tensors[key].detach().cpu().contiguous()
        sha.update(f"{key}:{tensor.dtype}{tuple(tensor.shape)}".encode())
        sha.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    return sha.hexdigest()


def _json_leaves(node: Any, path: str, leaves: dict[str, str]) -> None:
    """The numbers and strings of a flattened state tree by their dotted key (tensor stand-ins left out)."""
    if isinstance(node, dict) and "__tensor__" in node:
        return
    if isinstance(node, dict) and not any(k.startswith("__") and k.endswith("__") for k in node):
        for key, value in node.items():
            _json_leaves(value, f"{path}.{key}", leaves)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _json_leaves(value, f"{path}.{index}", leaves)
    else:
        leaves[path] = json.dumps(node, sort_keys=True, default=str)


def state_digests(gan: "GanStep") -> dict[str, str]:
    """A digest of everything that must be equal in every process: each network's parameters (as
    ``generator`` / ``discriminator``; BatchNorm statistics are each process's own, so buffers are
    left out) and every leaf of the stateful parts' state by its checkpoint key (``loss.lecam.ema_real``)."""
    digests = {name: _digest(dict(model.named_parameters())) for name, model in zip(NETWORKS, (gan.G, gan.D), strict=True)}
    for name, part in gan.stateful_parts():
        tensors, tree = flatten_state(part.state_dict(), name)
        digests.update({key: _digest({key: tensor}) for key, tensor in tensors.items()})
        _json_leaves(tree, name, digests)
    return digests


def disagreeing_state(gan: "GanStep") -> list[str]:
    """The keys of :func:`state_digests` whose values differ between the processes; empty in one process."""
    if gan.strategy.world_size == 1:
        return []  # nothing to compare with: no hashing of every weight at each checkpoint
    gathered = gan.strategy.gather(state_digests(gan))
    first = gathered[0]
    return sorted({key for other in gathered[1:] for key in first.keys() | other.keys() if first.get(key) != other.get(key)})
