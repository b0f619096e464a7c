"""Training: configuration, the phase loop, precision, EMA, checkpoints and run directories.

The names below are imported on first use, so that a light submodule (``ganzoo.base.atomic``,
``ganzoo.train.config``) can be imported without torch.
"""

from __future__ import annotations

from ganzoo.lazy import lazy_names


_LAZY = {
    "TrainConfig": "ganzoo.train.config",
    "resolve_config": "ganzoo.train.config",
    "GanStep": "ganzoo.train.step",
    "Trainer": "ganzoo.train.trainer",
    "TrainingDiverged": "ganzoo.train.trainer",
    "TrainResult": "ganzoo.train.speed",
}


__getattr__, __dir__ = lazy_names(__name__, _LAZY)


__all__ = ["GanStep", "TrainConfig", "TrainResult", "Trainer", "TrainingDiverged", "resolve_config"]
