"""``folder:PATH``: a folder of images (PNG, JPEG, BMP, GIF, WebP) as a dataset, kept as users keep it.

The layout is torchvision ``ImageFolder``'s: when every image lies inside a sub-folder of PATH, the
sorted names of those sub-folders are the classes and each image's label is its top-level
sub-folder; when any image lies directly in PATH (or ``labels=0`` is given), the folder is
unlabelled and every image below it is read.

Options follow the path as a query string, ``folder:PATH?key=value&key=value`` (quote the argument in
a shell); :data:`OPTIONS` lists them with their defaults. Each file is opened and decoded once: its
alpha is composited on ``background``, it is cropped (``fit=crop``) or padded (``fit=pad``) to a
square, and reduced to at most :data:`MAX_SIDE` pixels. The dataset's side is ``size`` when given,
else the most common side of those squares (ties: the smaller side); the others are resized to it.
Its channels are ``channels`` when given, else 3 when any file is colour and 1 when all are grey.

Held-out split: a file belongs to ``test`` when the first 8 bytes of the SHA-256 of its path
relative to PATH (UTF-8, ``/`` separators), read as a big-endian number, modulo 100 are below
``test`` (default 10, i.e. about 10 % of the files). The split depends on nothing but the names, so it
is the same on every run and machine, and a file added later never moves another file.
The images are ordered by the same SHA-256 (:func:`file_order`), so classes are interleaved.

The decoded set is cached as one safetensors file in :func:`cache_dir`, keyed by a digest of the files'
relative paths, sizes and modification times and of the options: a second load reads the cache
instead of the images, and changing, adding or removing a file makes a new entry, which replaces
the entry of the same folder and options.
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

from ganzoo.base.atomic import write_atomically
from ganzoo.data.dataset import DatasetSpec, ImageDataset
from ganzoo.errors import DataError, GanzooWarning, StorageError

EXTENSIONS = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"}
MAX_SIDE = 256  # squares larger than this are reduced as they are decoded (``size=N`` overrides)
CACHE_FORMAT = 2  # bumped when the cached layout or the decoding changes, so old entries are not read
CACHE_ENV = "GANZOO_FOLDER_CACHE"  # "0" turns the cache off for every folder

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
}

_GREY = {"1", "L", "LA", "La", "I", "I;16", "I;16L", "I;16B", "I;16N", "F"}
_ALPHA = {"RGBA", "RGBa", "LA", "La", "PA"}
_UNREADABLE = (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError)


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
    digest = hashlib.sha256(json.dumps({"format": CACHE_FORMAT, "options": asdict(options)}, sort_keys=True).encode())
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


def decode_folder(listing: Listing, options: FolderOptions) -> Decoded:
    """Decode every file of ``listing`` once; unreadable files are a DataError naming them (or skipped under ``skip_bad=1``)."""
    squares, colours, kept, bad = [], [], [], []
    for index, name in enumerate(listing.files):
        try:
            image, colour = decode_file(listing.folder / name, options)
        except _UNREADABLE as error:
            bad.append((name, "not an image PIL can identify" if isinstance(error, UnidentifiedImageError) else f"{type(error).__name__}: {error}"))
            continue
        squares.append(image)
        colours.append(colour)
        kept.append(index)
    if bad and not options.skip_bad:
        shown = "; ".join(f"{name} ({why})" for name, why in bad[:5]) + (f"; and {len(bad) - 5} more" if len(bad) > 5 else "")
        raise DataError(
            f"The image folder {listing.folder} holds {len(bad)} unreadable or corrupt image file(s): {shown}. "
            f"Remove or replace them, or skip them with folder:{listing.folder}?skip_bad=1."
        )
    if not squares:
        raise DataError(f"The image folder {listing.folder} holds no readable image: all {len(bad)} files are unreadable or corrupt.")
    if bad:
        warnings.warn(f"Skipped {len(bad)} unreadable or corrupt file(s) of {listing.folder} (skip_bad=1), e.g. {bad[0][0]}.", GanzooWarning, stacklevel=2)
    side = options.size or native_side([image.size[0] for image in squares])
    channels = options.channels or (3 if any(colours) else 1)
    mode = "RGB" if channels == 3 else "L"
    order = sorted(range(len(kept)), key=lambda i: file_order(listing.files[kept[i]]))  # classes interleaved, so --limit N takes every class
    images = np.empty((len(squares), channels, side, side), dtype=np.uint8)
    for row, i in enumerate(order):
        image = squares[i]
        if image.size[0] != side:
            image = image.resize((side, side), Image.Resampling.BICUBIC)
        array = np.asarray(image.convert(mode), dtype=np.uint8)
        images[row] = array[None] if array.ndim == 2 else array.transpose(2, 0, 1)
    files = tuple(listing.files[kept[i]] for i in order)
    labels = torch.tensor([listing.labels[kept[i]] for i in order], dtype=torch.int64) if listing.labels is not None else None
    test = torch.tensor([in_test_split(name, options.test) for name in files], dtype=torch.bool)
    return Decoded(torch.from_numpy(images), labels, test, listing.class_names, files, tuple(name for name, _ in bad))


# ---------------------------------------------------------------- the cache


def _source(listing: Listing, options: FolderOptions) -> str:
    """The part of a cache file's name that names the folder and options (not their content)."""
    where = json.dumps({"folder": str(listing.folder.resolve()), "options": asdict(options)}, sort_keys=True)
    return hashlib.sha256(where.encode()).hexdigest()[:12]


def _cache_file(listing: Listing, options: FolderOptions) -> Path:
    return cache_dir() / f"{_source(listing, options)}-{listing.key}.safetensors"


def _forget_older(path: Path) -> None:
    """Delete the entries of the same folder and options that ``path`` replaces (their files have changed)."""
    source = path.name.split("-", 1)[0]
    for old in path.parent.glob(f"{source}-*.safetensors"):
        if old != path:
            old.unlink(missing_ok=True)


def _read_cache(path: Path) -> Decoded | None:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        from safetensors import safe_open

        with safe_open(str(path), framework="pt") as handle:
            meta = json.loads(handle.metadata()["ganzoo"])
        tensors = load_file(str(path))
        labels = tensors.get("labels")
        return Decoded(tensors["images"], labels, tensors["test"].bool(), tuple(meta["class_names"]), tuple(meta["files"]), tuple(meta["skipped"]))
    except (OSError, ValueError, KeyError, TypeError, SafetensorError) as error:
        warnings.warn(f"Ignored the unreadable folder cache {path} ({error}); decoding the images again.", GanzooWarning, stacklevel=2)
        return None


def _write_cache(path: Path, decoded: Decoded) -> bool:
    from safetensors.torch import save_file

    tensors = {"images": decoded.images.contiguous(), "test": decoded.test.to(torch.uint8)}
    if decoded.labels is not None:
        tensors["labels"] = decoded.labels
    meta = {"ganzoo": json.dumps({"format": CACHE_FORMAT, "class_names": decoded.class_names, "files": decoded.files, "skipped": decoded.skipped})}
    try:
        write_atomically(path, lambda tmp: save_file(tensors, str(tmp), metadata=meta), "the decoded image folder's cache")
    except (StorageError, OSError) as error:  # a read-only or full cache never stops a run: it only makes the next one slower
        warnings.warn(f"Could not cache the decoded folder: {error}", GanzooWarning, stacklevel=2)
        return False
    return True


_MEMORY: dict[str, Decoded] = {}  # the last folder decoded in this process (a run asks for its spec several times)


def load_decoded(listing: Listing, options: FolderOptions) -> Decoded:
    """The decoded folder: from memory, else the on-disk cache, else decoding every file (then cached)."""
    if listing.key in _MEMORY:
        return _MEMORY[listing.key]
    use_cache = options.cache and os.environ.get(CACHE_ENV, "1") != "0"
    path = _cache_file(listing, options)
    decoded = _read_cache(path) if use_cache and path.is_file() else None
    if decoded is None:
        decoded = decode_folder(listing, options)
        if use_cache and _write_cache(path, decoded):
            _forget_older(path)
    _MEMORY.clear()
    _MEMORY[listing.key] = decoded
    return decoded


# ---------------------------------------------------------------- the registry entry


def folder_spec(argument: str) -> DatasetSpec:
    """The concrete spec of ``folder:PATH[?options]``: lists the folder, decodes it once (or reads the cache)."""
    folder, options = parse_argument(argument)
    listing = list_folder(folder, options)
    decoded = load_decoded(listing, options)
    name = f"folder:{argument}"
    num_classes = len(decoded.class_names)

    def load(root, split, download):
        if split not in ("train", "test"):
            raise DataError(f"Dataset {name!r} has no split {split!r}; choose train or test.")
        mask = decoded.test if split == "test" else ~decoded.test
        if not bool(mask.any()):
            hint = "give a larger share with ?test=PERCENT" if split == "test" else "hold out fewer with ?test=PERCENT (0 keeps every file for training)"
            raise DataError(f"The {split} split of {name!r} holds no images ({len(decoded.files)} files, {options.test} % held out by name): {hint}.")
        labels = decoded.labels[mask] if decoded.labels is not None else None
        return ImageDataset(name, decoded.images[mask], labels, num_classes, decoded.class_names)

    held_out = int(decoded.test.sum())
    classes = f", {num_classes} classes from its sub-folders ({', '.join(decoded.class_names[:5])}{', ...' if num_classes > 5 else ''})" if num_classes else ", unlabelled"
    skipped = f", {len(decoded.skipped)} unreadable files skipped" if decoded.skipped else ""
    description = (
        f"{len(decoded.files)} images from {folder}{classes}{skipped}; test split: {held_out} files "
        f"({options.test} % chosen by a SHA-256 of each file's relative path), train: the other {len(decoded.files) - held_out}"
    )
    return DatasetSpec(name, load, tuple(int(d) for d in decoded.images.shape[1:]), num_classes, description, content_key=listing.key)


def _needs_a_path(root, split, download) -> ImageDataset:
    raise DataError("Use the folder dataset as folder:PATH.")


FOLDER = DatasetSpec(
    name="folder",
    load=_needs_a_path,
    image_shape=(0, 0, 0),
    description="your folder of images, as folder:PATH[?options]: class sub-folders are the labels, about 10 % of the files are the test split (options and rules: docs, Datasets)",
    parametrize=folder_spec,
)

__all__ = ["FOLDER", "OPTIONS", "FolderOptions", "cache_dir", "file_order", "folder_spec", "in_test_split", "list_folder", "native_side", "parse_argument"]
