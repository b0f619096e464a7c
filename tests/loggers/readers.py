"""Reading a run's trackers back with each tracker's own reader (no network): TensorBoard's
EventAccumulator, wandb-core's reader of offline runs (``leet inspect``), MLflow's client."""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from importlib.util import find_spec
from pathlib import Path

import pytest

TRACKERS = ("tensorboard", "wandb", "mlflow")
MODULES = {"tensorboard": "tensorboard", "wandb": "wandb", "mlflow": "mlflow"}


def needs(*trackers: str):
    """Skip a test when a tracker's extra is not installed (CI installs them all)."""
    missing = [t for t in trackers if find_spec(MODULES[t]) is None]
    return pytest.mark.skipif(bool(missing), reason=f"pip install 'ganzoo[{','.join(missing)}]' to run it")


def each_tracker():
    """The built-in trackers as parameters, each skipped when its extra is missing."""
    return [pytest.param(t, marks=needs(t)) for t in TRACKERS]

#: W&B offline, silent, no error reports; MLflow's default store (a SQLite file beside the run).
OFFLINE_ENV = {"WANDB_MODE": "offline", "WANDB_SILENT": "true", "WANDB_ERROR_REPORTING": "false", "WANDB_DISABLE_GIT": "true"}
# WANDB_SERVICE: wandb sets it in the test process once a run started there; a subprocess must start its own service
UNSET_ENV = ("MLFLOW_TRACKING_URI", "MLFLOW_EXPERIMENT_NAME", "WANDB_PROJECT", "WANDB_API_KEY", "WANDB_BASE_URL", "WANDB_SERVICE")


def offline_env() -> dict[str, str]:
    """os.environ with the trackers kept offline (for subprocesses)."""
    env = {k: v for k, v in os.environ.items() if k not in UNSET_ENV}
    return {**env, **OFFLINE_ENV}


def state(run: Path) -> dict:
    return json.loads((run / "trackers" / "state.json").read_text())


class Readback:
    """What one tracker holds for a run: the steps of each scalar, the steps of the sample grids, the configuration."""

    def __init__(self, scalars: dict[str, list[int]], images: list[int], config: dict):
        self.scalars, self.images, self.config = scalars, images, config

    def steps(self, key: str) -> list[int]:
        return self.scalars.get(key, [])

    def duplicated(self) -> dict[str, list[int]]:
        """Keys with a step logged more than once, and those steps."""
        found = {k: sorted(s for s, n in Counter(steps).items() if n > 1) for k, steps in self.scalars.items()}
        found["samples"] = sorted(s for s, n in Counter(self.images).items() if n > 1)
        return {k: v for k, v in found.items() if v}


def read_tensorboard(run: Path) -> Readback:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(str(run / "trackers" / "tensorboard"), size_guidance={"scalars": 0, "images": 0, "tensors": 0})
    accumulator.Reload()  # applies the purge markers of resumed sessions, as TensorBoard does
    tags = accumulator.Tags()
    scalars = {tag: [e.step for e in accumulator.Scalars(tag)] for tag in tags["scalars"]}
    images = [e.step for e in accumulator.Images("samples")] if "samples" in tags["images"] else []
    config = {}
    if "config/text_summary" in tags["tensors"]:
        text = accumulator.Tensors("config/text_summary")[-1].tensor_proto.string_val[0].decode()
        config = json.loads("\n".join(line[4:] for line in text.splitlines()))
    return Readback(scalars, images, config)


def wandb_records(run: Path, folder: str = "wandb") -> list[dict]:
    """Every record of the run's offline W&B sessions, read by wandb-core's own reader of .wandb files."""
    from wandb.util import get_core_path

    records = []
    for log in sorted((run / "trackers" / "wandb" / folder).glob("offline-run-*/*.wandb")):
        command = [get_core_path(), "leet", "inspect", "-json", "-no-observability", "-run-file", str(log)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=offline_env())
        assert done.returncode == 0, done.stderr
        records += [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return records


def read_wandb(run: Path) -> Readback:
    scalars: dict[str, list[int]] = {}
    images: list[int] = []
    config: dict = {}
    for record in wandb_records(run):
        if record["type"] == "history":
            step = int(record["history"]["step"]["num"])
            for key in record["history"]["item"]:
                if key.startswith("samples."):
                    if key == "samples._type":
                        images.append(step)
                elif not key.startswith("_"):
                    scalars.setdefault(key, []).append(step)
        elif record["type"] == "run":
            config.update({k: v for k, v in record["run"].get("config", {}).get("update", {}).items() if not k.startswith("_")})
        elif record["type"] == "config":
            config.update({k: v for k, v in record["config"].get("update", {}).items() if not k.startswith("_")})
    return Readback(scalars, images, config)


def mlflow_client(run: Path):
    from mlflow.tracking import MlflowClient

    saved = state(run)["mlflow"]["state"]
    return MlflowClient(tracking_uri=saved["tracking_uri"]), saved["run_id"]


def read_mlflow(run: Path) -> Readback:
    client, run_id = mlflow_client(run)
    data = client.get_run(run_id).data
    scalars = {key: [m.step for m in client.get_metric_history(run_id, key)] for key in data.metrics}
    images = sorted(int(Path(f.path).stem.split("-")[-1]) for f in client.list_artifacts(run_id, "samples"))
    return Readback(scalars, images, dict(data.params))


READERS = {"tensorboard": read_tensorboard, "wandb": read_wandb, "mlflow": read_mlflow}
