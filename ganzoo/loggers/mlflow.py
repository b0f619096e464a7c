"""MLflow: one MLflow run per ganzoo run, its id and store kept in the run directory.

The store is ``$MLFLOW_TRACKING_URI`` when set (a server, a database), else a SQLite file
beside the runs: ``runs/mlflow.db`` for ``ganzoo train``, ``OUT/mlflow.db`` for a ``ganzoo
bench`` grid, with the artifacts (sample grids) in ``mlartifacts/`` beside it; open it with
``mlflow ui --backend-store-uri sqlite:///runs/mlflow.db``. The experiment is
``$MLFLOW_EXPERIMENT_NAME``, else the grid's name for bench cells, else ``ganzoo``.
MLflow keeps every point it is sent, so a resumed run skips the steps the MLflow run already
holds for a metric (the first value stays).
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any, Mapping

from ganzoo.loggers.base import KeepFirst, Logger, LoggerContext, flatten

DEFAULT_EXPERIMENT = "ganzoo"
STORE_FILE = "mlflow.db"
ARTIFACTS_DIR = "mlartifacts"
PARAM_LENGTH = 6000  # MLflow's limit on a parameter's value
BATCH = 100  # parameters per log_batch call (MLflow's limit)
STATUS = {"finished": "FINISHED", "stopped": "KILLED", "failed": "FAILED"}


def _store(context: LoggerContext) -> tuple[str, Path | None]:
    """The tracking URI, and the folder of a new experiment's artifacts (None: the server's choice)."""
    uri = os.environ.get("MLFLOW_TRACKING_URI")
    if uri:
        return uri, None
    folder = (context.shared_dir or context.run_dir.parent).resolve()
    return f"sqlite:///{folder / STORE_FILE}", folder / ARTIFACTS_DIR


class MlflowLogger(Logger):
    """Metrics with their steps, the flattened configuration as parameters, sample grids as artifacts."""

    def start(self, context: LoggerContext) -> dict[str, Any]:
        from mlflow.tracking import MlflowClient

        for noisy in ("mlflow", "alembic"):  # creating a SQLite store logs its migrations at INFO
            logging.getLogger(noisy).setLevel(logging.WARNING)

        saved = context.state
        uri, artifacts = (saved["tracking_uri"], None) if saved.get("tracking_uri") else _store(context)
        self.client = client = MlflowClient(tracking_uri=uri)
        if saved.get("run_id"):
            self.run_id = saved["run_id"]
            run = client.get_run(self.run_id)
            client.update_run(self.run_id, status="RUNNING")
            latest = {key: max(m.step for m in client.get_metric_history(self.run_id, key)) for key in run.data.metrics}
            self.params = dict(run.data.params)
        else:
            tags = {"ganzoo.run_dir": str(context.run_dir.resolve())} | ({"ganzoo.group": context.group} if context.group else {})
            self.run_id = client.create_run(self._experiment(context, artifacts), run_name=context.name, tags=tags).info.run_id
            latest, self.params = {}, {}
        self.steps = KeepFirst(0, latest)
        return {"tracking_uri": uri, "run_id": self.run_id}

    def _experiment(self, context: LoggerContext, artifacts: Path | None) -> str:
        """The id of the experiment of this run (created when new)."""
        name = os.environ.get("MLFLOW_EXPERIMENT_NAME") or context.group or DEFAULT_EXPERIMENT
        experiment = self.client.get_experiment_by_name(name)
        if experiment is not None:
            return experiment.experiment_id
        return self.client.create_experiment(name, artifact_location=(artifacts / name).as_uri() if artifacts else None)

    def log_hyperparams(self, params: Mapping[str, Any]) -> None:
        from mlflow.entities import Param

        # a parameter cannot change once logged: a resumed run adds only the new ones (config.json has the rest)
        new = [Param(k, str(v)[:PARAM_LENGTH]) for k, v in flatten(params).items() if k not in self.params]
        for start in range(0, len(new), BATCH):
            self.client.log_batch(self.run_id, params=new[start : start + BATCH])
        self.params.update({p.key: p.value for p in new})

    def log_metrics(self, step: int, metrics: Mapping[str, float]) -> None:
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        fresh = self.steps.fresh(step, metrics)
        if fresh:
            self.client.log_batch(self.run_id, metrics=[Metric(k, v, now, step) for k, v in fresh.items()])

    def log_image(self, step: int, tag: str, path: Path) -> None:
        # samples/step-NNNNNNN.png: a grid sent again (a resumed run) replaces the same file
        self.client.log_artifact(self.run_id, str(path), artifact_path=tag)

    def flush(self) -> bool:
        return True  # every call above returned once the store had it

    def finalize(self, status: str) -> None:
        self.client.set_terminated(self.run_id, status=STATUS.get(status, "FINISHED"))
