"""ganzoo.api.load and GanModel: drawing images from a run, classes, latents, interpolation, grids."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import load_file
from typer.testing import CliRunner

from ganzoo import ConfigError, GanModel, RunError, api
from ganzoo.cli import app

TINY = dict(steps=4, batch_size=16, log_every=2, sample_every=4, checkpoint_every=4)


@pytest.fixture(scope="module")
def runs(tmp_path_factory, data_root):
    base = tmp_path_factory.mktemp("models")
    options = {**TINY, "data_root": str(data_root)}
    return {
        "vanilla": api.train("vanilla", data="mnist", out=base / "vanilla", **options).dir,
        "cgan": api.train("cgan", data="mnist", out=base / "cgan", **options).dir,
    }


def test_a_run_loads_as_a_model_with_its_shape_classes_and_ema(runs):
    model = api.load(runs["vanilla"])
    assert isinstance(model, GanModel) and model.ema and model.step == 4 and not model.generator.training
    assert (model.latent_dim, model.num_classes, model.image_shape, model.dataset) == (100, 0, (1, 28, 28), "mnist")
    assert not api.load(runs["vanilla"], ema=False).ema
    assert api.load(runs["cgan"]).num_classes == 10


def test_generate_is_seeded_and_matches_ganzoo_sample(runs, tmp_path):
    model = api.load(runs["cgan"])
    images = model.generate(12, seed=5)
    assert images.dtype == torch.uint8 and images.shape == (12, 1, 28, 28)
    assert torch.equal(images, model.generate(12, seed=5)) and not torch.equal(images, model.generate(12, seed=6))
    assert torch.equal(images, model.generate(z=model.latents(12, seed=5)))
    out = tmp_path / "s.safetensors"
    result = CliRunner().invoke(app, ["sample", str(runs["cgan"]), "--n", "12", "--seed", "5", "--out", str(out)])
    assert result.exit_code == 0, result.output
    stored = load_file(str(out))
    assert torch.equal(stored["images"], images) and stored["labels"].tolist() == [i % 10 for i in range(12)]


def test_a_chosen_class_and_float_output(runs):
    model = api.load(runs["cgan"])
    z = model.latents(4, seed=0)
    sevens = model.generate(z=z, label=7, output="float")
    assert sevens.dtype == torch.float32 and sevens.min() >= -1 and sevens.max() <= 1
    assert torch.equal(model.generate(z=z, labels=[7, 7, 7, 7], output="float"), sevens)
    assert not torch.equal(model.generate(z=z, label=3, output="float"), sevens)  # the label reaches the network
    with pytest.raises(ConfigError, match="0 to 9; got 10"):
        model.generate(4, label=10)
    with pytest.raises(ConfigError, match="3 labels for 4 images"):
        model.generate(4, labels=[1, 2, 3])
    with pytest.raises(ConfigError, match="unconditional"):
        api.load(runs["vanilla"]).generate(4, label=1)


def test_interpolation_runs_from_one_latent_to_the_other(runs):
    model = api.load(runs["vanilla"])
    z = model.latents(2, seed=1)
    for spherical in (True, False):
        path = model.interpolate(z[0], z[1], steps=5, spherical=spherical, output="float")
        assert path.shape == (5, 1, 28, 28)
        ends = model.generate(z=z, output="float")
        assert torch.allclose(path[0], ends[0], atol=1e-5) and torch.allclose(path[-1], ends[1], atol=1e-5)
    with pytest.raises(ConfigError, match="at least 2"):
        model.interpolate(z[0], z[1], steps=1)


def test_a_grid_is_a_pil_image_with_one_row_per_class(runs):
    grid = api.load(runs["cgan"]).grid(40)
    assert grid.mode == "L" and grid.size == (4 * 30 + 2, 10 * 30 + 2)  # 10 rows of 4, 28 px tiles, 2 px padding
    assert api.load(runs["vanilla"]).grid(16).size == (4 * 30 + 2, 4 * 30 + 2)


def test_a_model_moves_between_devices_and_bad_counts_are_refused(runs):
    model = api.load(runs["vanilla"], device="cpu").to("cpu")
    assert model.device.type == "cpu"
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ConfigError, match="positive whole number"):
            model.generate(bad)
    with pytest.raises(ConfigError, match=r"shape \(N, 100\)"):
        model.generate(z=torch.zeros(2, 5))


def test_an_unknown_name_says_what_there_is(runs, tmp_path):
    with pytest.raises(RunError, match="Did you mean 'cgan-mnist'"):
        api.load("cgan-mnst")
    with pytest.raises(RunError, match="does not exist.*Runs nearby"):
        api.load(runs["vanilla"].parent / "vanila")
    (tmp_path / "empty").mkdir()
    with pytest.raises(RunError, match="not a ganzoo run directory"):
        api.load(tmp_path / "empty")
