"""Mode coverage and conditional accuracy from a domain classifier."""

from __future__ import annotations

import torch

from ganzoo.evaluate.classifier import DomainClassifier, classifier_input

#: A class counts as covered when it receives at least this fraction of its uniform share
#: (e.g. 10 classes, 10k samples: at least 200 samples classified as that class).
COVERAGE_SHARE = 0.2


@torch.no_grad()
def classify(classifier: DomainClassifier, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """Predicted classes of uint8 (N, 1 or 3, H, W) images."""
    return torch.cat([classifier(classifier_input(classifier, images[i : i + batch_size]))[1].argmax(1) for i in range(0, len(images), batch_size)])


def coverage_metrics(predicted: torch.Tensor, num_classes: int, requested: torch.Tensor | None = None) -> dict[str, object]:
    """Class histogram, classes covered, and (with ``requested`` labels) conditional accuracy:
    overall, per requested class, and the worst class's."""
    histogram = torch.bincount(predicted, minlength=num_classes)[:num_classes]
    threshold = COVERAGE_SHARE * len(predicted) / num_classes
    result: dict[str, object] = {
        "class_histogram": histogram.tolist(),
        "classes_covered": int((histogram >= threshold).sum()),
        "num_classes": num_classes,
    }
    if requested is not None:
        requested = requested.to(predicted.device)
        hits = (predicted == requested).float()
        result["conditional_accuracy"] = float(hits.mean())
        per_class = [round(float(hits[requested == k].mean()), 6) if bool((requested == k).any()) else None for k in range(num_classes)]
        result["conditional_accuracy_per_class"] = per_class
        measured = [a for a in per_class if a is not None]
        result["worst_class_accuracy"] = min(measured) if measured else float("nan")
    return result
