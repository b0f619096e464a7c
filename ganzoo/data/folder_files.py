"""The files of a ``folder:PATH`` dataset: its options, listing, split, and decoding one file.

What :mod:`ganzoo.data.folder` (the dataset, held in memory) and :mod:`ganzoo.data.folder_disk` (a
folder over the memory budget, memory-mapped from the cache) share; the rules themselves are in
:mod:`ganzoo.data.folder`'s docstring.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image, ImageColor, UnidentifiedImageError

from ganzoo.errors import DataError, GanzooWarning

EXTENSIONS = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"}
MAX_SIDE = 256  # squares larger than this are reduced as they are decoded (``size=N`` overrides)
CACHE_FORMAT = 2  # bumped when the cached layout or the decoding changes, so old entries are not read

#: The query options of ``folder:PATH?...``: name -> (default, what it does). Shown in the docs.
OPTIONS: dict[str, tuple[str, str]] = {
    "background": ("white", "colour that transparent pixels (and padding) are composited on: a colour name, #rrggbb or rrggbb"),
    "channels": ("auto", "1 or 3; auto: 3 when any file is colour, else 1"),
    "fit": ("crop", "crop (centre square) or pad (centred on the background) to make each image square"),
    "size": ("auto", "side in pixels of the stored images; auto: the most common side, at most 256"),
    "test": ("10", "percent of files held out as the test split (0-50), chosen by a hash of each file's relative path"),
    "labels": ("auto", "0: ignore sub-folders and read the folder unlabelled"),
    "skip_bad": ("0", "1: skip unreadable or corrupt files (a warning gives their count) instead of refusing the folder"),
    "cache": ("1", "0: decode the files every time instead of caching the decoded set"),
    "memory": ("auto", "GiB of decoded images held in memory; a larger folder is decoded once into a memory-mapped file in the cache and read from disk; auto: $GANZOO_FOLDER_MEMORY_GB, else a quarter of the machine's memory"),
}

_GREY = {"1", "L", "LA", "La", "I", "I;16", "I;16L", "I;16B", "I;16N", "F"}
_ALPHA = {"RGBA", "RGBa", "LA", "La", "PA"}
UNREADABLE = (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError)
#: Options that change where the decoded images live, not what they are (kept out of the content key).
_PLACEMENT = ("memory", "cache")


@dataclass(frozen=True)
class FolderOptions:
    """The parsed query options of one ``folder:`` argument (see :data:`OPTIONS`)."""

    background: tuple[int, int, int] = (255, 255, 255)
    channels: int = 0  # 0: by the files
    fit: str = "crop"
    size: int = 0  # 0: the most common side
    test: int = 10
    labels: bool = True
    skip_bad: bool = False
    cache: bool = True
    memory: float | None = None  # GiB; None: the environment's or a quarter of the machine's memory


def _content_options(options: FolderOptions) -> dict[str, Any]:
    """The options that decide the decoded images (not where they are kept)."""
    return {k: v for k, v in asdict(options).items() if k not in _PLACEMENT}


def _flag(key: str, value: str) -> bool:
    if value not in ("0", "1"):
        raise DataError(f"folder option {key}={value!r} must be 0 or 1.")
    return value == "1"


def _whole(key: str, value: str, low: int, high: int) -> int:
    if not value.isdigit() or not low <= int(value) <= high:
        raise DataError(f"folder option {key}={value!r} must be a whole number from {low} to {high}.")
    return int(value)


def parse_argument(argument: str) -> tuple[Path, FolderOptions]:
    """Split ``PATH?key=value&...`` into the folder and its options; an unknown key or bad value is a DataError."""
    path, mark, query = argument.rpartition("?")
    if not mark or "=" not in query:
        return Path(argument).expanduser(), FolderOptions()
    values: dict[str, Any] = {}
    for pair in query.split("&"):
        key, equals, value = pair.partition("=")
        key, value = key.strip(), value.strip()
        if not equals or key not in OPTIONS:
            raise DataError(f"Unknown folder option {pair!r} in folder:{argument}. The options are: {', '.join(OPTIONS)} (e.g. folder:PATH?fit=pad&background=black).")
        if key == "background":
            values[key] = _colour(value)
        elif key == "channels":
            values[key] = 0 if value == "auto" else _whole(key, value, 1, 3)
            if values[key] == 2:
                raise DataError("folder option channels=2 is not supported: use 1 (grey) or 3 (colour).")
        elif key == "fit":
            if value not in ("crop", "pad"):
                raise DataError(f"folder option fit={value!r} must be crop or pad.")
            values[key] = value
        elif key == "size":
            values[key] = 0 if value == "auto" else _whole(key, value, 1, 4096)
        elif key == "test":
            values[key] = _whole(key, value, 0, 50)
        elif key == "memory":
            try:
                values[key] = None if value == "auto" else float(value)
            except ValueError:
                values[key] = -1.0
            if values[key] is not None and not values[key] >= 0:
                raise DataError(f"folder option memory={value!r} must be a number of GiB (e.g. 8 or 0.5; 0 always reads from disk) or auto.")
        elif key == "labels":
            values[key] = True if value == "auto" else _flag(key, value)
        else:
            values[key] = _flag(key, value)
    return Path(path).expanduser(), FolderOptions(**values)


def _colour(value: str) -> tuple[int, int, int]:
    for spelling in (value, "#" + value):
        try:
            return tuple(ImageColor.getcolor(spelling, "RGB"))
        except ValueError:
            pass
    raise DataError(f"folder option background={value!r} is not a colour: use a name (white, black, ...), #rrggbb or rrggbb.")


def cache_dir() -> Path:
    """Where decoded folders are cached: ``$XDG_CACHE_HOME/ganzoo/folders`` (else ``~/.cache/ganzoo/folders``),
    beside the evaluator's ``ganzoo/fidelity`` reference statistics."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "ganzoo" / "folders"


def file_order(relative: str) -> bytes:
    """The key that orders a folder's images: the SHA-256 of the relative path, so that classes are
    interleaved (``--limit N`` takes the first N images) and the order is the same everywhere."""
    return hashlib.sha256(relative.encode("utf-8")).digest()


def in_test_split(relative: str, percent: int) -> bool:
    """Whether the file at ``relative`` (posix path under the folder) is held out: see the module's docstring."""
    return int.from_bytes(file_order(relative)[:8], "big") % 100 < percent


# ---------------------------------------------------------------- listing


@dataclass(frozen=True)
class Listing:
    """The images of a folder, their labels and the digest that keys the cache."""

    folder: Path
    files: tuple[str, ...]  # relative posix paths, sorted
    labels: tuple[int, ...] | None
    class_names: tuple[str, ...]
    key: str


def list_folder(folder: Path, options: FolderOptions) -> Listing:
    """Every image under ``folder``, sorted, with ImageFolder's labels; DataError for a missing or empty folder or stray files."""
    if not folder.is_dir():
        raise DataError(f"The image folder {folder} does not exist (from --data folder:{folder}).")
    paths = sorted(p for p in folder.rglob("*") if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts))
    others = [p for p in paths if p.suffix.lower() not in EXTENSIONS]
    if others:
        raise DataError(
            f"The image folder {folder} holds files that are not images: {', '.join(str(p.relative_to(folder)) for p in others[:5])}"
            + (f" and {len(others) - 5} more" if len(others) > 5 else "")
            + f". Keep only {', '.join(sorted(EXTENSIONS))} files there."
        )
    if not paths:
        raise DataError(f"The image folder {folder} holds no images ({', '.join(sorted(EXTENSIONS))}).")
    relative = tuple(p.relative_to(folder).as_posix() for p in paths)
    labels, class_names = None, ()
    if options.labels and all("/" in r for r in relative):
        class_names = tuple(sorted({r.split("/", 1)[0] for r in relative}))
        index = {name: i for i, name in enumerate(class_names)}
        labels = tuple(index[r.split("/", 1)[0]] for r in relative)
    digest = hashlib.sha256(json.dumps({"format": CACHE_FORMAT, "options": _content_options(options)}, sort_keys=True).encode())
    for path, name in zip(paths, relative):
        stat = path.stat()
        digest.update(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return Listing(folder, relative, labels, class_names, digest.hexdigest()[:32])


# ---------------------------------------------------------------- decoding


def _to_square(image: Image.Image, options: FolderOptions, fill: Any) -> Image.Image:
    w, h = image.size
    if w == h:
        return image
    if options.fit == "crop":
        side = min(w, h)
        left, top = (w - side) // 2, (h - side) // 2
        return image.crop((left, top, left + side, top + side))
    side = max(w, h)
    square = Image.new(image.mode, (side, side), fill)
    square.paste(image, ((side - w) // 2, (side - h) // 2))
    return square


def decode_file(path: Path, options: FolderOptions) -> tuple[Image.Image, bool]:
    """Open and decode ``path`` once: (a square 'L' or 'RGB' image of at most MAX_SIDE (or ``size``) pixels, whether it is colour)."""
    with Image.open(path) as image:
        image.load()
        mode = image.mode
        if mode in _ALPHA or (mode == "P" and "transparency" in image.info):
            rgba = image.convert("RGBA")
            flat = Image.alpha_composite(Image.new("RGBA", rgba.size, (*options.background, 255)), rgba)
            colour = mode not in _GREY
            image = flat.convert("RGB" if colour else "L")
        elif mode.startswith("I") or mode == "F":
            array = np.asarray(image, dtype=np.float64)
            scale = 257.0 if (mode.startswith("I;16") or array.max() > 255) else 1.0
            image, colour = Image.fromarray(np.clip(np.round(array / scale), 0, 255).astype(np.uint8), "L"), False
        elif mode in _GREY:
            image, colour = image.convert("L"), False
        else:  # RGB, P, CMYK, YCbCr, ...; a palette of greys counts as grey
            image = image.convert("RGB")
            colour = mode != "P" or not _all_grey(image)
            if not colour:
                image = image.convert("L")
    fill = options.background if image.mode == "RGB" else ImageColor.getcolor(_hex(options.background), "L")
    image = _to_square(image, options, fill)
    limit = options.size or MAX_SIDE
    if image.size[0] > limit or (options.size and image.size[0] != options.size):
        image = image.resize((limit, limit), Image.Resampling.BICUBIC)
    return image, colour


def _all_grey(image: Image.Image) -> bool:
    array = np.asarray(image)
    return bool((array[..., 0] == array[..., 1]).all() and (array[..., 1] == array[..., 2]).all())


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#%02x%02x%02x" % rgb


def native_side(sides: list[int]) -> int:
    """The stored side when ``size`` is not given: the most common side, the smaller one on a tie."""
    counts = Counter(sides)
    return min(counts, key=lambda side: (-counts[side], side))


@dataclass
class Decoded:
    """A decoded folder: all its images (uint8 N, C, S, S), labels, the held-out mask and what was skipped."""

    images: torch.Tensor
    labels: torch.Tensor | None
    test: torch.Tensor  # bool (N,)
    class_names: tuple[str, ...]
    files: tuple[str, ...]
    skipped: tuple[str, ...]
    on_disk: bool = False  # images memory-mapped from the cache (:mod:`ganzoo.data.folder_disk`), train rows first


def why_unreadable(error: BaseException) -> str:
    """A short reason for a file that could not be decoded."""
    return "not an image PIL can identify" if isinstance(error, UnidentifiedImageError) else f"{type(error).__name__}: {error}"


def refuse_unreadable(listing: Listing, options: FolderOptions, bad: list[tuple[str, str]], readable: int) -> None:
    """A DataError naming the unreadable files (unless ``skip_bad``, then a warning with their count),
    and a DataError when no file is readable at all."""
    if bad and not options.skip_bad:
        shown = "; ".join(f"{name} ({why})" for name, why in bad[:5]) + (f"; and {len(bad) - 5} more" if len(bad) > 5 else "")
        raise DataError(
            f"The image folder {listing.folder} holds {len(bad)} unreadable or corrupt image file(s): {shown}. "
            f"Remove or replace them, or skip them with folder:{listing.folder}?skip_bad=1."
        )
    if not readable:
        raise DataError(f"The image folder {listing.folder} holds no readable image: all {len(bad)} files are unreadable or corrupt.")
    if bad:
        warnings.warn(f"Skipped {len(bad)} unreadable or corrupt file(s) of {listing.folder} (skip_bad=1), e.g. {bad[0][0]}.", GanzooWarning, stacklevel=3)



def cache_source(listing: Listing, options: FolderOptions) -> str:
    """The part of a cache file's name that names the folder and options (not their content)."""
    where = json.dumps({"folder": str(listing.folder.resolve()), "options": _content_options(options)}, sort_keys=True)
    return hashlib.sha256(where.encode()).hexdigest()[:12]
