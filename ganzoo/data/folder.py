"""``folder:PATH``: any folder of images (PNG, JPEG, BMP, GIF, WebP) as an unlabelled dataset."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from ganzoo.data.dataset import DatasetSpec, ImageDataset
from ganzoo.errors import DataError

EXTENSIONS = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"}


def _image_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise DataError(f"The image folder {folder} does not exist (from --data folder:{folder}).")
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
    others = [p for p in files if p.suffix.lower() not in EXTENSIONS]
    if others:
        raise DataError(
            f"The image folder {folder} holds files that are not images: {', '.join(str(p.relative_to(folder)) for p in others[:5])}"
            + (f" and {len(others) - 5} more" if len(others) > 5 else "")
            + f". Keep only {', '.join(sorted(EXTENSIONS))} files there."
        )
    if not files:
        raise DataError(f"The image folder {folder} holds no images ({', '.join(sorted(EXTENSIONS))}).")
    return files


def _mode(folder: Path, files: list[Path]) -> tuple[str, tuple[int, int]]:
    """'L' or 'RGB' for the whole folder, decided by the files, and the first image's size."""
    modes, sizes = set(), set()
    for path in files:
        try:
            with Image.open(path) as image:
                modes.add("L" if image.mode in ("1", "L", "LA", "I", "I;16") else "RGB")
                sizes.add(image.size)
        except (UnidentifiedImageError, OSError) as error:
            raise DataError(f"{path} is not a readable image ({error}).") from error
    if len(modes) > 1:
        raise DataError(f"The image folder {folder} mixes grayscale and colour images. Convert them to one mode first.")
    return modes.pop(), sorted(sizes)[0]


def load_folder(folder: Path, size: int | None = None) -> ImageDataset:
    """Every image of ``folder`` (recursively), centre-cropped to a square and resized to ``size``
    (default: the smaller side of the smallest image), as uint8 (N, C, size, size)."""
    files = _image_files(folder)
    mode, (width, height) = _mode(folder, files)
    side = size or min(width, height)
    arrays = []
    for path in files:
        with Image.open(path) as image:
            image = image.convert(mode)
            w, h = image.size
            crop = min(w, h)
            left, top = (w - crop) // 2, (h - crop) // 2
            image = image.crop((left, top, left + crop, top + crop)).resize((side, side), Image.Resampling.BICUBIC)
            array = np.asarray(image, dtype=np.uint8)
        arrays.append(array[None] if array.ndim == 2 else array.transpose(2, 0, 1))
    return ImageDataset(f"folder:{folder}", torch.from_numpy(np.stack(arrays)), None, num_classes=0)


def folder_spec(argument: str) -> DatasetSpec:
    """The concrete spec of ``folder:PATH``: reads the folder's mode and size once."""
    folder = Path(argument).expanduser()
    files = _image_files(folder)
    mode, (width, height) = _mode(folder, files)
    side = min(width, height)
    cache: dict[str, ImageDataset] = {}

    def load(root, split, download):
        if "images" not in cache:
            cache["images"] = load_folder(folder)
        return cache["images"]

    return DatasetSpec(f"folder:{argument}", load, (1 if mode == "L" else 3, side, side), 0, f"{len(files)} images from {folder}")


def _needs_a_path(root, split, download) -> ImageDataset:
    raise DataError("Use the folder dataset as folder:PATH.")


FOLDER = DatasetSpec(
    name="folder",
    load=_needs_a_path,
    image_shape=(0, 0, 0),
    description="any folder of images, as folder:PATH (grayscale or RGB by the files; resized to --image-size)",
    parametrize=folder_spec,
)
