"""Training: configuration, the phase loop, precision, EMA, checkpoints and run directories.

The names below are imported on first use, so that a light submodule (``ganzoo.train.atomic``,
``ganzoo.train.config``) can be imported without torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "TrainConfig": "ganzoo.train.config",
    "resolve_config": "ganzoo.train.config",
    "Trainer": "ganzoo.train.trainer",
    "TrainingDiverged": "ganzoo.train.trainer",
    "TrainResult": "ganzoo.train.trainer",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ganzoo.train' has no attribute {name!r}")


__all__ = ["TrainConfig", "TrainResult", "Trainer", "TrainingDiverged", "resolve_config"]
