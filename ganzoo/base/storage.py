"""Turning the environment's refusal to store a file into one clear :class:`StorageError`.

A full disk (ENOSPC, EDQUOT), a denied permission (EACCES, EPERM) and a read-only file
system (EROFS) are not ganzoo's bugs. Every write of a run (checkpoints, sample grids,
metrics.jsonl, config.json) and of ``ganzoo sample`` goes through :func:`storage_guard`,
which turns such an error into a message saying what was being written, where, the free
space there, that the checkpoints already written are intact, and how to continue. Any other
error passes through unchanged. safetensors reports I/O errors as
``SafetensorError("... (os error 28)")`` rather than OSError; the OS error number in the text
identifies those.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from safetensors import SafetensorError

from ganzoo.base.layout import CHECKPOINT_DIR, CONFIG_FILE, checkpoint_steps, is_run
from ganzoo.errors import RunError, StorageError

#: errno -> (what happened, what to do)
REASONS = {
    errno.ENOSPC: ("the disk is full", "free some space"),
    errno.EDQUOT: ("the disk quota is used up", "free some space or raise the quota"),
    errno.EACCES: ("permission was denied", "fix the permissions"),
    errno.EPERM: ("the operation was not permitted", "fix the permissions"),
    errno.EROFS: ("the file system is read-only", "remount it read-write"),
}
_OS_ERROR = re.compile(r"os error (\d+)")


def environment_errno(error: BaseException) -> int | None:
    """The errno of a disk-full, permission or read-only error (OSError or SafetensorError), else None."""
    code = None
    if isinstance(error, OSError):
        code = error.errno
    elif isinstance(error, SafetensorError):
        match = _OS_ERROR.search(str(error))
        code = int(match.group(1)) if match else None
    return code if code in REASONS else None


def _size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"  # pragma: no cover


def free_space(path: Path) -> str | None:
    """'F free of T' on the file system holding ``path`` (or its nearest existing parent), or None."""
    for folder in (Path(path), *Path(path).parents):
        if folder.exists():
            try:
                usage = shutil.disk_usage(folder)
            except OSError:
                return None
            return f"{_size(usage.free)} free of {_size(usage.total)}"
    return None


def _run_of(path: Path) -> Path | None:
    """The run directory ``path`` belongs to (RUN, RUN/file or RUN/folder/file), if any."""
    return next((folder for folder in (path, *path.parents[:2]) if is_run(folder)), None)


def _continue_command(run: Path) -> str:
    """How to continue the run in ``run``: the same `ganzoo bench` for a grid cell, else `train --resume`."""
    if run.name == "run" and (run.parent / "cell.json").is_file():
        return "the same `ganzoo bench` command (the cell resumes from its checkpoint)"
    try:
        config = json.loads((run / CONFIG_FILE).read_text())["config"]
        recipe, data = config.get("recipe") or "", config["dataset"]
    except (OSError, ValueError, KeyError, TypeError):
        return f"`ganzoo train ... --resume --out {run}`"
    return f"`ganzoo train {recipe + ' ' if recipe else ''}--data {data} --resume --out {run}`"


def _advice(path: Path, fix: str) -> str:
    run = _run_of(path)
    if run is None:
        return f"Nothing else was changed; {fix}, then run the command again (or write somewhere else)."
    done = checkpoint_steps(run)
    if not done:
        return f"No checkpoint had been written yet; {fix}, then start the run again (--overwrite or another --out)."
    return (
        f"The checkpoints already in {run / CHECKPOINT_DIR} are intact (newest: step {done[-1]}); "
        f"{fix}, then continue with {_continue_command(run)}."
    )


def describe(path: Path, what: str, code: int, error: BaseException) -> str:
    """The one-paragraph message of a StorageError."""
    path = Path(path)
    reason, fix = REASONS[code]
    where = free_space(path)
    space = f"; {where} there" if where else ""
    return f"Could not write {what} to {path}: {reason} ({os.strerror(code)}{space}). {_advice(path, fix)}"


def unwritable_output(path: Path, error: OSError) -> RunError:
    """The error for an output directory that cannot be made (a file in its path, no permission...)."""
    reason = error.strerror or error
    return RunError(f"Cannot write to the output directory {path} ({reason}). Choose another --out or fix its permissions.")


@contextmanager
def storage_guard(path: Path, what: str = "the file") -> Iterator[None]:
    """Run the enclosed writes of ``what`` (e.g. "the checkpoint of step 4") to ``path``; turn a
    disk-full, permission or read-only error into :class:`StorageError`, let anything else through."""
    try:
        yield
    except (OSError, SafetensorError) as error:
        code = environment_errno(error)
        if code is None:
            raise
        raise StorageError(describe(path, what, code, error), path, code) from error
