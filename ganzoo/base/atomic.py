"""Writing files so that a reader never sees a half-written one."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

from ganzoo.base.storage import storage_guard


def _umask() -> int:
    """The process's umask (read by setting it, then restoring it at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomically(path: Path, write: Callable[[Path], None], what: str = "the file") -> None:
    """Call ``write(tmp)`` on a temporary file beside ``path``, fsync it, then rename it over ``path``.

    A full disk, a denied permission or a read-only file system raises StorageError naming
    ``what`` was being written (e.g. "the checkpoint of step 4"); ``path`` is left as it was.
    """
    with storage_guard(path, what):
        _write_then_rename(Path(path), write)


def _write_then_rename(path: Path, write: Callable[[Path], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp (and some writers) make 0600; give it the mode open() would
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_json_atomically(path: Path, data: Any, what: str = "the file") -> None:
    """Write ``data`` as indented JSON, atomically (``what``: as for :func:`write_atomically`)."""
    write_atomically(path, lambda tmp: tmp.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n"), what)
