"""Class coverage on MNIST-like data, legible and argmax: the legible split counts only what the classifier reads as real."""

from __future__ import annotations

import pytest
import torch

from ganzoo.cli.evaluate import metrics_table, reading_hint
from ganzoo.discovery import get_registry
from ganzoo.evaluate import EvaluationResult, evaluate_images, load_reference
from ganzoo.evaluate.coverage import coverage_metrics


def test_legible_coverage_counts_a_class_only_for_its_legible_samples():
    predicted = torch.tensor([0] * 50 + [1] * 50)
    legible = torch.tensor([True] * 50 + [False] * 50)
    metrics = coverage_metrics(predicted, 2, requested=torch.tensor([0, 1] * 50), legible=legible)
    assert list(metrics)[:2] == ["legible_fraction", "legible_classes_covered"]
    assert metrics["legible_fraction"] == 0.5 and metrics["legible_classes_covered"] == 1 and metrics["classes_covered"] == 2
    assert metrics["legible_conditional_accuracy"] == 0.25 and metrics["conditional_accuracy"] == 0.5
    assert "legible_fraction" not in coverage_metrics(predicted, 2)  # without a legibility reading: argmax only, as before


@pytest.fixture(scope="module")
def mnist(data_root):
    return load_reference(get_registry(), "mnist", "test", str(data_root))


def test_noise_covers_a_class_by_argmax_and_none_legibly(mnist, tmp_path):
    spec, test = mnist
    noise = torch.randint(0, 256, (500, 1, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    blank = torch.zeros(500, 1, 28, 28, dtype=torch.uint8)
    grey = torch.full((500, 1, 28, 28), 128, dtype=torch.uint8)  # the classifier is sure of it, its feature norm is a digit's
    for images in (noise, blank, grey, 255 - test.images[:500]):
        metrics = evaluate_images(images, test, dataset=spec, n_real=1000, metrics="kid", cache_dir=tmp_path).metrics
        assert metrics["classes_covered"] >= 1 and metrics["legible_classes_covered"] == 0 and metrics["legible_fraction"] < 0.01
    real = evaluate_images(test.images[5000:6000], test, dataset=spec, n_real=1000, metrics="kid", cache_dir=tmp_path).metrics
    assert real["legible_classes_covered"] == real["classes_covered"] == 10 and real["legible_fraction"] > 0.9


def test_eval_shows_the_legible_figures_first_and_names_illegible_samples():
    result = EvaluationResult({"fid": 80.0, "modes": 935, "kl": 0.72, "num_modes": 1000, "legible_fraction": 0.07, "legible_modes": 315, "legible_kl": 1.4})
    rows = [cell for cell in metrics_table(result, "run").columns[0]._cells]
    assert rows[0].startswith("legible_fraction") and rows.index("modes (argmax, the papers' protocol)") > rows.index("legible_modes (modes of legible samples)")
    hint = reading_hint(result.metrics)
    assert "only 7% of the samples legible" in hint and "legible modes captured 315/1000" in hint
