"""The one definition of training speed, the split of a run's wall time, and what a run reports.

**images/s** is the number of real images that went through the discriminator (batch size x
discriminator steps x processes, per generator step) divided by the seconds spent training:
the steps themselves and the loop's own bookkeeping (logging a record, the progress display).
It excludes start-up (loading data, building the networks, restoring a checkpoint) and the
work done between steps: sample grids, checkpoint writes and callbacks such as the periodic
evaluation. The progress bar, the plain progress lines, the final summary, ``metrics.jsonl``
and ``ganzoo bench`` results all show this figure.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

if TYPE_CHECKING:
    import torch

#: The fields of a ``metrics.jsonl`` record that measure the clock, not the training: a resumed run
#: matches a straight one in every other field.
TIMING_FIELDS = ("images_per_s", "train_s", "elapsed_s")


class TrainingClock:
    """Accounts a run's time to training or to overhead (grids, checkpoints, evaluations).

    ``step_done()`` after each step charges the time since the last mark to training;
    ``with clock.overhead():`` charges what runs inside to overhead. ``sync`` (e.g. a CUDA
    synchronise) runs before overhead starts, so that queued device work is charged to the
    training that queued it.
    """

    def __init__(self, images_per_step: int, sync: Callable[[], None] = lambda: None):
        self.images_per_step = images_per_step
        self.sync = sync
        self.steps = 0  # steps counted by this clock
        self.overhead_s = 0.0  # seconds of grids, checkpoints and callbacks between steps
        self.window_steps = 0  # steps of the open window (since the last logged record)
        self.window_s = 0.0
        self._closed_s = 0.0  # training seconds of the windows already closed
        self._mark = time.perf_counter()

    @property
    def train_s(self) -> float:
        """Seconds of training: the closed windows, and the open one once it holds a step.

        (Bookkeeping after the last step of a run belongs to no window, so the run's figure
        is exactly the one its ``metrics.jsonl`` records add up to.)
        """
        return self._closed_s + (self.window_s if self.window_steps else 0.0)

    def _charge(self) -> None:
        now = time.perf_counter()
        self.window_s += now - self._mark
        self._mark = now

    def step_done(self, steps: int = 1) -> None:
        """Count ``steps`` finished steps and charge the time since the last mark to training."""
        self.steps += steps
        self.window_steps += steps
        self._charge()

    @contextmanager
    def overhead(self, sync: bool = True) -> Iterator[None]:
        """Time spent inside is not training time (it is reported as overhead).

        ``sync=False`` skips the device synchronisation, for blocks entered after every step.
        """
        if sync:
            self.sync()
        self._charge()
        start = time.perf_counter()
        try:
            yield
        finally:
            self._mark = time.perf_counter()
            self.overhead_s += self._mark - start

    def images_per_s(self) -> float:
        """images/s over everything this clock counted (0 before the first step)."""
        return self.steps * self.images_per_step / self.train_s if self.steps and self.train_s > 0 else 0.0

    def close_window(self) -> tuple[float, float]:
        """images/s and training seconds of the steps since the last window closed; opens a new window."""
        self.sync()
        self._charge()
        seconds, steps = self.window_s, self.window_steps
        self._closed_s += seconds
        self.window_s, self.window_steps = 0.0, 0
        return (steps * self.images_per_step / seconds if steps and seconds > 0 else 0.0), seconds


def images_per_s_of(records: Iterable[dict]) -> float | None:
    """A run's images/s from its ``metrics.jsonl`` records: the windows' images over their training seconds.

    Records without ``train_s`` (written before it existed) are ignored; ``None`` when none has it.
    """
    images = seconds = 0.0
    for record in records:
        if "images_per_s" in record and record.get("train_s"):
            images += record["images_per_s"] * record["train_s"]
            seconds += record["train_s"]
    return images / seconds if seconds > 0 else None


def format_duration(seconds: float) -> str:
    """``42.3 s``, ``3 min 05 s`` or ``1 h 02 min``: short and unambiguous."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class LogWindow:
    """Running sums of a logging window's losses (its speed is kept by a :class:`TrainingClock`)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.sums: dict[str, torch.Tensor] = {}
        self.steps = 0

    def add(self, stats: dict[str, torch.Tensor]) -> None:
        self.steps += 1
        for key, value in stats.items():
            self.sums[key] = self.sums[key] + value if key in self.sums else value.clone()

    def means(self) -> dict[str, float]:
        return {k: float(v) / self.steps for k, v in self.sums.items()}


@dataclass
class TrainResult:
    """What :meth:`ganzoo.train.trainer.Trainer.fit` did."""

    run_dir: Path
    start_step: int  # the step the run started (or resumed) from
    step: int  # the step it stopped at
    interrupted: bool  # stopped early on request (Ctrl-C / SIGTERM); a checkpoint was written
    images_per_s: float  # real images through D per second of training (ganzoo.train.speed), over this call
    target_step: int = 0  # the run's --steps
    startup_s: float = 0.0  # loading data, building the networks, restoring a checkpoint
    train_s: float = 0.0  # the steps themselves: the images/s denominator
    overhead_s: float = 0.0  # sample grids, checkpoints and callbacks (periodic evaluation) between steps
    wall_s: float = 0.0  # start-up + everything fit() did
    health: tuple[str, ...] = ()  # the training-health episodes that started in this call, one line each

    def summary(self) -> str:
        """One sentence on what happened, with the speed and where the wall time went."""
        if self.step == self.start_step:
            return (
                f"nothing to train: the run is already at step {self.step} of {self.target_step}. "
                "To train on, resume with a larger --steps."
            )
        verb = "stopped" if self.interrupted else "finished"
        steps = self.step - self.start_step
        text = (
            f"{verb} at step {self.step} in {format_duration(self.wall_s)}: "
            f"start-up {format_duration(self.startup_s)}, "
            f"training {format_duration(self.train_s)} ({steps} steps at {self.images_per_s:.0f} images/s), "
            f"sample grids, checkpoints and evaluations {format_duration(self.overhead_s)}."
        )
        text += " A checkpoint was written; continue with --resume." if self.interrupted else ""
        if self.health:
            shown = "; ".join(self.health[:3]) + (f"; and {len(self.health) - 3} more" if len(self.health) > 3 else "")
            text += f" Health warnings: {shown.rstrip('.')}. Details: ganzoo doctor {self.run_dir}"
        return text
