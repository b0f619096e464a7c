"""Mode counts on Stacked-MNIST: the MNIST classifier on each channel, modes captured and KL to uniform, legible and argmax."""

from __future__ import annotations

import math

import pytest
import torch

from ganzoo import api
from ganzoo.discovery import get_registry
from ganzoo.evaluate.classifier import load_classifier
from ganzoo.evaluate.coverage import LEGIBLE_THRESHOLD, TYPICAL_N, Legibility, Reading, reference_legibility
from ganzoo.evaluate.modes import channels_to_modes, mode_metrics, read_channels, read_modes


def test_mode_metrics_follow_the_papers_definitions():
    uniform = mode_metrics(torch.arange(26_000) % 1000, 1000)
    assert uniform == {"modes": 1000, "kl": pytest.approx(0.0, abs=1e-12), "num_modes": 1000}
    collapsed = mode_metrics(torch.full((26_000,), 7), 1000)
    assert collapsed["modes"] == 1 and collapsed["kl"] == pytest.approx(math.log(1000))
    half = mode_metrics(torch.arange(1000) % 500, 1000)
    assert half["modes"] == 500 and half["kl"] == pytest.approx(math.log(2))
    asked = mode_metrics(torch.tensor([1, 2, 3, 4]), 1000, requested=torch.tensor([1, 2, 0, 0]))
    assert asked["conditional_accuracy"] == 0.5


def test_the_classifier_reads_real_stacked_images(stacked):
    real = stacked
    modes = read_modes(load_classifier("ganzoo-mnist"), real.images[:2000])
    assert (modes == real.labels[:2000]).float().mean() > 0.97  # all three digits right


def test_evaluating_stacked_images_reports_modes_not_classes(stacked):
    real = stacked
    result = api.evaluate(real.images[:600], dataset="stacked-mnist", n=600, metrics="fid,is")
    metrics = result.metrics
    assert metrics["num_modes"] == 1000 and 300 < metrics["modes"] <= 600 and metrics["kl"] > 0
    assert metrics["legible_fraction"] > 0.9 and metrics["modes"] - 30 < metrics["legible_modes"] <= metrics["modes"]
    assert metrics["legible_threshold"] == LEGIBLE_THRESHOLD and metrics["legible_feature_norm_range"][0] < metrics["legible_feature_norm_range"][1]
    assert "classes_covered" not in metrics and "class_histogram" not in metrics
    assert result.protocol["feature_extractor"] == "ganzoo-mnist-per-channel" and result.protocol["n_real"] == 600
    # the same images as the reference; IS counts the 1000 modes, bounded by the 60 samples of each of its 10 splits
    assert metrics["fid"] < 5 and metrics["is"] > 30
    asked = api.evaluate(real.images[:600], dataset="stacked-mnist", labels=real.labels[:600], n=600, metrics="fid")
    assert asked.metrics["conditional_accuracy"] > 0.95 and "intra_fid" not in asked.metrics  # 1000 classes: no intra-FID


def test_legible_figures_count_only_the_legible_samples():
    modes = torch.tensor([1, 1, 2, 3, 4, 5])
    legible = torch.tensor([True, True, True, False, False, False])
    metrics = mode_metrics(modes, 1000, legible=legible)
    assert list(metrics)[:3] == ["legible_fraction", "legible_modes", "legible_kl"]  # the honest count first
    assert metrics["legible_fraction"] == 0.5 and metrics["legible_modes"] == 2 and metrics["modes"] == 5
    assert metrics["legible_kl"] == pytest.approx(mode_metrics(torch.tensor([1, 1, 2]), 1000)["kl"])
    none = mode_metrics(modes, 1000, requested=modes, legible=torch.zeros(6, dtype=torch.bool))
    assert none["legible_modes"] == 0 and math.isnan(none["legible_kl"]) and none["legible_conditional_accuracy"] == 0.0 and none["conditional_accuracy"] == 1.0


def test_a_sample_is_legible_only_when_every_channel_is():
    rule = Legibility(0.9, low=10.0, high=50.0)
    confidence = torch.tensor([[0.95, 0.99, 0.91], [0.95, 0.5, 0.99], [0.99, 0.99, 0.99], [0.99, 0.99, 0.99]])
    norm = torch.tensor([[20.0, 20.0, 20.0], [20.0, 20.0, 20.0], [20.0, 80.0, 20.0], [5.0, 20.0, 20.0]])
    assert rule(Reading(torch.zeros(4, 3, dtype=torch.long), confidence, norm)).tolist() == [True, False, False, False]


def test_the_reference_range_is_read_once_then_kept(tmp_path):
    calls = []

    def read(images):
        calls.append(len(images))
        return Reading(torch.zeros(len(images), dtype=torch.long), torch.ones(len(images)), images.float().flatten(1).mean(1))

    reference = torch.arange(3000, dtype=torch.uint8).view(-1, 1, 1, 1)  # norms 0..255 repeating
    first = reference_legibility(read, reference, tmp_path / "range.json")
    again = reference_legibility(read, reference, tmp_path / "range.json")
    assert calls == [TYPICAL_N] and first == again and first.low < 5 and first.high > 250


@pytest.fixture(scope="module")
def stacked(data_root):
    return get_registry().dataset("stacked-mnist").load(data_root, "test", False)


def test_noise_and_blank_triples_are_illegible_though_argmax_finds_them_a_mode(stacked):
    classifier = load_classifier("ganzoo-mnist")
    rule = Legibility.of_reference(read_channels(classifier, stacked.images[:TYPICAL_N]))
    noise = torch.randint(0, 256, (500, 3, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    grey = (torch.randn(500, 3, 28, 28, generator=torch.Generator().manual_seed(1)) * 40 + 64).clamp(0, 255).to(torch.uint8)
    blank = torch.zeros(50, 3, 28, 28, dtype=torch.uint8)
    for images in (noise, grey, blank):
        reading = read_channels(classifier, images)
        assert float(reading.confidence.min()) > 0.9  # softmax alone is sure of these: an 8 in the noise, a 1 in the blank
        metrics = mode_metrics(channels_to_modes(reading.classes), 1000, legible=rule(reading))
        assert metrics["modes"] >= 1 and metrics["legible_fraction"] < 0.01 and metrics["legible_modes"] <= 2


def test_uniform_grey_passes_confidence_and_norm_but_not_the_activity_check(stacked):
    """What an untrained or collapsed generator draws: the classifier is sure of it and its feature
    norm is a digit's; only the blocks' activity tells it from a digit."""
    classifier = load_classifier("ganzoo-mnist")
    rule = Legibility.of_reference(read_channels(classifier, stacked.images[:TYPICAL_N]))
    without_activity = Legibility(rule.threshold, rule.low, rule.high)
    grey = torch.cat([torch.full((100, 3, 28, 28), level, dtype=torch.uint8) for level in (32, 64, 96, 128, 160)])
    reading = read_channels(classifier, grey)
    assert float(without_activity(reading).double().mean()) == 1.0
    assert float(rule(reading).double().mean()) == 0.0
    inverted = read_channels(classifier, 255 - stacked.images[:500])
    assert float(rule(inverted).double().mean()) < 0.01 < float(without_activity(inverted).double().mean())
    held_out = rule(read_channels(classifier, stacked.images[TYPICAL_N : TYPICAL_N + 4000]))
    assert 0.88 < float(held_out.double().mean()) < 0.94  # the docs' calibration: 90.6 % of real triples


def test_the_activity_rule_is_kept_with_the_range(tmp_path):
    def read(images):
        x = images.float().flatten(1).mean(1)
        return Reading(torch.zeros(len(images), dtype=torch.long), torch.ones(len(images)), x, torch.stack([x, (x * 7) % 13], dim=1))

    reference = torch.arange(3000, dtype=torch.uint8).view(-1, 1, 1, 1)
    first = reference_legibility(read, reference, tmp_path / "rule.json")
    again = reference_legibility(lambda images: pytest.fail("the cached rule was not used"), reference, tmp_path / "rule.json")
    assert first.typical is not None and first == again and first.describe()["legible_activity_limit"] > 0
    far = Reading(torch.zeros(1, dtype=torch.long), torch.ones(1), torch.tensor([100.0]), torch.tensor([[100.0, 1000.0]]))
    assert not bool(first(far)[0]) and bool(Legibility(first.threshold, first.low, first.high)(far)[0])
