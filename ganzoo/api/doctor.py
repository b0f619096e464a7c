"""``ganzoo doctor RUN``: the training-health episodes of a finished or running run.

The run's ``metrics.jsonl`` is replayed through fresh objects of every registered health rule
(:func:`ganzoo.health.diagnose`), the same rules the trainer fed live, so the report names the
same steps the training warned at, and a rule installed later applies to an old run too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ganzoo.base.jsonl import read_jsonl
from ganzoo.base.layout import METRICS_FILE
from ganzoo.discovery import get_registry
from ganzoo.errors import RunError
from ganzoo.health import HEALTH_KEY, Episode, diagnose
from ganzoo.registry import Registry
from ganzoo.api.runs import require_run_dir


@dataclass(frozen=True)
class HealthReport:
    """What :func:`doctor` found in one run."""

    run_dir: Path
    records: int  # records read from metrics.jsonl
    checks: int  # of which health checks (``--health-every``)
    last_step: int  # the step of the newest record
    episodes: list[Episode] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not self.episodes

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_dir": str(self.run_dir), "records": self.records, "checks": self.checks, "last_step": self.last_step,
            "episodes": [asdict(e) for e in self.episodes],
        }  # fmt: skip

    def lines(self) -> list[str]:
        """The report as text, one line per episode after a one-line heading."""
        where = f"{self.run_dir}: {self.records} records up to step {self.last_step}, {self.checks} health checks"
        if not self.checks:
            where += " (trained with --health-every 0 or before health checks existed: only the loss rules apply)"
        if self.healthy:
            return [f"{where}; no episode of collapse, divergence or overfitting found."]
        return [f"{where}; {len(self.episodes)} episode{'s' if len(self.episodes) > 1 else ''}:"] + [f"  {e.describe()}" for e in self.episodes]


def doctor(run_dir: str | Path, *, registry: Registry | None = None) -> HealthReport:
    """The health episodes of the run in ``run_dir`` (a RunError when it has no metrics.jsonl yet)."""
    run_dir = require_run_dir(Path(run_dir))
    path = run_dir / METRICS_FILE
    if not path.is_file():
        raise RunError(f"{run_dir} holds no {METRICS_FILE} yet: the run has not logged a step (or it is not a ganzoo run).")
    records = read_jsonl(path)
    episodes = diagnose(records, registry or get_registry())
    checks = sum(1 for r in records if isinstance(r.get(HEALTH_KEY), dict))
    last = max((int(r.get("step", 0)) for r in records), default=0)
    return HealthReport(run_dir, len(records), checks, last, episodes)
