"""The evaluator on real data: sanity of the metrics, coverage, protocol and caching, the CLI."""

from __future__ import annotations

import json

import pytest
import torch
from typer.testing import CliRunner

from ganzoo import ConfigError
from ganzoo.cli import app
from ganzoo.discovery import get_registry
from ganzoo.evaluate import evaluate_images, load_reference
from ganzoo.evaluate.classifier import weights_metadata
from ganzoo.evaluate.extractors import weights_file
from ganzoo.evaluate.metrics import cache_name

N = 1000


@pytest.fixture(scope="module")
def mnist(data_root):
    spec, test = load_reference(get_registry(), "mnist", "test", str(data_root))
    _, train = load_reference(get_registry(), "mnist", "train", str(data_root))
    return spec, test, train


def _evaluate(fake, mnist, tmp_path, **options):
    spec, test, _ = mnist
    return evaluate_images(fake, test, dataset=spec, n_real=N, cache_dir=tmp_path / "cache", **options)


def test_real_vs_real_is_small_and_real_vs_noise_is_large(mnist, tmp_path):
    _, _, train = mnist
    real = _evaluate(train.images[:N], mnist, tmp_path, metrics="fid,kid,is,prc")
    noise = _evaluate(torch.randint(0, 256, (N, 1, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(0)), mnist, tmp_path, metrics="fid,kid")
    assert real.metrics["fid"] * 50 < noise.metrics["fid"]
    assert real.metrics["kid"] < noise.metrics["kid"]
    assert real.metrics["is"] > 8  # real digits: confident and diverse predictions, near 10
    assert real.metrics["precision"] > 0.7 and real.metrics["recall"] > 0.7
    assert real.metrics["classes_covered"] == 10


def test_a_mode_collapsed_set_covers_one_class_and_scores_badly(mnist, tmp_path):
    _, _, train = mnist
    ones = train.images[train.labels == 1][:N]
    collapsed = _evaluate(ones, mnist, tmp_path, metrics="fid,is")
    real = _evaluate(train.images[:N], mnist, tmp_path, metrics="fid,is")
    assert collapsed.metrics["classes_covered"] == 1
    assert collapsed.metrics["class_histogram"][1] > 0.95 * N
    assert collapsed.metrics["fid"] > 10 * real.metrics["fid"]
    assert collapsed.metrics["is"] < 2


def test_conditional_accuracy_of_real_images_matches_the_classifier(mnist, tmp_path):
    _, test, _ = mnist
    result = _evaluate(test.images[:N], mnist, tmp_path, metrics="fid", requested_labels=test.labels[:N])
    accuracy = float(weights_metadata(weights_file("ganzoo-mnist"))["test_accuracy"])
    assert result.metrics["conditional_accuracy"] == pytest.approx(accuracy, abs=0.01)
    per_class = result.metrics["conditional_accuracy_per_class"]
    assert len(per_class) == 10 and min(per_class) == result.metrics["worst_class_accuracy"] > 0.9
    # threes requested as fives: class 5 is caught out, class 3 was never asked for, the others stay right
    wrong = _evaluate(test.images[:N], mnist, tmp_path, metrics="fid", requested_labels=torch.where(test.labels[:N] == 3, 5, test.labels[:N]))
    per_class = wrong.metrics["conditional_accuracy_per_class"]
    assert per_class[3] is None and per_class[5] < 0.6 < 0.9 < per_class[4]
    assert wrong.metrics["worst_class_accuracy"] == per_class[5]


def test_intra_fid_is_small_for_varied_classes_and_large_for_one_image_per_class(mnist, tmp_path):
    _, test, train = mnist
    labels = torch.arange(N) % 10
    varied = torch.stack([train.images[train.labels == k][i // 10] for i, k in enumerate(labels.tolist())])
    one_each = torch.stack([train.images[train.labels == k][0] for k in labels.tolist()])
    good = _evaluate(varied, mnist, tmp_path, metrics="fid", requested_labels=labels)
    copies = _evaluate(one_each, mnist, tmp_path, metrics="fid", requested_labels=labels)
    assert good.metrics["conditional_accuracy"] > 0.95 and copies.metrics["conditional_accuracy"] > 0.9
    assert len(good.metrics["intra_fid_per_class"]) == 10
    assert good.metrics["intra_fid"] == pytest.approx(sum(good.metrics["intra_fid_per_class"]) / 10)
    # right classes but no variety within a class: the conditional accuracy cannot tell, intra-FID can
    assert copies.metrics["intra_fid"] > 10 * good.metrics["intra_fid"]
    # wrong classes score worse per class than right ones
    shuffled = _evaluate(varied, mnist, tmp_path, metrics="fid", requested_labels=(labels + 1) % 10)
    assert shuffled.metrics["intra_fid"] > 5 * good.metrics["intra_fid"]


def test_unconditional_samples_have_no_intra_fid(mnist, tmp_path):
    _, _, train = mnist
    assert "intra_fid" not in _evaluate(train.images[:N], mnist, tmp_path, metrics="fid").metrics


def test_protocol_is_complete_and_names_the_cache(mnist, tmp_path):
    _, _, train = mnist
    result = _evaluate(train.images[:200], mnist, tmp_path, metrics="fid", seed=3, generator_kind="ema")
    protocol = result.protocol
    assert {k: protocol[k] for k in ("dataset", "reference_split", "n_real", "n_fake", "feature_extractor", "extractor_input_size", "generator", "seed")} == {
        "dataset": "mnist", "reference_split": "test", "n_real": N, "n_fake": 200, "feature_extractor": "ganzoo-mnist", "extractor_input_size": 28, "generator": "ema", "seed": 3,
    }  # fmt: skip
    assert len(protocol["feature_weights_sha256"]) == 64
    cached = list((tmp_path / "cache").glob(cache_name(protocol) + "*"))
    assert cached, "the reference statistics were not cached under the protocol's name"
    for change in ({"reference_split": "train"}, {"n_real": 500}, {"feature_extractor": "ganzoo-fashion-mnist"}, {"extractor_input_size": 32}, {"feature_weights_sha256": "0" * 64}):
        assert cache_name({**protocol, **change}) != cache_name(protocol)


def test_the_cache_is_used_the_second_time(mnist, tmp_path, monkeypatch):
    _, _, train = mnist
    _evaluate(train.images[:100], mnist, tmp_path, metrics="fid")
    from ganzoo.evaluate.classifier import DomainClassifier

    calls = []
    original = DomainClassifier.forward
    monkeypatch.setattr(DomainClassifier, "forward", lambda self, x: calls.append(len(x)) or original(self, x))
    _evaluate(train.images[:100], mnist, tmp_path, metrics="fid")
    assert sum(calls) == 100 + 100  # the generated images and their coverage pass; none of the 1000 reference images


def test_bad_metric_names_are_refused(mnist, tmp_path):
    with pytest.raises(ConfigError, match="--metrics takes"):
        _evaluate(mnist[2].images[:10], mnist, tmp_path, metrics="fid,sharpness")


def test_eval_cli_prints_metrics_with_protocol(tmp_path):
    run = tmp_path / "run"
    args = ["train", "cgan", "--data", "mnist", "--out", str(run), "--steps", "3", "--batch-size", "8", "-q"]
    assert CliRunner().invoke(app, args).exit_code == 0
    result = CliRunner().invoke(app, ["eval", str(run), "--n", "200", "--metrics", "fid,kid", "--json"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert {"fid", "kid", "classes_covered", "conditional_accuracy"} <= set(record["metrics"])
    assert record["protocol"]["step"] == 3 and record["protocol"]["n_fake"] == 200 and record["protocol"]["generator"] == "raw"
    assert json.loads((run / "evaluations.jsonl").read_text().splitlines()[-1]) == record
    table = CliRunner().invoke(app, ["eval", str(run), "--n", "100", "--metrics", "fid"], terminal_width=200)
    assert table.exit_code == 0 and "fid" in table.output and "feature_extractor" in table.output


def test_eval_every_logs_metrics_during_training(tmp_path):
    run = tmp_path / "run"
    args = ["train", "vanilla", "--data", "mnist", "--out", str(run), "--steps", "4", "--batch-size", "8", "--eval-every", "2", "--eval-n", "100", "-q"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    evaluations = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines() if "eval" in line]
    assert [e["step"] for e in evaluations] == [2, 4]
    assert all(e["eval"]["fid"] > 0 and e["eval_protocol"]["n_fake"] == 100 for e in evaluations)


def test_eval_of_a_run_without_checkpoint_is_refused(tmp_path):
    result = CliRunner().invoke(app, ["eval", str(tmp_path), "--n", "10"])
    assert result.exit_code == 2 and "not a ganzoo run directory" in result.output
