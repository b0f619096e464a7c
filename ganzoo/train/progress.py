"""Progress of long commands: a rich bar on a terminal, plain lines in logs.

On a terminal, training shows a rich bar (step, losses, images/s, ETA). When stderr is not a
terminal (``nohup``, a batch job, a CI log, ``| tee``), a live bar would print nothing until
the end, so one plain line is printed at the first logged step and then every
:data:`DEFAULT_EVERY_S` seconds (``GANZOO_PROGRESS_SECONDS`` changes it)::

    train step 515/5000 (10%)  loss_d 1.243  loss_g 0.949  973 images/s  elapsed 0:00:33  eta 0:04:54

:class:`Heartbeat` does the same for work without steps (an evaluation): a spinner on a
terminal, a line every N seconds in a log.
"""

from __future__ import annotations

import os
import threading
import time
from datetime import timedelta

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

PROGRESS_SECONDS_ENV = "GANZOO_PROGRESS_SECONDS"
DEFAULT_EVERY_S = 30.0


def progress_interval() -> float:
    """Seconds between plain progress lines: ``$GANZOO_PROGRESS_SECONDS``, else 30."""
    try:
        value = float(os.environ.get(PROGRESS_SECONDS_ENV, DEFAULT_EVERY_S))
    except ValueError:
        return DEFAULT_EVERY_S
    return value if value > 0 else DEFAULT_EVERY_S


def _clock(seconds: float) -> str:
    return str(timedelta(seconds=int(max(seconds, 0))))


def status_text(record: dict) -> str:
    """``loss_d 0.512  loss_g 1.234  2378 images/s`` from a metrics record."""
    parts = [f"{k} {v:.3f}" for k, v in record.items() if k.startswith("loss_") and isinstance(v, float)]
    if "images_per_s" in record:
        parts.append(f"{record['images_per_s']:.0f} images/s")
    return "  ".join(parts)


class TrainingProgress:
    """Training progress on stderr; ``enabled=False`` makes every call a no-op (library use, tests, --quiet).

    ``plain=None`` picks the rich bar on a terminal and plain lines otherwise.
    """

    def __init__(self, total: int, start: int = 0, enabled: bool = True, console: Console | None = None,
                 plain: bool | None = None, every_s: float | None = None, label: str = "train"):  # fmt: skip
        self.enabled = enabled
        if not enabled:
            return
        self.console = console or Console(stderr=True)
        self.plain = (not self.console.is_terminal) if plain is None else plain
        self.total, self.step, self.start_step, self.label = total, start, start, label
        self.every_s = every_s or progress_interval()
        self.status = ""
        self._started = time.perf_counter()
        self._last_line: float | None = None
        if not self.plain:
            self._progress = Progress(
                TextColumn(f"[bold]{label}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[status]}"),
                TimeElapsedColumn(),
                TextColumn("eta"),
                TimeRemainingColumn(),
                console=self.console,
            )
            self._task = self._progress.add_task(label, total=total, completed=start, status="")

    def __enter__(self) -> "TrainingProgress":
        if self.enabled and not self.plain:
            self._progress.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.enabled and not self.plain:
            self._progress.stop()

    def advance(self, steps: int = 1) -> None:
        if not self.enabled:
            return
        self.step += steps
        if self.plain:
            self._maybe_line()
        else:
            self._progress.advance(self._task, steps)

    def show(self, record: dict) -> None:
        """Show the latest logged losses and images/s (the first one also prints a plain line)."""
        if not self.enabled:
            return
        self.status = status_text(record)
        if self.plain:
            self._maybe_line(force=self._last_line is None)
        else:
            self._progress.update(self._task, status=self.status)

    def line(self) -> str:
        """The plain progress line for the current step."""
        elapsed = time.perf_counter() - self._started
        done = self.step - self.start_step
        eta = elapsed / done * (self.total - self.step) if done > 0 else None
        percent = 100 * self.step / self.total if self.total else 100.0
        parts = [f"{self.label} step {self.step}/{self.total} ({percent:.0f}%)", self.status]
        parts += [f"elapsed {_clock(elapsed)}", f"eta {_clock(eta)}" if eta is not None else "eta ?"]
        return "  ".join(p for p in parts if p)

    def _maybe_line(self, force: bool = False) -> None:
        now = time.perf_counter()
        if force or (self._last_line is not None and now - self._last_line >= self.every_s):
            self._last_line = now
            self.console.print(self.line(), markup=False, highlight=False, soft_wrap=True)

    def print(self, message: str) -> None:
        if self.enabled:
            (self.console if self.plain else self._progress.console).print(message)


class Heartbeat:
    """While a step-less task runs: a spinner on a terminal, else a plain line every N seconds.

    ``with Heartbeat("evaluating runs/x on 10000 samples"):`` prints
    ``evaluating runs/x on 10000 samples: 30 s elapsed`` to a log every 30 s.
    """

    def __init__(self, what: str, console: Console | None = None, enabled: bool = True, every_s: float | None = None):
        self.what, self.enabled = what, enabled
        self.console = console or Console(stderr=True)
        self.every_s = every_s or progress_interval()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._status = None

    def __enter__(self) -> "Heartbeat":
        if not self.enabled:
            return self
        if self.console.is_terminal:
            self._status = self.console.status(f"{self.what} ...")
            self._status.start()
        else:
            self.console.print(f"{self.what} ...", markup=False, highlight=False, soft_wrap=True)
            self._thread = threading.Thread(target=self._beat, name="ganzoo-heartbeat", daemon=True)
            self._thread.start()
        return self

    def _beat(self) -> None:
        started = time.perf_counter()
        while not self._stop.wait(self.every_s):
            line = f"{self.what}: {_clock(time.perf_counter() - started)} elapsed"
            self.console.print(line, markup=False, highlight=False, soft_wrap=True)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._status is not None:
            self._status.stop()
