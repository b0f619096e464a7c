"""Mode counts on Stacked-MNIST: the MNIST classifier on each channel, modes captured and KL to uniform."""

from __future__ import annotations

import math

import pytest
import torch

from ganzoo import api
from ganzoo.discovery import get_registry
from ganzoo.evaluate.classifier import load_classifier
from ganzoo.evaluate.modes import mode_metrics, read_modes


def test_mode_metrics_follow_the_papers_definitions():
    uniform = mode_metrics(torch.arange(26_000) % 1000, 1000)
    assert uniform == {"modes": 1000, "kl": pytest.approx(0.0, abs=1e-12), "num_modes": 1000}
    collapsed = mode_metrics(torch.full((26_000,), 7), 1000)
    assert collapsed["modes"] == 1 and collapsed["kl"] == pytest.approx(math.log(1000))
    half = mode_metrics(torch.arange(1000) % 500, 1000)
    assert half["modes"] == 500 and half["kl"] == pytest.approx(math.log(2))
    asked = mode_metrics(torch.tensor([1, 2, 3, 4]), 1000, requested=torch.tensor([1, 2, 0, 0]))
    assert asked["conditional_accuracy"] == 0.5


def test_the_classifier_reads_real_stacked_images(data_root):
    real = get_registry().dataset("stacked-mnist").load(data_root, "test", False)
    modes = read_modes(load_classifier("ganzoo-mnist"), real.images[:2000])
    assert (modes == real.labels[:2000]).float().mean() > 0.97  # all three digits right


def test_evaluating_stacked_images_reports_modes_not_classes(data_root):
    real = get_registry().dataset("stacked-mnist").load(data_root, "test", False)
    result = api.evaluate(real.images[:600], dataset="stacked-mnist", n=600, metrics="fid,is")
    metrics = result.metrics
    assert metrics["num_modes"] == 1000 and 300 < metrics["modes"] <= 600 and metrics["kl"] > 0
    assert "classes_covered" not in metrics and "class_histogram" not in metrics
    assert result.protocol["feature_extractor"] == "ganzoo-mnist-per-channel" and result.protocol["n_real"] == 600
    # the same images as the reference; IS counts the 1000 modes, bounded by the 60 samples of each of its 10 splits
    assert metrics["fid"] < 5 and metrics["is"] > 30
    asked = api.evaluate(real.images[:600], dataset="stacked-mnist", labels=real.labels[:600], n=600, metrics="fid")
    assert asked.metrics["conditional_accuracy"] > 0.95 and "intra_fid" not in asked.metrics  # 1000 classes: no intra-FID
