"""Fetching missing dataset files, with a progress bar and checksum verification."""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ganzoo.data.root import OFFLINE_ENV, downloads_allowed
from ganzoo.errors import DataError


@dataclass(frozen=True)
class RemoteFile:
    """One file of a dataset: its name in the folder, where to fetch it, and its md5."""

    name: str
    url: str
    md5: str


def md5_of(path: Path, chunk_size: int = 1 << 20) -> str:
    """The hex md5 of a file, read in chunks."""
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fetch(remote: RemoteFile, destination: Path, timeout: float) -> None:
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

    destination.parent.mkdir(parents=True, exist_ok=True)
    with urllib.request.urlopen(remote.url, timeout=timeout) as response:
        total = int(response.headers.get("Content-Length") or 0) or None
        handle = tempfile.NamedTemporaryFile(dir=destination.parent, prefix=f".{remote.name}.", delete=False)
        try:
            with handle, Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(), transient=True) as bar:
                task = bar.add_task(f"downloading {remote.name}", total=total)
                for chunk in iter(lambda: response.read(1 << 16), b""):
                    handle.write(chunk)
                    bar.advance(task, len(chunk))
            if md5_of(Path(handle.name)) != remote.md5:
                raise DataError(f"The download of {remote.url} does not match its md5 {remote.md5}; it was discarded. Try again later.")
            os.replace(handle.name, destination)
        finally:
            if os.path.exists(handle.name):
                os.unlink(handle.name)


def ensure_files(folder: Path, files: list[RemoteFile], dataset: str, download: bool = True, timeout: float = 30.0) -> None:
    """Make sure every file is in ``folder``, downloading the missing ones when allowed.

    Raises :class:`DataError` naming the folder and the missing files when they cannot be had.
    """
    missing = [f for f in files if not (folder / f.name).is_file()]
    if not missing:
        return
    names = ", ".join(f.name for f in missing)
    hint = (
        "Put the files there (torchvision's layout), point --data-root or $GANZOO_DATA_ROOT at a folder "
        "that holds them, or run once with network access to download them."
    )
    if not download or not downloads_allowed():
        why = "downloads are disabled" + (f" (${OFFLINE_ENV} is set)" if not downloads_allowed() else "")
        raise DataError(f"Dataset {dataset!r} is missing files in {folder}: {names}; {why}. {hint}")
    for remote in missing:
        try:
            _fetch(remote, folder / remote.name, timeout)
        except (urllib.error.URLError, OSError, TimeoutError) as error:
            raise DataError(f"Dataset {dataset!r} is missing files in {folder}: {names}, and downloading {remote.url} failed ({error}). {hint}") from error
