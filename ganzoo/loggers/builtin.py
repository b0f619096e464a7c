"""Registers the built-in loggers through the same entry-point path as any plugin.

Each tracker is an optional extra of the ``ganzoo`` distribution; its module is imported only
when the logger is chosen with ``--logger``.
"""

from __future__ import annotations

from ganzoo.hookspecs import hookimpl


def _tensorboard():
    from ganzoo.loggers.tensorboard import TensorBoardLogger

    return TensorBoardLogger()


def _wandb():
    from ganzoo.loggers.wandb import WandbLogger

    return WandbLogger()


def _mlflow():
    from ganzoo.loggers.mlflow import MlflowLogger

    return MlflowLogger()


@hookimpl
def ganzoo_register(registry):
    """Register ``tensorboard``, ``wandb`` and ``mlflow``."""
    registry.add_logger(
        "tensorboard",
        _tensorboard,
        description="event files in RUN/trackers/tensorboard; view with `tensorboard --logdir runs`",
        requires=("tensorboard",),
        install="pip install 'ganzoo[tensorboard]'",
        reference="https://www.tensorflow.org/tensorboard",
    )
    registry.add_logger(
        "wandb",
        _wandb,
        description="a Weights & Biases run (WANDB_MODE=offline keeps it in the run for `wandb sync`)",
        requires=("wandb",),
        install="pip install 'ganzoo[wandb]'",
        reference="https://docs.wandb.ai",
    )
    registry.add_logger(
        "mlflow",
        _mlflow,
        description="an MLflow run in $MLFLOW_TRACKING_URI, else in the SQLite store runs/mlflow.db",
        requires=("mlflow", "sqlalchemy", "alembic"),
        install="pip install 'ganzoo[mlflow]'",
        reference="https://mlflow.org/docs/latest/",
    )
