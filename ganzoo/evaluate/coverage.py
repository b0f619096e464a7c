"""Mode coverage and conditional accuracy from a domain classifier, counted two ways.

*Argmax* (the usual protocol): every sample is the class its classifier scores highest, so an
illegible blob, a blank or pure noise still counts as some class. *Legible*: only the samples the
classifier reads as it reads real data count (:class:`Legibility`): it is sure of them (top softmax
probability at least :data:`LEGIBLE_THRESHOLD`) and their penultimate features are as strong as a
real image's (norm inside the range of the reference images'; a softmax CNN is also "sure" that
uniform noise is an 8). ``legible_fraction`` says how many samples pass; real test data's rates
are in docs/evaluation.md and benchmarks/results/legible_calibration.md.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
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


class Reading(NamedTuple):
    """What a classifier reads in each image (or each channel: then (N, C) tensors): its class, the
    softmax probability of that class, and the norm of the penultimate features."""

    classes: torch.Tensor
    confidence: torch.Tensor
    norm: torch.Tensor


@torch.no_grad()
def read_classes(classifier: DomainClassifier, images: torch.Tensor, batch_size: int = 1000) -> Reading:
    """The :class:`Reading` of each uint8 (N, 1 or 3, H, W) image, on the CPU."""
    parts = []
    for i in range(0, len(images), batch_size):
        features, logits = classifier(classifier_input(classifier, images[i : i + batch_size]))
        top = logits.softmax(1).max(1)
        parts.append((top.indices.cpu(), top.values.cpu(), features.norm(dim=1).cpu()))
    if not parts:
        return Reading(torch.zeros(0, dtype=torch.long), torch.zeros(0), torch.zeros(0))
    return Reading(*(torch.cat(column) for column in zip(*parts)))


def classify(classifier: DomainClassifier, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """Predicted classes (argmax) of uint8 (N, 1 or 3, H, W) images."""
    return read_classes(classifier, images, batch_size).classes


@dataclass(frozen=True)
class Legibility:
    """When a reading counts as legible: the classifier is at least ``threshold`` sure and the
    features' norm lies in [``low``, ``high``] (the real data's range; unbounded by default)."""

    threshold: float = LEGIBLE_THRESHOLD
    low: float = 0.0
    high: float = math.inf

    @classmethod
    def of_reference(cls, reference: Reading, threshold: float = LEGIBLE_THRESHOLD) -> Legibility:
        """The rule with the feature-norm range of real images' reading (:data:`TYPICAL_QUANTILES`)."""
        low, high = torch.quantile(reference.norm.flatten().double(), torch.tensor(TYPICAL_QUANTILES, dtype=torch.double)).tolist()
        return cls(threshold, low, high)

    def __call__(self, reading: Reading) -> torch.Tensor:
        """(N,) bool: legible samples; with (N, C) readings (one per channel) every channel must be."""
        sure = (reading.confidence >= self.threshold) & (reading.norm >= self.low) & (reading.norm <= self.high)
        return sure if sure.dim() == 1 else sure.all(dim=1)

    def describe(self) -> dict[str, object]:
        """The rule as the metrics record it."""
        return {"legible_threshold": self.threshold, "legible_feature_norm_range": [round(self.low, 4), round(self.high, 4)]}


def reference_legibility(reading: Callable[[torch.Tensor], Reading], reference: torch.Tensor, cache: Path | None = None) -> Legibility:
    """The :class:`Legibility` rule with the feature-norm range of the first :data:`TYPICAL_N`
    ``reference`` images as ``reading`` reads them; kept in ``cache`` (JSON) when given, so a
    second evaluation against the same reference reads none of its images."""
    key = {"n": min(len(reference), TYPICAL_N), "quantiles": list(TYPICAL_QUANTILES)}
    if cache is not None and cache.is_file():
        stored = json.loads(cache.read_text())
        if {k: stored.get(k) for k in key} == key:
            return Legibility(LEGIBLE_THRESHOLD, stored["low"], stored["high"])
    rule = Legibility.of_reference(reading(reference[:TYPICAL_N]))
    if cache is not None:
        write_json_atomically(cache, {**key, "low": rule.low, "high": rule.high})
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
