"""Folders larger than the memory budget: decoded once into a memory-mapped file that is read from disk.

When a folder's decoded images (N x C x S x S bytes, S and N known from the files' headers before
anything is decoded) would exceed the budget (``folder:PATH?memory=GIB``, else ``$GANZOO_FOLDER_MEMORY_GB``,
else a quarter of the machine's memory), each file is decoded once, in order, straight into one raw
uint8 file in the folder cache, with a JSON record beside it. The dataset's images are then a
memory-mapped tensor: the operating system reads the pages a batch gathers and evicts them under
pressure, so a run over a folder larger than memory neither fails nor swaps. The rows are ordered
train split first, test split after (each in :func:`~ganzoo.data.folder_files.file_order`), so both splits
are views of the file, not copies, and hold the same images in the same order as the in-memory path.

The file is keyed like the in-memory cache (the files' names, sizes and modification times and the
options), written under a temporary name and renamed, the record last: a run interrupted while
decoding leaves no entry that looks complete.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ganzoo.base.atomic import write_json_atomically
from ganzoo.data import folder_files
from ganzoo.errors import DataError

MEMORY_ENV = "GANZOO_FOLDER_MEMORY_GB"
DISK_FORMAT = 1


def physical_memory() -> int:
    """The machine's memory in bytes (0 when it cannot be read)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0


def memory_budget(options: "folder_files.FolderOptions") -> int:
    """Bytes of decoded images a folder may hold in memory: the ``memory`` option, else the
    environment's ``$GANZOO_FOLDER_MEMORY_GB``, else a quarter of the machine's memory."""
    if options.memory is not None:
        return int(options.memory * 2**30)
    value = os.environ.get(MEMORY_ENV)
    if value:
        try:
            return int(float(value) * 2**30)
        except ValueError:
            raise DataError(f"${MEMORY_ENV}={value!r} must be a number of GiB (e.g. 8 or 0.5).") from None
    return physical_memory() // 4 or 2**34


def header_side(path: Path, options: "folder_files.FolderOptions") -> int:
    """The side ``path`` will have once decoded and made square, read from its header alone."""
    with Image.open(path) as image:
        w, h = image.size
    side = min(w, h) if options.fit == "crop" else max(w, h)
    return options.size or min(side, folder_files.MAX_SIDE)


def plan(listing: "folder_files.Listing", options: "folder_files.FolderOptions") -> tuple[dict[int, int], list[tuple[str, str]], int, int]:
    """Each readable file's square side (by index), the unreadable files, the dataset's side and the
    bytes its decoded images would take (three channels unless ``channels`` says one)."""
    sides, bad = {}, []
    for index, name in enumerate(listing.files):
        try:
            sides[index] = header_side(listing.folder / name, options)
        except folder_files.UNREADABLE as error:
            bad.append((name, folder_files.why_unreadable(error)))
    side = options.size or (folder_files.native_side(list(sides.values())) if sides else 1)
    return sides, bad, side, len(sides) * (options.channels or 3) * side * side


def largest_size(listing: "folder_files.Listing", options: "folder_files.FolderOptions") -> int:
    """The bytes the decoded folder takes at most: every file at the largest side it can be given."""
    side = options.size or folder_files.MAX_SIDE
    return len(listing.files) * (options.channels or 3) * side * side


def disk_files(listing: "folder_files.Listing", options: "folder_files.FolderOptions") -> tuple[Path, Path]:
    """The raw image file and its JSON record in the folder cache."""
    stem = folder_files.cache_dir() / f"{folder_files.cache_source(listing, options)}-{listing.key}"
    return stem.with_suffix(".u8"), stem.with_suffix(".json")


def read_disk(listing: "folder_files.Listing", options: "folder_files.FolderOptions") -> "folder_files.Decoded | None":
    """The decoded folder from its memory-mapped file, or None when there is no complete entry."""
    data, record_path = disk_files(listing, options)
    if not (data.is_file() and record_path.is_file()):
        return None
    record = json.loads(record_path.read_text())
    n, c, s = record["rows"], record["channels"], record["side"]
    if record.get("format") != DISK_FORMAT or data.stat().st_size != n * c * s * s:
        return None
    images = torch.from_file(str(data), shared=False, size=n * c * s * s, dtype=torch.uint8).view(n, c, s, s)
    if record["grey"]:
        images = images[:, :1]  # decoded as three equal channels; every file was grey
    labels = torch.tensor(record["labels"], dtype=torch.int64) if record["labels"] is not None else None
    test = torch.arange(n) >= record["train_rows"]
    return folder_files.Decoded(images, labels, test, tuple(record["class_names"]), tuple(record["files"]), tuple(record["skipped"]), on_disk=True)


def decode_to_disk(listing: "folder_files.Listing", options: "folder_files.FolderOptions", sides: dict[int, int], bad: list[tuple[str, str]], side: int) -> "folder_files.Decoded":
    """Decode every readable file once, straight into the memory-mapped file (see the module's docstring)."""
    data, record_path = disk_files(listing, options)
    data.parent.mkdir(parents=True, exist_ok=True)
    channels = options.channels or 3
    order = sorted(sides, key=lambda i: (folder_files.in_test_split(listing.files[i], options.test), folder_files.file_order(listing.files[i])))
    partial = data.with_name(data.name + f".partial-{os.getpid()}")
    rows = np.memmap(partial, dtype=np.uint8, mode="w+", shape=(max(1, len(order)), channels, side, side))
    written, colour, train_rows = [], False, 0
    mode = "RGB" if channels == 3 else "L"
    try:
        for i in order:
            name = listing.files[i]
            try:
                image, is_colour = folder_files.decode_file(listing.folder / name, options)
            except folder_files.UNREADABLE as error:
                bad.append((name, folder_files.why_unreadable(error)))
                continue
            if image.size[0] != side:
                image = image.resize((side, side), Image.Resampling.BICUBIC)
            array = np.asarray(image.convert(mode), dtype=np.uint8)
            rows[len(written)] = array[None] if array.ndim == 2 else array.transpose(2, 0, 1)
            colour |= is_colour
            train_rows += not folder_files.in_test_split(name, options.test)
            written.append(i)
        folder_files.refuse_unreadable(listing, options, bad, len(written))
        rows.flush()
        del rows
        os.truncate(partial, len(written) * channels * side * side)
        os.replace(partial, data)
    finally:
        partial.unlink(missing_ok=True)
    record = {
        "format": DISK_FORMAT, "rows": len(written), "channels": channels, "side": side, "train_rows": train_rows,
        "grey": not options.channels and not colour, "class_names": list(listing.class_names),
        "files": [listing.files[i] for i in written], "skipped": [name for name, _ in bad],
        "labels": [listing.labels[i] for i in written] if listing.labels is not None else None,
    }  # fmt: skip
    write_json_atomically(record_path, record, "the record of the decoded image folder")
    decoded = read_disk(listing, options)
    assert decoded is not None  # just written
    return decoded
