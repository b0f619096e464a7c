"""``ganzoo plot``: loss curves and FID/coverage over steps of several runs, in one PNG."""

from __future__ import annotations

from importlib.util import find_spec

import pytest
from PIL import Image
from typer.testing import CliRunner

from ganzoo import api
from ganzoo.api import plotting
from ganzoo.cli import app

draws = pytest.mark.skipif(find_spec("matplotlib") is None, reason="pip install 'ganzoo[plot]' to run it")


def test_curves_are_the_losses_and_the_evaluations_over_steps():
    records = [
        {"step": 2, "loss_d": 1.0, "loss_g": 2.0, "images_per_s": 10.0},
        {"step": 3, "eval": {"fid": 90.0, "classes_covered": 7, "class_histogram": [1]}, "eval_protocol": {"n_fake": 9}},
        {"step": 3, "event": "rollback", "lr_g": 1e-4},
        {"step": 4, "loss_d": 0.5, "loss_g": 2.5},
    ]
    assert plotting.curves(records) == {
        "loss_d": [(2, 1.0), (4, 0.5)], "loss_g": [(2, 2.0), (4, 2.5)], "eval/fid": [(3, 90.0)], "eval/classes_covered": [(3, 7.0)],
    }  # fmt: skip


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory, data_root):
    base = tmp_path_factory.mktemp("plot")
    options = dict(steps=6, batch_size=16, log_every=1, sample_every=6, checkpoint_every=6, eval_every=3, eval_n=100, eval_metrics="fid",
                   data_root=str(data_root))  # fmt: skip
    return [api.train(recipe, data="mnist", out=base / f"{recipe}-mnist", **options).dir for recipe in ("vanilla", "lsgan")]


@draws
def test_plot_draws_two_runs_losses_and_fid_in_one_png(two_runs, tmp_path):
    out = tmp_path / "compare.png"
    result = CliRunner().invoke(app, ["plot", *map(str, two_runs), "--out", str(out), "--title", "vanilla vs lsgan"])
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.output.replace("\n", "")
    with Image.open(out) as image:
        size = image.size
        colors = len(image.convert("RGB").getcolors(maxcolors=1 << 20) or [])
    assert size == (1200, 840)  # losses, FID and classes covered: two panels a row
    assert colors > 20  # drawn, not blank


@draws
def test_plot_without_evaluations_draws_the_losses_alone(tiny, tmp_path):
    run = api.train("vanilla", data="mnist", out=tmp_path / "run", **tiny).dir
    path = api.plot_runs([run], tmp_path / "one.png")
    with Image.open(path) as image:
        assert image.size == (600, 420)  # the losses alone


def test_plot_refuses_a_missing_run_and_a_missing_matplotlib(tmp_path, monkeypatch, two_runs):
    result = CliRunner().invoke(app, ["plot", str(tmp_path / "nothing")])
    assert result.exit_code == 2 and "does not exist" in result.output
    monkeypatch.setattr(plotting, "find_spec", lambda name: None)
    result = CliRunner().invoke(app, ["plot", str(two_runs[0])])
    assert result.exit_code == 2 and "pip install 'ganzoo[plot]'" in result.output.replace("\n", " ")
