"""Training: configuration, the phase loop, precision, EMA, checkpoints and run directories.

The names below are imported on first use, so that a light submodule (``ganzoo.train.atomic``,
``ganzoo.train.config``) can be imported without torch.
"""

from __future__ import annotations

from ganzoo.lazy import lazy_names


_LAZY = {
    "TrainConfig": "ganzoo.train.config",
    "resolve_config": "ganzoo.train.config",
    "Trainer": "ganzoo.train.trainer",
    "TrainingDiverged": "ganzoo.train.trainer",
    "TrainResult": "ganzoo.train.trainer",
}


__getattr__, __dir__ = lazy_names(__name__, _LAZY)


__all__ = ["TrainConfig", "TrainResult", "Trainer", "TrainingDiverged", "resolve_config"]
