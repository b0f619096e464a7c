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

import json
import os
import warnings
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ganzoo.base.atomic import write_atomically
from ganzoo.data import folder_disk
from ganzoo.data.dataset import DatasetSpec, ImageDataset
from ganzoo.data.folder_files import (  # the folder's public names, re-exported
    EXTENSIONS,
    MAX_SIDE,
    CACHE_FORMAT,
    OPTIONS,
    UNREADABLE,
    FolderOptions,
    Listing,
    Decoded,
    cache_dir,
    cache_source,
    decode_file,
    file_order,
    in_test_split,
    list_folder,
    native_side,
    parse_argument,
    refuse_unreadable,
    why_unreadable,
)
from ganzoo.errors import DataError, GanzooWarning, StorageError

CACHE_ENV = "GANZOO_FOLDER_CACHE"  # "0" turns the cache off for every folder


def decode_folder(listing: Listing, options: FolderOptions) -> Decoded:
    """Decode every file of ``listing`` once; unreadable files are a DataError naming them (or skipped under ``skip_bad=1``)."""
    squares, colours, kept, bad = [], [], [], []
    for index, name in enumerate(listing.files):
        try:
            image, colour = decode_file(listing.folder / name, options)
        except UNREADABLE as error:
            bad.append((name, why_unreadable(error)))
            continue
        squares.append(image)
        colours.append(colour)
        kept.append(index)
    refuse_unreadable(listing, options, bad, len(squares))
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


def _cache_file(listing: Listing, options: FolderOptions) -> Path:
    return cache_dir() / f"{cache_source(listing, options)}-{listing.key}.safetensors"


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
    """The decoded folder: from memory, else the on-disk cache, else decoding every file (then cached);
    a folder over the memory budget is decoded into a memory-mapped file instead (:mod:`ganzoo.data.folder_disk`)."""
    if listing.key in _MEMORY:
        return _MEMORY[listing.key]
    decoded = _cached(listing, options) or _decode(listing, options)
    _MEMORY.clear()
    _MEMORY[listing.key] = decoded
    return decoded


def _use_cache(options: FolderOptions) -> bool:
    return options.cache and os.environ.get(CACHE_ENV, "1") != "0"


def _cached(listing: Listing, options: FolderOptions) -> Decoded | None:
    """The decoded folder from the cache, or None: its safetensors file when that fits the memory
    budget, else its memory-mapped file."""
    path = _cache_file(listing, options)
    fits = path.is_file() and path.stat().st_size <= folder_disk.memory_budget(options)
    decoded = _read_cache(path) if _use_cache(options) and fits else None
    return decoded or folder_disk.read_disk(listing, options)


def _decode(listing: Listing, options: FolderOptions) -> Decoded:
    """Decode every file: into memory (then cached), or into a memory-mapped file when the decoded
    images would exceed the memory budget (their size read from the files' headers first, when even
    the largest side could exceed it)."""
    budget = folder_disk.memory_budget(options)
    if folder_disk.largest_size(listing, options) <= budget:  # fits whatever the files' sides: no header is read
        sides, bad, side, size = {}, [], 0, 0
    else:
        sides, bad, side, size = folder_disk.plan(listing, options)
    if size > budget:
        if bad and not options.skip_bad:
            refuse_unreadable(listing, options, bad, len(sides))
        return folder_disk.decode_to_disk(listing, options, sides, bad, side)
    decoded = decode_folder(listing, options)
    path = _cache_file(listing, options)
    if _use_cache(options) and _write_cache(path, decoded):
        _forget_older(path)
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
        if decoded.on_disk:  # train rows first: each split is a view of the memory-mapped file
            rows = slice(0, int((~decoded.test).sum())) if split == "train" else slice(int((~decoded.test).sum()), None)
            labels = decoded.labels[rows] if decoded.labels is not None else None
            return ImageDataset(name, decoded.images[rows], labels, num_classes, decoded.class_names, on_disk=True)
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

__all__ = ["EXTENSIONS", "FOLDER", "MAX_SIDE", "OPTIONS", "FolderOptions", "cache_dir", "file_order", "folder_spec", "in_test_split", "list_folder", "native_side", "parse_argument"]
