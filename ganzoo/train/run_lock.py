"""One writer per run: an exclusive OS lock on ``RUN/.ganzoo.lock``, held by the writing process.

Training, resuming and ``ganzoo bench`` (on each cell) take the lock before they change a
run; a second writer is refused with :class:`~ganzoo.errors.RunLockedError`, whose message
names the process that holds it (PID, host, command, start time, recorded in the file).
The lock is ``flock(2)``: it belongs to the open file, so the kernel drops it when the
process ends, however it ends; a SIGKILLed run never leaves a stale lock behind. Readers
(``sample``, ``eval``, ``leaderboard``) take no lock and keep working while a run trains.
Under torchrun only rank 0 holds it.

The file is removed on release (and the run directory too when the lock created it and it is
still empty); a process that opened the file just before it was removed notices that the
path no longer leads to its file and tries again, so two writers can never both hold it.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shlex
import socket
import sys
import weakref
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ganzoo.base.layout import LOCK_FILE
from ganzoo.base.storage import storage_guard, unwritable_output
from ganzoo.errors import RunError, RunLockedError


def _program() -> str:
    return "ganzoo" if Path(sys.argv[0]).name == "__main__.py" else sys.argv[0]  # `python -m ganzoo` reads as ganzoo


def _holder() -> dict[str, Any]:
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "command": shlex.join([_program(), *sys.argv[1:]])[:300],
        "since": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def lock_holder(run_dir: Path) -> dict[str, Any] | None:
    """What the lock file of ``run_dir`` says about its holder (PID, host, command, since), if readable."""
    try:
        holder = json.loads((Path(run_dir) / LOCK_FILE).read_text())
    except (OSError, ValueError):
        return None
    return holder if isinstance(holder, dict) else None


def _release(fd: int, path: Path, created: Path | None) -> None:
    try:
        path.unlink(missing_ok=True)  # while still holding it, see the module's docstring
        if created is not None:
            created.rmdir()  # only when empty: a run that failed before writing anything leaves no folder
    except OSError:
        pass
    os.close(fd)


class RunLock:
    """The exclusive lock of one run directory; ``acquire()``/``release()`` or a ``with`` block."""

    def __init__(self, run_dir: str | Path):
        self.run_dir = Path(run_dir)
        self.path = self.run_dir / LOCK_FILE
        self._finalizer: weakref.finalize | None = None

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._finalizer is not None and self._finalizer.alive

    def acquire(self) -> "RunLock":
        """Take the lock (creating the run directory if needed); RunLockedError when another process has it."""
        if self.held:
            return self
        with storage_guard(self.path, "the run's lock file"):
            created = None if self.run_dir.exists() else self.run_dir
            try:
                self.run_dir.mkdir(parents=True, exist_ok=True)
            except OSError as error:  # a file where a folder should be, no permission...
                raise unwritable_output(self.run_dir, error) from error
            while True:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError as error:
                    os.close(fd)
                    if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                        raise RunLockedError(self._refusal()) from None
                    raise RunError(
                        f"Could not lock the run {self.run_dir} ({error.strerror}); "
                        "its file system may not support locks."
                    ) from error
                try:
                    if os.stat(self.path).st_ino == os.fstat(fd).st_ino:
                        break  # the path still leads to the file we locked
                except FileNotFoundError:
                    pass
                os.close(fd)
            try:
                os.ftruncate(fd, 0)
                os.write(fd, (json.dumps(_holder()) + "\n").encode())
            except OSError:
                pass  # a full disk: the lock holds all the same, a refused writer is told less about its holder
        # released by release(), when this object is collected, or at interpreter exit; the kernel
        # releases the lock itself if the process dies without any of these
        self._finalizer = weakref.finalize(self, _release, fd, self.path, created)
        return self

    def release(self) -> None:
        """Give the lock up (and remove its file); nothing happens when it is not held."""
        if self._finalizer is not None:
            self._finalizer()

    def _refusal(self) -> str:
        holder = lock_holder(self.run_dir)
        if holder and "pid" in holder:
            who = f"process {holder['pid']} on host {holder.get('host', '?')}"
            if holder.get("command"):
                who += f" (`{holder['command']}`)"
            if holder.get("since"):
                who += f", since {holder['since']}"
            stop = f"stop it (Ctrl-C, or `kill {holder['pid']}` on {holder.get('host', 'its host')})"
        else:
            who, stop = f"another process (its details in {self.path} could not be read)", "stop it"
        return (
            f"The run {self.run_dir} is being written by {who}. A run takes one writer at a time: "
            f"wait for it to finish, or {stop} and continue with --resume. "
            "Reading the run (ganzoo sample, ganzoo eval) works meanwhile."
        )

    def __enter__(self) -> "RunLock":
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def hold_run_lock(run_dir: str | Path) -> RunLock:
    """Lock ``run_dir`` for this process when it writes the run (rank 0 under torchrun; other ranks
    get an unheld lock); raises RunLockedError when another process holds it."""
    lock = RunLock(run_dir)
    if int(os.environ.get("RANK", "0")) == 0:
        lock.acquire()
    return lock
