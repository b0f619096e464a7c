"""The logger interface: what a run hands an experiment tracker, and in which order.

A run calls, on rank 0 only: :meth:`Logger.start` once, :meth:`Logger.log_hyperparams` with the
resolved configuration, then :meth:`Logger.log_metrics` for every record of ``metrics.jsonl``
and :meth:`Logger.log_image` for every sample grid, in step order; :meth:`Logger.flush` after
each checkpoint, :meth:`Logger.rewind` when the run goes back to a checkpoint (a roll-back
after a NaN), and :meth:`Logger.finalize` at the end. A logger imports its tracker in
``start``, never at import time, so that a missing package fails only when it is chosen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

#: Keys of a metrics.jsonl record that are not scalars to plot.
NOT_SCALARS = frozenset({"step", "event", "eval_protocol"})


@dataclass(frozen=True)
class LoggerContext:
    """What a logger knows about the run it tracks."""

    run_dir: Path  # the run directory
    dir: Path  # this logger's own folder inside the run (RUN/trackers/NAME), for it to create if it writes files
    name: str  # the run's name in the tracker
    group: str | None = None  # a name shared by the runs to compare (a `ganzoo bench` grid), else None
    shared_dir: Path | None = None  # a folder shared by the group's runs, for a store (MLflow's SQLite file)
    state: Mapping[str, Any] = field(default_factory=dict)  # what start() returned last time (a run id); empty for a new run
    resumed: bool = False  # the run continues from a checkpoint
    logged_through: int = 0  # every record up to this step reached the tracker durably in an earlier session


class Logger:
    """Base class of the loggers (Lightning's logger interface, trimmed to what a GAN run logs).

    Subclasses override what their tracker supports; every method but :meth:`start` and
    :meth:`log_metrics` has a default that does nothing.
    """

    def start(self, context: LoggerContext) -> dict[str, Any]:
        """Open (or, when ``context.resumed``, reopen) the tracker's run; return the state to keep
        in the run directory for the next session (JSON values, e.g. ``{"run_id": ...}``)."""
        raise NotImplementedError

    def log_hyperparams(self, params: Mapping[str, Any]) -> None:
        """The run's resolved configuration (``config.json``'s ``config``), nested dicts included."""

    def log_metrics(self, step: int, metrics: Mapping[str, float]) -> None:
        """Scalars of one step (see :func:`scalars_of`)."""
        raise NotImplementedError

    def log_image(self, step: int, tag: str, path: Path) -> None:
        """A PNG image of one step (the fixed-noise sample grid, tag ``samples``)."""

    def flush(self) -> bool:
        """Make what was logged so far durable; True when it now is (a SIGKILL cannot lose it)."""
        return False

    def rewind(self, step: int) -> None:
        """The run went back to the checkpoint of ``step`` and will log the steps after it again."""

    def finalize(self, status: str) -> None:
        """Close the tracker's run: ``status`` is ``finished``, ``stopped`` (resumable) or ``failed``."""


def scalars_of(record: Mapping[str, Any]) -> dict[str, float]:
    """The finite numbers of a metrics.jsonl record; a nested table's as ``TABLE/KEY`` (``eval/fid``)."""
    scalars: dict[str, float] = {}
    for key, value in record.items():
        if key in NOT_SCALARS:
            continue
        if isinstance(value, Mapping):
            scalars.update({f"{key}/{k}": float(v) for k, v in value.items() if _is_scalar(v)})
        elif _is_scalar(value):
            scalars[key] = float(value)
    return scalars


def _is_scalar(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def flatten(params: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts as ``OUTER/INNER`` keys (``generator_options/width``), for trackers with flat parameters."""
    flat: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{prefix}{key}/"))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


class KeepFirst:
    """For trackers whose step axis only grows (W&B, MLflow): drop what a key already has at a step.

    A resumed run logs again the steps between its checkpoint and the moment it was stopped;
    such a tracker keeps the first value of each (the resumed run recomputes the same losses).
    """

    def __init__(self, floor: int = 0, latest: Mapping[str, int] | None = None):
        self.floor = floor  # every key is known up to this step
        self.latest = dict(latest or {})

    def fresh(self, step: int, values: Mapping[str, Any]) -> dict[str, Any]:
        """The entries of ``values`` not logged yet at ``step`` or later; marks them logged."""
        kept = {k: v for k, v in values.items() if step > max(self.floor, self.latest.get(k, self.floor))}
        self.latest.update({k: step for k in kept})
        return kept
