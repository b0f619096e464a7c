"""Nested state (state dicts, optimiser state, RNG state) <-> tensors + a JSON tree.

Tensors go to safetensors under dotted keys; everything else stays in a JSON tree in which
tuples, non-string dict keys and tensors are tagged so the round trip is exact (an optimiser's
state is keyed by int parameter ids, which plain JSON would turn into strings).
"""

from __future__ import annotations

import math
from typing import Any

import torch

_TENSOR, _TUPLE, _ITEMS, _FLOAT = "__tensor__", "__tuple__", "__items__", "__float__"


def flatten_state(state: Any, prefix: str) -> tuple[dict[str, torch.Tensor], Any]:
    """Split ``state`` into ``({key: tensor}, json_tree)``; keys start with ``prefix``."""
    tensors: dict[str, torch.Tensor] = {}

    def walk(value: Any, path: str) -> Any:
        if isinstance(value, torch.Tensor):
            tensors[path] = value.detach().cpu().contiguous()
            return {_TENSOR: path}
        if isinstance(value, dict):
            if all(isinstance(k, str) for k in value):
                return {k: walk(v, f"{path}.{k}") for k, v in value.items()}
            return {_ITEMS: [[k, walk(v, f"{path}.{k}")] for k, v in value.items()]}
        if isinstance(value, tuple):
            return {_TUPLE: [walk(v, f"{path}.{i}") for i, v in enumerate(value)]}
        if isinstance(value, list):
            return [walk(v, f"{path}.{i}") for i, v in enumerate(value)]
        if isinstance(value, float) and not math.isfinite(value):
            return {_FLOAT: repr(value)}
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        raise TypeError(f"cannot store a {type(value).__name__} at {path} in a checkpoint")

    return tensors, walk(state, prefix)


def unflatten_state(tree: Any, tensors: dict[str, torch.Tensor]) -> Any:
    """Inverse of :func:`flatten_state`."""
    if isinstance(tree, list):
        return [unflatten_state(v, tensors) for v in tree]
    if isinstance(tree, dict):
        if _TENSOR in tree:
            return tensors[tree[_TENSOR]]
        if _TUPLE in tree:
            return tuple(unflatten_state(v, tensors) for v in tree[_TUPLE])
        if _ITEMS in tree:
            return {k: unflatten_state(v, tensors) for k, v in tree[_ITEMS]}
        if _FLOAT in tree:
            return float(tree[_FLOAT])
        return {k: unflatten_state(v, tensors) for k, v in tree.items()}
    return tree
