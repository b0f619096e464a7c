"""The training progress bar: step, losses, images/s and ETA."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn


class TrainingProgress:
    """A rich progress bar; ``enabled=False`` makes every call a no-op (library use, tests)."""

    def __init__(self, total: int, start: int = 0, enabled: bool = True, console: Console | None = None):
        self.enabled = enabled
        if not enabled:
            return
        self._progress = Progress(
            TextColumn("[bold]train"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=console or Console(stderr=True),
        )
        self._task = self._progress.add_task("train", total=total, completed=start, status="")

    def __enter__(self) -> "TrainingProgress":
        if self.enabled:
            self._progress.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.enabled:
            self._progress.stop()

    def advance(self, steps: int = 1) -> None:
        if self.enabled:
            self._progress.advance(self._task, steps)

    def show(self, record: dict) -> None:
        """Show the latest logged losses and throughput."""
        if not self.enabled:
            return
        parts = [f"{k} {v:.3f}" for k, v in record.items() if k.startswith("loss_")]
        if "images_per_s" in record:
            parts.append(f"{record['images_per_s']:.0f} img/s")
        self._progress.update(self._task, status="  ".join(parts))

    def print(self, message: str) -> None:
        if self.enabled:
            self._progress.console.print(message)
