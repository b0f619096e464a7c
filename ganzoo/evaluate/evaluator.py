"""Evaluate images, a generator, or a run directory, with the protocol recorded beside every number."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ganzoo.compat import import_torchvision_module
from ganzoo.data.dataset import DatasetSpec, ImageDataset
from ganzoo.data.root import resolve_data_root
from ganzoo.errors import ConfigError
from ganzoo.evaluate.classifier import load_classifier
from ganzoo.evaluate.coverage import Reading, coverage_metrics, read_classes, reference_legibility
from ganzoo.evaluate.domain import DOMAIN, domain_weights
from ganzoo.evaluate.extractors import DOMAIN_EXTRACTORS, INCEPTION, INCEPTION_FILE, available_extractors, extractor_identity, inception_hub_file
from ganzoo.evaluate.metrics import METRICS, cache_name, compute_fidelity, parse_metrics
from ganzoo.evaluate.modes import channels_to_modes, mode_metrics, read_channels
from ganzoo.registry import Registry
from ganzoo.sampling import sample_images

DEFAULT_N = 10_000
DEFAULT_SPLIT = "test"
#: Intra-FID is computed for at most this many classes (Stacked-MNIST's 1000 modes would hold ~26 samples each).
INTRA_FID_MAX_CLASSES = 100


def default_cache_dir() -> Path:
    """Where reference statistics are cached: ``$XDG_CACHE_HOME/ganzoo/fidelity`` (or ~/.cache)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "ganzoo" / "fidelity"


@dataclass
class EvaluationResult:
    """Metric values and the protocol that produced them."""

    metrics: dict[str, Any]
    protocol: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"metrics": self.metrics, "protocol": self.protocol}


def default_extractor(spec: DatasetSpec, channels: int, domain: Path | None = None, feature_weights: Path | None = None) -> str:
    """The dataset's own extractor; else Inception-v3 for RGB data when its weights are present (or
    given); else the domain extractor trained for this data (``domain``: its weights); else ConfigError
    naming both ways."""
    if spec.feature_extractor:
        return spec.feature_extractor
    if channels == 3 and (feature_weights is not None or inception_hub_file().is_file()):
        return INCEPTION
    if domain is not None:
        return DOMAIN
    raise ConfigError(no_extractor_message(spec, channels))


def no_extractor_message(spec: DatasetSpec, channels: int) -> str:
    """The one paragraph for data with no feature extractor at hand: the two ways to get one."""
    inception = "" if channels == 3 else " with --feature-extractor inception-v3-compat"
    return (
        f"Dataset {spec.name!r} has no feature extractor on this machine, and ganzoo never downloads one during evaluation. "
        f"Either put Inception-v3's weights {INCEPTION_FILE} (from torch-fidelity's releases) at {inception_hub_file()} "
        f"(or pass --feature-weights PATH){inception}; or train a domain extractor on the data's own classes: "
        f"`ganzoo extractor train --data {spec.name}` (minutes on a CPU; it also gives class coverage and conditional accuracy). "
        f"Other extractors: --feature-extractor {', '.join(available_extractors())}."
    )


def evaluate_images(
    fake: torch.Tensor,
    reference: ImageDataset,
    *,
    dataset: DatasetSpec,
    reference_split: str = DEFAULT_SPLIT,
    metrics: tuple[str, ...] | str = METRICS,
    feature_extractor: str | None = None,
    feature_weights: Path | None = None,
    n_real: int | None = None,
    requested_labels: torch.Tensor | None = None,
    generator_kind: str = "samples",
    seed: int = 0,
    cache_dir: Path | None = None,
    device: str = "cpu",
) -> EvaluationResult:
    """Compare uint8 images (N, C, H, W) with a reference split through torch-fidelity.

    ``requested_labels`` (for conditional samples) adds conditional accuracy; with a domain
    extractor the class histogram and the number of classes covered are reported as well, legible
    figures first (``legible_fraction``, ``legible_classes_covered``: only the samples the classifier
    reads as it reads real images, :class:`ganzoo.evaluate.coverage.Legibility`, fitted to the
    reference images). For a dataset whose modes are read channel by channel
    (``DatasetSpec.mode_reader``, Stacked-MNIST) the modes replace the class coverage:
    ``legible_fraction``, ``legible_modes`` and ``legible_kl``, then the papers' argmax ``modes``
    and ``kl`` (see :mod:`ganzoo.evaluate.modes`).
    """
    metrics = parse_metrics(metrics)
    domain = domain_weights(dataset) if dataset.num_classes else None
    extractor = feature_extractor or default_extractor(dataset, reference.image_shape[0], domain, feature_weights)
    if extractor == DOMAIN and feature_weights is None:
        feature_weights = domain
    real = reference.images[: n_real or min(len(reference), DEFAULT_N)]
    if len(fake) < 2 or len(real) < 2:
        raise ConfigError(f"Evaluation needs at least 2 generated and 2 reference images; got {len(fake)} and {len(real)}.")
    fidelity = import_torchvision_module("torch_fidelity")
    protocol: dict[str, Any] = {
        "dataset": dataset.name,
        **({"content_key": dataset.content_key} if dataset.content_key else {}),
        "reference_split": reference_split,
        "n_real": len(real),
        "n_fake": len(fake),
        **extractor_identity(extractor, feature_weights),
        "image_size": list(fake.shape[1:]),
        "generator": generator_kind,
        "seed": seed,
        "torch_fidelity": fidelity.__version__,
    }
    cache_dir = cache_dir or default_cache_dir()
    values = compute_fidelity(fake, real, metrics, extractor, cache_name(protocol), cache_dir, feature_weights, device, seed=seed)
    if "fid" in metrics and requested_labels is not None and reference.labels is not None and reference.num_classes <= INTRA_FID_MAX_CLASSES:
        values.update(intra_fid(fake, requested_labels, reference, protocol, cache_dir, feature_weights, device, seed))
    if dataset.mode_reader:
        sha = extractor_identity(dataset.mode_reader)["feature_weights_sha256"]
        reading, legible, rule = legible_reading(partial(read_channels, load_classifier(dataset.mode_reader)), fake, real, legibility_cache(cache_dir, protocol, sha))
        values.update(mode_metrics(channels_to_modes(reading.classes), reference.num_classes, requested_labels, legible), **rule)
    elif reference.num_classes and (extractor in DOMAIN_EXTRACTORS or extractor == DOMAIN or domain is not None):
        # a domain extractor reads the classes; else the data's own trained classifier, whichever extractor gave the features
        name, weights = (extractor, feature_weights) if extractor in DOMAIN_EXTRACTORS else (DOMAIN, feature_weights if extractor == DOMAIN else domain)
        sha = extractor_identity(name, weights)["feature_weights_sha256"]
        if name != extractor:
            protocol.update(coverage_classifier=DOMAIN, coverage_classifier_sha256=sha)
        reading, legible, rule = legible_reading(partial(read_classes, load_classifier(name, weights)), fake, real, legibility_cache(cache_dir, protocol, sha))
        values.update(coverage_metrics(reading.classes, reference.num_classes, requested_labels, legible), **rule)
    return EvaluationResult(values, protocol)


def legible_reading(read: Callable[[torch.Tensor], Reading], fake: torch.Tensor, real: torch.Tensor, cache: Path) -> tuple[Reading, torch.Tensor, dict[str, Any]]:
    """(``read`` of the generated images, which of them are legible, the legibility rule as recorded),
    the rule fitted to the reference images (:func:`reference_legibility`)."""
    reading, rule = read(fake), reference_legibility(read, real, cache)
    return reading, rule(reading), rule.describe()


def legibility_cache(cache_dir: Path, protocol: dict[str, Any], classifier_sha256: str) -> Path:
    """Where the legibility rule fitted to the reference images under a classifier (its weights' sha256) is kept, beside their statistics."""
    return cache_dir / f"{cache_name(protocol)}-legibility-{classifier_sha256[:12]}.json"


def intra_fid(
    fake: torch.Tensor,
    requested_labels: torch.Tensor,
    reference: ImageDataset,
    protocol: dict[str, Any],
    cache_dir: Path,
    feature_weights: Path | None = None,
    device: str = "cpu",
    seed: int = 0,
) -> dict[str, Any]:
    """Intra-FID (Miyato & Koyama 2018): the FID of each class's samples against that class's
    reference images, averaged over the classes; ``{"intra_fid": mean, "intra_fid_per_class": [...]}``.

    A conditional generator that draws the right class but one image per class has a low
    conditional error and a high intra-FID, so this is the number for "varied within a class".
    Classes with fewer than 2 samples on either side are left out (``None`` in the list).
    """
    requested = requested_labels.cpu()
    per_class: list[float | None] = []
    for k in range(reference.num_classes):
        fake_k, real_k = fake[requested == k], reference.images[reference.labels == k]
        if len(fake_k) < 2 or len(real_k) < 2:
            per_class.append(None)
            continue
        class_protocol = {**protocol, "reference_split": f"{protocol['reference_split']}-class{k}", "n_real": len(real_k)}
        fid = compute_fidelity(fake_k, real_k, ("fid",), protocol["feature_extractor"], cache_name(class_protocol), cache_dir, feature_weights, device, seed=seed)
        per_class.append(fid["fid"])
    measured = [v for v in per_class if v is not None]
    return {"intra_fid": sum(measured) / len(measured) if measured else float("nan"), "intra_fid_per_class": per_class}


def protocol_n(spec: DatasetSpec, n: int | None) -> int:
    """``n`` samples, or the dataset's protocol's count (Stacked-MNIST: 26,000), or ganzoo's default."""
    return n if n is not None else spec.eval_n or DEFAULT_N


def balanced_labels(n: int, num_classes: int) -> torch.Tensor:
    """0, 1, ..., K-1, 0, 1, ... : n labels as even across the classes as n allows."""
    return torch.arange(n) % num_classes


def evaluate_generator(
    generator: nn.Module,
    reference: ImageDataset,
    *,
    dataset: DatasetSpec,
    n: int = DEFAULT_N,
    seed: int = 0,
    ema: bool = False,
    device: str = "cpu",
    **options: Any,
) -> EvaluationResult:
    """Sample ``n`` images from a generator (balanced labels when conditional) and evaluate them."""
    if n < 2:
        raise ConfigError(f"--n must be at least 2; got {n}.")
    labels = balanced_labels(n, generator.num_classes) if generator.num_classes else None
    was_training = generator.training
    generator.eval()
    fake = sample_images(generator, n, seed=seed, labels=labels, device=device)
    generator.train(was_training)
    return evaluate_images(fake, reference, dataset=dataset, requested_labels=labels, generator_kind="ema" if ema else "raw", seed=seed, device=device, **options)


def load_reference(registry: Registry, dataset: str, split: str, data_root: str | None = None) -> tuple[DatasetSpec, ImageDataset]:
    """The reference split of a registered dataset."""
    spec = registry.dataset(dataset)
    if split not in spec.splits:
        raise ConfigError(f"Dataset {dataset!r} has no split {split!r}; choose one of: {', '.join(spec.splits)}.")
    return spec, spec.load(resolve_data_root(data_root), split, True)
