"""Evaluate a model or a tensor of images with ganzoo's evaluator (the numbers ``ganzoo eval`` prints)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import torch

from ganzoo.discovery import get_registry
from ganzoo.errors import ConfigError
from ganzoo.evaluate.evaluator import DEFAULT_SPLIT, EvaluationResult, evaluate_generator, evaluate_images, load_reference, protocol_n
from ganzoo.evaluate.metrics import METRICS
from ganzoo.registry import Registry


def evaluate(
    target: Any,
    *,
    dataset: str | None = None,
    n: int | None = None,
    labels: Sequence[int] | torch.Tensor | None = None,
    metrics: str | tuple[str, ...] = METRICS,
    split: str = DEFAULT_SPLIT,
    seed: int = 0,
    feature_extractor: str | None = None,
    feature_weights: str | Path | None = None,
    data_root: str | None = None,
    registry: Registry | None = None,
) -> EvaluationResult:
    """FID, KID, IS, precision/recall and class coverage (or, on Stacked-MNIST, modes and KL) of a model or of images.

    ``target`` is a :class:`~ganzoo.api.model.GanModel` (told apart by what this function reads of it, so
    that this module does not import ``ganzoo.api.model``, which imports it) (``n`` samples are drawn with latents from ``seed``,
    classes balanced when it is conditional, and compared with ``n`` images of its dataset's
    ``split``: exactly what ``ganzoo eval`` computes), or uint8 images (N, C, H, W) with the
    ``dataset`` they imitate (and, for conditional samples, the ``labels`` they were asked for,
    which adds conditional accuracy and intra-FID). ``n`` defaults to the dataset's protocol
    (26,000 for ``stacked-mnist``), else 10,000. The result holds ``metrics`` and the
    ``protocol`` that produced them.
    """
    registry = registry or get_registry()
    weights = Path(feature_weights) if feature_weights is not None else None
    options = dict(metrics=metrics, feature_extractor=feature_extractor, feature_weights=weights, reference_split=split)
    if _is_model(target):
        if dataset is not None and dataset != target.dataset:
            raise ConfigError(f"{target.source} was trained on {target.dataset!r}; it is evaluated against that dataset, not {dataset!r}.")
        if labels is not None:
            raise ConfigError("labels are for evaluating images; a model draws its classes balanced.")
        spec, reference = load_reference(registry, target.dataset, split, data_root or target.config.data_root)
        n = protocol_n(spec, n)
        result = evaluate_generator(target.generator, reference, dataset=spec, n=n, n_real=n, seed=seed, ema=target.ema, device=str(target.device), **options)
        result.protocol.update(source=target.source, step=target.step)
        return result
    if not isinstance(target, torch.Tensor) or target.dim() != 4:
        raise ConfigError(f"Evaluate a GanModel (from ganzoo.api.load) or uint8 images of shape (N, C, H, W); got {type(target).__name__}.")
    if dataset is None:
        raise ConfigError("Evaluating images needs the dataset they imitate: pass dataset='mnist' (see `ganzoo list datasets`).")
    images = target if target.dtype == torch.uint8 else _float_to_uint8(target)
    requested = torch.as_tensor(labels, dtype=torch.long).reshape(-1) if labels is not None else None
    if requested is not None and len(requested) != len(images):
        raise ConfigError(f"Got {len(requested)} labels for {len(images)} images; pass one per image.")
    spec, reference = load_reference(registry, dataset, split, data_root)
    return evaluate_images(images, reference, dataset=spec, requested_labels=requested, seed=seed, n_real=protocol_n(spec, n), **options)


def _float_to_uint8(images: torch.Tensor) -> torch.Tensor:
    from ganzoo.data.batcher import to_uint8

    if not images.is_floating_point():
        raise ConfigError(f"Images must be uint8 (0..255) or float in [-1, 1]; got {images.dtype}.")
    return to_uint8(images)


def _is_model(target: object) -> bool:
    """True for a :class:`~ganzoo.api.model.GanModel` (what this module reads of one), told apart without importing it."""
    return all(hasattr(target, name) for name in ("generator", "config", "dataset", "source", "step", "ema"))
