"""FID, KID, IS and precision/recall through torch-fidelity on in-memory uint8 images."""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
from pathlib import Path

import torch
from torch.utils.data import Dataset

from ganzoo.compat import import_torchvision_module
from ganzoo.errors import ConfigError
from ganzoo.evaluate.extractors import INCEPTION, register_extractors, safe_inception_copy

METRICS = ("fid", "kid", "is", "prc")
_FIDELITY_FLAGS = {"fid": "fid", "kid": "kid", "is": "isc", "prc": "prc"}


class UInt8Images(Dataset):
    """A uint8 (N, C, H, W) tensor as the dataset torch-fidelity expects: 3xHxW uint8 items."""

    def __init__(self, images: torch.Tensor):
        if images.dtype != torch.uint8 or images.dim() != 4 or images.shape[1] not in (1, 3):
            raise ConfigError(f"Evaluation needs uint8 images of shape (N, 1 or 3, H, W); got {images.dtype} {tuple(images.shape)}.")
        self.images = images.cpu()

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> torch.Tensor:
        image = self.images[index]
        return image.expand(3, -1, -1) if image.shape[0] == 1 else image


def parse_metrics(text: str | tuple[str, ...]) -> tuple[str, ...]:
    """``"fid,kid"`` -> ("fid", "kid"); unknown names raise ConfigError."""
    names = tuple(m.strip().lower() for m in (text.split(",") if isinstance(text, str) else text) if m.strip())
    unknown = [m for m in names if m not in METRICS]
    if unknown or not names:
        raise ConfigError(f"--metrics takes a comma-separated list of {', '.join(METRICS)}; got {text!r}.")
    return names


def cache_name(protocol: dict) -> str:
    """A file-name-safe key of everything the reference statistics depend on, the data's content
    included where it has a digest (``DatasetSpec.content_key``), so a changed folder gets fresh statistics."""
    parts = [protocol["dataset"], protocol["reference_split"], f"n{protocol['n_real']}", protocol["feature_extractor"], protocol["feature_weights_sha256"][:12], f"{protocol['extractor_input_size']}px"]
    if protocol.get("content_key"):  # data that can change under its name (folder:PATH): its content's digest
        parts.append(protocol["content_key"])
    readable = re.sub(r"[^A-Za-z0-9_.-]+", "_", "-".join(parts))
    return f"ganzoo-{readable[:120]}-{hashlib.sha256('|'.join(parts).encode()).hexdigest()[:8]}"


def compute_fidelity(
    fake: torch.Tensor,
    real: torch.Tensor,
    metrics: tuple[str, ...],
    extractor: str,
    reference_cache: str | None,
    cache_dir: Path,
    weights: Path | None = None,
    device: str = "cpu",
    batch_size: int = 500,
    seed: int = 0,
) -> dict[str, float]:
    """Run torch-fidelity once for all requested metrics; returns ganzoo's metric names."""
    register_extractors()
    fidelity = import_torchvision_module("torch_fidelity")
    options = {_FIDELITY_FLAGS[m]: True for m in metrics}
    if "kid" in metrics:
        options["kid_subset_size"] = min(1000, len(fake), len(real))
    if "is" in metrics:
        options["isc_splits"] = min(10, len(fake))
    weights_path = safe_inception_copy(weights) if extractor == INCEPTION and weights else weights
    with contextlib.redirect_stdout(io.StringIO()):
        result = fidelity.calculate_metrics(
            input1=UInt8Images(fake),
            input2=UInt8Images(real),
            cuda=device.startswith("cuda"),
            batch_size=batch_size,
            feature_extractor=extractor,
            feature_extractor_weights_path=str(weights_path) if weights_path else None,
            cache_root=str(cache_dir),
            cache=reference_cache is not None,
            input2_cache_name=reference_cache,
            save_cpu_ram=True,
            rng_seed=seed,
            verbose=False,
            **options,
        )
    names = {
        "frechet_inception_distance": "fid",
        "kernel_inception_distance_mean": "kid",
        "kernel_inception_distance_std": "kid_std",
        "inception_score_mean": "is",
        "inception_score_std": "is_std",
        "precision": "precision",
        "recall": "recall",
        "f_score": "f_score",
    }
    return {names[k]: float(v) for k, v in result.items() if k in names}
