"""Weights & Biases: one W&B run per ganzoo run, its id kept in the run directory.

W&B's own settings apply: ``WANDB_MODE=offline`` writes the run under
``RUN/trackers/wandb/wandb/offline-run-*`` for ``wandb sync`` later, ``WANDB_PROJECT`` names
the project (default ``ganzoo``), ``WANDB_ENTITY`` the team. A resumed run continues the same
W&B run (same id, ``resume="allow"``). W&B's step axis only grows, so the steps a resumed run
logs again keep their first value; an offline session that was killed before it finished has
lost what W&B buffered, so it is moved to ``RUN/trackers/wandb/interrupted/`` and its records
are sent again from ``metrics.jsonl``.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path
from typing import Any, Mapping

from ganzoo.loggers.base import KeepFirst, Logger, LoggerContext

FINISHED_MARK = "ganzoo-finished"  # written into a session's folder once W&B finished it
DEFAULT_PROJECT = "ganzoo"


def set_aside_interrupted(context: LoggerContext, run_id: str) -> list[Path]:
    """Move this run's offline sessions that never finished out of the folder ``wandb sync`` reads."""
    moved = []
    for session in sorted((context.dir / "wandb").glob(f"offline-run-*-{run_id}")):
        if not (session / FINISHED_MARK).exists():
            target = context.dir / "interrupted" / session.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(session), str(target))
            moved.append(target)
    return moved


class WandbLogger(Logger):
    """Scalars, sample grids (``wandb.Image``) and the configuration (``run.config``); bench cells share a W&B group."""

    def start(self, context: LoggerContext) -> dict[str, Any]:
        import wandb

        run_id = context.state.get("id") or secrets.token_hex(6)
        set_aside_interrupted(context, run_id)
        context.dir.mkdir(parents=True, exist_ok=True)
        self.run = wandb.init(
            project=os.environ.get("WANDB_PROJECT") or DEFAULT_PROJECT,
            id=run_id,
            resume="allow",
            dir=str(context.dir),
            name=context.name,
            group=context.group,
            settings=wandb.Settings(console="off"),
        )
        self.session = Path(self.run.dir).parent  # .../offline-run-DATE-ID/files -> the session's folder
        self.steps = KeepFirst(context.logged_through)
        return {"id": run_id}

    def log_hyperparams(self, params: Mapping[str, Any]) -> None:
        self.run.config.update(dict(params), allow_val_change=True)

    def log_metrics(self, step: int, metrics: Mapping[str, float]) -> None:
        fresh = self.steps.fresh(step, metrics)
        if fresh:
            self.run.log(fresh, step=step)

    def log_image(self, step: int, tag: str, path: Path) -> None:
        import wandb

        if self.steps.fresh(step, {tag: None}):
            self.run.log({tag: wandb.Image(str(path))}, step=step)

    def finalize(self, status: str) -> None:
        self.run.finish(exit_code=1 if status == "failed" else 0)
        if self.session.is_dir():
            (self.session / FINISHED_MARK).touch()
