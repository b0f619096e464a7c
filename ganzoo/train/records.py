"""The one place a run's records go: ``metrics.jsonl`` always, and the experiment trackers chosen with ``--logger``.

The trainer hands :class:`RunRecords` what it already produced (each metrics record, each
sample grid, the checkpoints it wrote, a roll-back to a checkpoint); each logger gets the same
in step order. One step axis survives a resume or a SIGKILL:

* ``RUN/trackers/state.json`` keeps each logger's state (its tracker run's id) and the step up
  to which everything reached the tracker durably (``logged_through``: advanced when a
  checkpoint is written and the logger's :meth:`~ganzoo.loggers.Logger.flush` says so, and
  when the run ends);
* a resumed run reopens each tracker's run and first sends it the records and grids of
  ``metrics.jsonl`` and ``samples/`` after ``logged_through`` up to the checkpoint, so nothing
  a killed session lost is missing; what a killed session logged after the checkpoint is
  dropped by the tracker (TensorBoard's purge step) or kept as the first value of its step
  (W&B, MLflow), so no step appears twice;
* a tracker that fails (a full disk, a server gone) warns once and is left out for the rest of
  the session: training, checkpoints and metrics.jsonl go on, and the next resume sends it what
  it missed.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from ganzoo.base.atomic import write_json_atomically
from ganzoo.base.layout import METRICS_FILE, SAMPLE_GRID_GLOB, SAMPLES_DIR, TRACKERS_DIR, TRACKERS_STATE_FILE, step_of
from ganzoo.errors import GanzooWarning
from ganzoo.loggers.base import Logger, LoggerContext, scalars_of
from ganzoo.train.run_dir import MetricsLog

GRID_TAG = "samples"


@dataclass(frozen=True)
class Tracking:
    """How the trackers name a run and group it with others (the cells of a ``ganzoo bench`` grid)."""

    name: str  # the run's name in the trackers
    group: str | None = None  # W&B group and MLflow experiment shared by the runs to compare
    shared_dir: Path | None = None  # where a store shared by the group goes (MLflow's SQLite file); default: the run's parent


class RunRecords:
    """``metrics.jsonl`` plus the loggers of a run (rank 0 builds it with loggers, other ranks without)."""

    def __init__(self, run_dir: Path, loggers: Mapping[str, Logger] | None = None, tracking: Tracking | None = None):
        self.run_dir = Path(run_dir)
        self.log = MetricsLog(self.run_dir)
        self.pending = dict(loggers or {})  # started by open()
        self.live: dict[str, Logger] = {}
        self.tracking = tracking or Tracking(self.run_dir.name, None, self.run_dir.parent)
        self.folder = self.run_dir / TRACKERS_DIR
        self.state: dict[str, dict[str, Any]] = {}
        self.step = 0  # the step of the latest record
        self.observers: list[Callable[[dict[str, Any]], None]] = []  # each called with every record appended (the health rules)

    # -- what MetricsLog did --------------------------------------------------------------
    def append(self, record: dict[str, Any]) -> None:
        """Add one record to metrics.jsonl and send its scalars to every logger."""
        self.log.append(record)
        self.step = record.get("step", self.step)
        scalars = scalars_of(record)
        if scalars:
            for name in list(self.live):
                self._call(name, "log_metrics", self.step, scalars)
        for observer in list(self.observers):
            observer(record)

    def truncate_after(self, step: int) -> None:
        """The run goes back to the checkpoint of ``step``: metrics.jsonl forgets what came after, the loggers rewind."""
        self.log.truncate_after(step)
        self.step = step
        for name in list(self.live):
            self._call(name, "rewind", step)

    def read(self) -> list[dict[str, Any]]:
        return self.log.read()

    # -- the rest of the run's outputs ------------------------------------------------------
    def grid(self, step: int, path: Path) -> None:
        """The sample grid of ``step`` was written to ``path``."""
        self.step = step
        for name in list(self.live):
            self._call(name, "log_image", step, GRID_TAG, Path(path))

    def checkpoint(self, step: int) -> None:
        """A checkpoint of ``step`` was written: what a logger makes durable now need not be sent again."""
        for name in list(self.live):
            if self._call(name, "flush") is True:
                self.state[name]["logged_through"] = self.step
        self._save()

    def open(self, config: Mapping[str, Any], step: int, resumed: bool) -> None:
        """Start the loggers at ``step`` (the checkpoint a resumed run continues from, else 0) with the
        resolved configuration; a resumed run first sends each what it has not durably received."""
        if not self.pending:
            return
        saved = self._read_state() if resumed else {}
        for name, logger in self.pending.items():
            previous = saved.get(name, {})
            through = min(int(previous.get("logged_through", 0)), step)  # never past the checkpoint resumed from
            context = LoggerContext(
                run_dir=self.run_dir, dir=self.folder / name, name=self.tracking.name, group=self.tracking.group,
                shared_dir=self.tracking.shared_dir, state=previous.get("state", {}), resumed=resumed, logged_through=through,
            )  # fmt: skip
            self.live[name] = logger
            state = self._call(name, "start", context)
            if name not in self.live:
                continue
            self.state[name] = {"state": state or {}, "logged_through": through}
            self._call(name, "log_hyperparams", dict(config))
            if resumed and name in self.live:
                self._replay(name, through, step)
        self.pending = {}
        self.step = step
        self._save()

    def close(self, status: str) -> None:
        """End every logger's run (``finished``, ``stopped`` or ``failed``): all it was sent is now durable."""
        for name in list(self.live):
            self._call(name, "finalize", status)
            if name in self.live:
                self.state[name]["logged_through"] = self.step
        self.live = {}
        self._save()

    # -- helpers ----------------------------------------------------------------------------
    def _replay(self, name: str, after: int, upto: int) -> None:
        """Send logger ``name`` the records and grids of steps ``after < step <= upto``, in step order."""
        events: list[tuple[int, int, Any]] = [(r["step"], 0, r) for r in self.log.read() if after < r.get("step", 0) <= upto]
        for path in (self.run_dir / SAMPLES_DIR).glob(SAMPLE_GRID_GLOB):
            step = step_of(path)
            if after < step <= upto:
                events.append((step, 1, path))
        for step, kind, item in sorted(events, key=lambda e: e[:2]):
            if kind == 0:
                scalars = scalars_of(item)
                if scalars:
                    self._call(name, "log_metrics", step, scalars)
            else:
                self._call(name, "log_image", step, GRID_TAG, item)

    def _call(self, name: str, method: str, *args: Any) -> Any:
        """``live[name].method(*args)``; a failure warns once and leaves that logger out from now on."""
        logger = self.live.get(name)
        if logger is None:
            return None
        try:
            return getattr(logger, method)(*args)
        except Exception as error:  # noqa: BLE001 - a tracker must never stop the training
            del self.live[name]
            warnings.warn(
                f"The {name} logger failed at step {self.step} ({type(error).__name__}: {error}). Training and checkpoints "
                f"go on without it and {METRICS_FILE} keeps every record; resuming the run sends the tracker what it missed.",
                GanzooWarning,
                stacklevel=2,
            )
            return None

    def _read_state(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads((self.folder / TRACKERS_STATE_FILE).read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _save(self) -> None:
        if self.state:
            merged = {**self._read_state(), **self.state}  # loggers not used this session keep their state
            write_json_atomically(self.folder / TRACKERS_STATE_FILE, merged, "the trackers' state")
