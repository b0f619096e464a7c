"""Loggers: experiment trackers (TensorBoard, Weights & Biases, MLflow...) fed by a training run.

A logger is a registered kind like a generator or a loss: a plugin adds one with
``registry.add_logger(NAME, factory, requires=(...), install="pip install ...")`` in its
``ganzoo_register`` hook, and a run uses it with ``--logger NAME``. ``metrics.jsonl`` stays the
always-on record; the run (:class:`ganzoo.train.records.RunRecords`) hands each logger the
same records, sample grids and configuration, in step order, on rank 0 only.
"""

from ganzoo.loggers.base import KeepFirst, Logger, LoggerContext, flatten, scalars_of
from ganzoo.loggers.spec import LoggerSpec, check_installed, missing_modules

__all__ = ["KeepFirst", "Logger", "LoggerContext", "LoggerSpec", "check_installed", "flatten", "missing_modules", "scalars_of"]
