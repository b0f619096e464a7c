"""Mode coverage and conditional accuracy from a domain classifier, counted two ways.

*Argmax* (the usual protocol): every sample is the class its classifier scores highest, so an
illegible blob, a blank or pure noise still counts as some class. *Legible*: only the samples the
classifier reads as it reads real data count (:class:`Legibility`): it is sure of them (top softmax
probability at least :data:`LEGIBLE_THRESHOLD`), their penultimate features are as strong as a
real image's (norm inside the range of the reference images'; a softmax CNN is also "sure" that
uniform noise is an 8) and the activity of its convolutional blocks is typical of real images
(:class:`Typicality`; the shipped MNIST classifier is 100 % sure of a uniform grey image, with a
feature norm inside real digits' range). ``legible_fraction`` says how many samples pass; real test
data's rates are in docs/evaluation.md and benchmarks/results/legible_calibration.md.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

import torch

from ganzoo.base.atomic import write_json_atomically
from ganzoo.evaluate.classifier import DomainClassifier, classifier_input

#: A class counts as covered when it receives at least this fraction of its uniform share
#: (e.g. 10 classes, 10k samples: at least 200 samples classified as that class).
COVERAGE_SHARE = 0.2
#: A sample (each channel of a Stacked-MNIST one) is legible when its classifier's top softmax
#: probability is at least this (and its features look real, :class:`Legibility`); calibrated on
#: real test data (benchmarks/results/legible_calibration.md).
LEGIBLE_THRESHOLD = 0.9
#: The feature-norm range of real data: these quantiles of the reference images' norms.
TYPICAL_QUANTILES = (0.005, 0.995)
#: Reference images read to find that range.
TYPICAL_N = 2000
#: A reading's block activity is typical when its Mahalanobis distance from the reference images'
#: is at most this quantile of theirs.
TYPICAL_ACTIVITY_QUANTILE = 0.995
#: Ridge added to the activity covariance, as a fraction of its mean variance (keeps a small
#: reference's covariance invertible).
ACTIVITY_RIDGE = 0.01
#: Bumped when the rule changes, so that cached rules of an older one are recomputed.
RULE_VERSION = 2


class Reading(NamedTuple):
    """What a classifier reads in each image (or each channel: then (N, C) tensors): its class, the
    softmax probability of that class, the norm of the penultimate features, and (``activity``,
    (N, D) or (N, C, D); None from a reader that does not measure it) the mean activation of each
    channel of each convolutional block."""

    classes: torch.Tensor
    confidence: torch.Tensor
    norm: torch.Tensor
    activity: torch.Tensor | None = None


def _block_outputs(classifier: DomainClassifier) -> list[torch.nn.Module]:
    """The activations that end the classifier's convolutional blocks (its ReLUs before the flatten)."""
    layers = list(classifier.body)
    end = next((i for i, layer in enumerate(layers) if isinstance(layer, torch.nn.Flatten)), len(layers))
    return [layer for layer in layers[:end] if isinstance(layer, torch.nn.ReLU)]


@torch.no_grad()
def read_classes(classifier: DomainClassifier, images: torch.Tensor, batch_size: int = 1000) -> Reading:
    """The :class:`Reading` of each uint8 (N, 1 or 3, H, W) image, on the CPU."""
    parts, blocks = [], []
    hooks = [layer.register_forward_hook(lambda _m, _i, out: blocks.append(out.mean(dim=(2, 3)).cpu())) for layer in _block_outputs(classifier)]
    try:
        for i in range(0, len(images), batch_size):
            blocks.clear()
            features, logits = classifier(classifier_input(classifier, images[i : i + batch_size]))
            top = logits.softmax(1).max(1)
            parts.append((top.indices.cpu(), top.values.cpu(), features.norm(dim=1).cpu(), torch.cat(blocks, dim=1)))
    finally:
        for hook in hooks:
            hook.remove()
    if not parts:
        return Reading(torch.zeros(0, dtype=torch.long), torch.zeros(0), torch.zeros(0), torch.zeros(0, 0))
    return Reading(*(torch.cat(column) for column in zip(*parts)))


@dataclass(frozen=True, eq=False)
class Typicality:
    """A Gaussian of real images' block activity (:attr:`Reading.activity`): a reading is typical when
    its Mahalanobis distance from the mean is at most ``limit``."""

    mean: torch.Tensor
    precision: torch.Tensor
    limit: float

    @classmethod
    def of_reference(cls, activity: torch.Tensor) -> Typicality:
        """Fitted to reference activity (N, D) or (N, C, D); ``limit`` is :data:`TYPICAL_ACTIVITY_QUANTILE` of their distances."""
        x = activity.reshape(-1, activity.shape[-1]).double()
        mean = x.mean(0)
        centred = x - mean
        covariance = centred.T @ centred / max(len(x) - 1, 1)
        covariance += ACTIVITY_RIDGE * float(covariance.diagonal().mean().clamp_min(1e-12)) * torch.eye(len(mean), dtype=torch.double)
        precision = torch.linalg.inv(covariance)
        distances = ((centred @ precision) * centred).sum(-1)
        return cls(mean, precision, float(torch.quantile(distances, TYPICAL_ACTIVITY_QUANTILE)))

    def distance(self, activity: torch.Tensor) -> torch.Tensor:
        """Squared Mahalanobis distance of each activity vector (..., D) from the reference mean."""
        centred = activity.double() - self.mean
        return ((centred @ self.precision) * centred).sum(-1)

    def __call__(self, activity: torch.Tensor) -> torch.Tensor:
        return self.distance(activity) <= self.limit

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Typicality) and self.limit == other.limit and torch.equal(self.mean, other.mean) and torch.equal(self.precision, other.precision)

    def to_json(self) -> dict[str, object]:
        return {"mean": self.mean.tolist(), "precision": self.precision.tolist(), "limit": self.limit}

    @classmethod
    def from_json(cls, stored: dict) -> Typicality:
        return cls(torch.tensor(stored["mean"], dtype=torch.double), torch.tensor(stored["precision"], dtype=torch.double), float(stored["limit"]))


def classify(classifier: DomainClassifier, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """Predicted classes (argmax) of uint8 (N, 1 or 3, H, W) images."""
    return read_classes(classifier, images, batch_size).classes


@dataclass(frozen=True)
class Legibility:
    """When a reading counts as legible: the classifier is at least ``threshold`` sure, the
    features' norm lies in [``low``, ``high``] (the real data's range; unbounded by default) and,
    with a ``typical`` rule, the block activity is typical of real images."""

    threshold: float = LEGIBLE_THRESHOLD
    low: float = 0.0
    high: float = math.inf
    typical: Typicality | None = None

    @classmethod
    def of_reference(cls, reference: Reading, threshold: float = LEGIBLE_THRESHOLD) -> Legibility:
        """The rule fitted to real images' reading: their feature-norm range (:data:`TYPICAL_QUANTILES`)
        and, when the reading measured it, their block activity (:class:`Typicality`)."""
        low, high = torch.quantile(reference.norm.flatten().double(), torch.tensor(TYPICAL_QUANTILES, dtype=torch.double)).tolist()
        typical = Typicality.of_reference(reference.activity) if reference.activity is not None and reference.activity.numel() else None
        return cls(threshold, low, high, typical)

    def with_threshold(self, threshold: float) -> Legibility:
        """The same reference range and activity rule at another confidence threshold."""
        return replace(self, threshold=threshold)

    def __call__(self, reading: Reading) -> torch.Tensor:
        """(N,) bool: legible samples; with (N, C) readings (one per channel) every channel must be."""
        sure = self.per_channel(reading)
        return sure if sure.dim() == 1 else sure.all(dim=1)

    def per_channel(self, reading: Reading) -> torch.Tensor:
        """The rule on each reading as it is: (N,) or, per channel, (N, C) bool."""
        sure = (reading.confidence >= self.threshold) & (reading.norm >= self.low) & (reading.norm <= self.high)
        if self.typical is not None:
            if reading.activity is None:
                raise ValueError("This legibility rule checks block activity, which the reading did not measure (read it with read_classes or read_channels).")
            sure &= self.typical(reading.activity)
        return sure

    def describe(self) -> dict[str, object]:
        """The rule as the metrics record it."""
        described: dict[str, object] = {"legible_threshold": self.threshold, "legible_feature_norm_range": [round(self.low, 4), round(self.high, 4)]}
        if self.typical is not None:
            described["legible_activity_limit"] = round(self.typical.limit, 4)
        return described


def reference_legibility(reading: Callable[[torch.Tensor], Reading], reference: torch.Tensor, cache: Path | None = None) -> Legibility:
    """The :class:`Legibility` rule fitted to the first :data:`TYPICAL_N` ``reference`` images as
    ``reading`` reads them; kept in ``cache`` (JSON) when given, so a second evaluation against the
    same reference reads none of its images (a cache of an older rule is refitted)."""
    key = {"version": RULE_VERSION, "n": min(len(reference), TYPICAL_N), "quantiles": list(TYPICAL_QUANTILES), "activity_quantile": TYPICAL_ACTIVITY_QUANTILE, "ridge": ACTIVITY_RIDGE}
    if cache is not None and cache.is_file():
        stored = json.loads(cache.read_text())
        if {k: stored.get(k) for k in key} == key:
            typical = Typicality.from_json(stored["typical"]) if stored.get("typical") else None
            return Legibility(LEGIBLE_THRESHOLD, stored["low"], stored["high"], typical)
    rule = Legibility.of_reference(reading(reference[:TYPICAL_N]))
    if cache is not None:
        write_json_atomically(cache, {**key, "low": rule.low, "high": rule.high, "typical": rule.typical.to_json() if rule.typical else None})
    return rule


def covered(histogram: torch.Tensor, total: int) -> int:
    """Classes of ``histogram`` holding at least :data:`COVERAGE_SHARE` of their uniform share of ``total`` samples."""
    return int((histogram >= COVERAGE_SHARE * total / len(histogram)).sum())


def coverage_metrics(predicted: torch.Tensor, num_classes: int, requested: torch.Tensor | None = None, legible: torch.Tensor | None = None) -> dict[str, object]:
    """Class histogram, classes covered, and (with ``requested`` labels) conditional accuracy:
    overall, per requested class, and the worst class's.

    With ``legible`` (a bool per sample, :class:`Legibility`) the legible figures come first:
    ``legible_fraction`` and ``legible_classes_covered``, the classes whose *legible* samples reach
    the same share of all the samples (an illegible one counts for none), and with ``requested``
    ``legible_conditional_accuracy`` (legible and of the class asked for)."""
    predicted = predicted.cpu()
    result: dict[str, object] = {}
    if legible is not None:
        legible = legible.cpu()
        result["legible_fraction"] = float(legible.double().mean()) if len(legible) else 0.0
        result["legible_classes_covered"] = covered(torch.bincount(predicted[legible], minlength=num_classes)[:num_classes], len(predicted))
    histogram = torch.bincount(predicted, minlength=num_classes)[:num_classes]
    result.update(class_histogram=histogram.tolist(), classes_covered=covered(histogram, len(predicted)), num_classes=num_classes)
    if requested is not None:
        requested = requested.cpu()
        hits = predicted == requested
        if legible is not None:
            result["legible_conditional_accuracy"] = float((hits & legible).double().mean())
        result["conditional_accuracy"] = float(hits.double().mean())
        per_class = [round(float(hits[requested == k].double().mean()), 6) if bool((requested == k).any()) else None for k in range(num_classes)]
        result["conditional_accuracy_per_class"] = per_class
        measured = [a for a in per_class if a is not None]
        result["worst_class_accuracy"] = min(measured) if measured else float("nan")
    return result
