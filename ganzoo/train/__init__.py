"""Training: configuration, the phase loop, precision, EMA, checkpoints and run directories."""

from ganzoo.train.config import TrainConfig, resolve_config
from ganzoo.train.trainer import Trainer, TrainingDiverged, TrainResult

__all__ = ["TrainConfig", "TrainResult", "Trainer", "TrainingDiverged", "resolve_config"]
