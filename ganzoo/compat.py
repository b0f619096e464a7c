"""Import shims for optional compiled parts of the ecosystem.

The torchvision wheel on some machines is built for CUDA while torch is a CPU build; its
compiled extension then fails to load and ``import torchvision`` raises
``RuntimeError: operator torchvision::nms does not exist``. ganzoo uses none of
torchvision's compiled operators, so when (and only when) that error occurs we define the
two missing operator schemas and import again.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

_MISSING_OPERATOR_SCHEMAS = {
    "nms": "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "qnms": "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
}
_fragment = None  # keeps the torch.library registration alive for the process


def _define_missing_torchvision_schemas() -> None:
    global _fragment
    if _fragment is not None:
        return
    import torch

    _fragment = torch.library.Library("torchvision", "FRAGMENT")
    for schema in _MISSING_OPERATOR_SCHEMAS.values():
        _fragment.define(schema)


def _forget(prefix: str) -> None:
    for name in [m for m in sys.modules if m == prefix or m.startswith(prefix + ".")]:
        del sys.modules[name]


def import_torchvision_module(name: str = "torchvision") -> ModuleType:
    """Import ``name`` (torchvision, torch_fidelity, or one of their submodules).

    Works around a torchvision whose C extension cannot load on this torch build.
    """
    try:
        return importlib.import_module(name)
    except RuntimeError as error:
        if "torchvision::nms does not exist" not in str(error):
            raise
    _define_missing_torchvision_schemas()
    _forget("torchvision")
    _forget("torch_fidelity")
    return importlib.import_module(name)
