"""ganzoo.api.train / configure / Run: the CLI's checks, raised as the library's errors."""

from __future__ import annotations


import pytest
import torch
from safetensors.torch import load_file
from typer.testing import CliRunner

from ganzoo import ConfigError, RunError, api
from ganzoo.cli import app


def _tiny(data_root):
    return dict(steps=4, batch_size=16, log_every=2, sample_every=2, checkpoint_every=2, data_root=str(data_root))


@pytest.fixture(scope="module")
def vanilla_run(tmp_path_factory, data_root):
    return api.train("vanilla", data="mnist", out=tmp_path_factory.mktemp("api") / "run", **_tiny(data_root))


def test_train_returns_a_run_with_its_directory_config_metrics_grids_and_checkpoint(vanilla_run):
    run = vanilla_run
    assert run.result.step == 4 and not run.result.interrupted
    assert run.config.recipe == "vanilla" and run.config.steps == 4
    assert [record["step"] for record in run.metrics] == [2, 4]
    assert [p.name for p in run.samples] == ["step-0000002.png", "step-0000004.png"]
    assert run.step == 4 and run.checkpoint.name == "step-0000004.safetensors"
    reopened = api.Run.open(run.dir)
    assert reopened.config == run.config and reopened.result is None and reopened.metrics == run.metrics


def test_the_api_and_the_cli_train_the_same_run(vanilla_run, tmp_path, data_root):
    out = tmp_path / "cli"
    flags = ["--steps", "4", "--batch-size", "16", "--log-every", "2", "--sample-every", "2", "--checkpoint-every", "2"]
    result = CliRunner().invoke(app, ["train", "vanilla", "--data", "mnist", "--out", str(out), *flags, "--data-root", str(data_root), "-q"])
    assert result.exit_code == 0, result.output
    ours = load_file(str(vanilla_run.checkpoint))
    theirs = load_file(str(out / "checkpoints" / "step-0000004.safetensors"))
    assert all(torch.equal(ours[k], theirs[k]) for k in ours if k.startswith("generator."))


def test_bad_input_raises_the_librarys_errors_before_training(tmp_path, data_root):
    with pytest.raises(ConfigError, match="Unknown recipe 'vanila'.*Did you mean 'vanilla'"):
        api.train("vanila", data="mnist", out=tmp_path / "a")
    with pytest.raises(ConfigError, match="gp_wieght"):
        api.train("wgan-gp", data="mnist", out=tmp_path / "b", part_options={"loss": {"gp_wieght": 5}})
    with pytest.raises(ConfigError, match="Unknown configuration keys: stpes"):
        api.configure("vanilla", data="mnist", stpes=5)
    with pytest.raises(ConfigError, match="--resume needs --out"):
        api.train("vanilla", data="mnist", resume=True)
    with pytest.raises(RunError, match="does not exist"):
        api.train("vanilla", data="mnist", out=tmp_path / "missing", resume=True)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_part_options_as_a_dict_or_as_the_clis_texts_give_the_same_configuration():
    as_dict = api.configure("wgan-gp", data="mnist", part_options={"loss": {"gp_weight": 5.0}})
    as_text = api.configure("wgan-gp", data="mnist", part_options=["loss.gp_weight=5.0"])
    assert as_dict == as_text and as_dict.loss_options["gp_weight"] == 5.0
    with pytest.raises(ConfigError, match="part_options is a dict"):
        api.configure("wgan-gp", data="mnist", part_options="loss.gp_weight=5")


def test_resuming_through_the_api_continues_the_run(tmp_path, data_root):
    out = tmp_path / "run"
    api.train("vanilla", data="mnist", out=out, **_tiny(data_root))
    resumed = api.train("vanilla", data="mnist", out=out, resume=True, steps=6, data_root=str(data_root))
    assert resumed.result.start_step == 4 and resumed.result.step == 6
    assert [record["step"] for record in resumed.metrics] == [2, 4, 6]
    with pytest.raises(ConfigError, match="cannot change when resuming"):
        api.configure("vanilla", data="mnist", resume_from=out, batch_size=32)
    assert resumed.config.steps == 6


def test_the_registry_is_listed_as_data():
    recipes = {row["name"]: row for row in api.list_entries("recipes")}
    assert {"vanilla", "dcgan", "wgan-gp", "cgan", "lsgan"} <= set(recipes)
    assert recipes["cgan"]["conditional"] is True and recipes["vanilla"]["plugin"] == "vanilla"
    assert all(row["kind"] == "recipe" for row in recipes.values())
    assert [row["name"] for row in api.list_entries("losses", "*gan*")] == ["lsgan", "ragan", "wgan-gp"]
    options = api.list_options("wgan-gp")
    gp = next(row for row in options if row["option"] == "gp_weight")
    assert gp["part"] == "loss" and gp["default"] == 10.0 and not gp["required"]
    assert {row["option"] for row in api.list_options("bce+r1")} >= {"gamma"}  # a combined loss lists its terms'
    with pytest.raises(ConfigError, match="Did you mean"):
        api.list_options("wgan-pg")


def test_a_run_loads_with_the_registry_it_was_trained_with(tmp_path, data_root):
    from ganzoo import hookimpl
    from ganzoo.discovery import build_registry

    class Mine:
        @hookimpl
        def ganzoo_register(self, registry):
            spec = registry.registry.get("generator", "mlp")  # the built-ins are registered first
            registry.add_generator("mine-mlp", spec.factory, description="vanilla's MLP under another name")

    registry = build_registry(extra_plugins=[("mine", Mine())])
    run = api.train("vanilla", data="mnist", generator="mine-mlp", out=tmp_path / "run", registry=registry, **_tiny(data_root))
    model = run.load()  # not in the process-wide registry: the run keeps the one it was trained with
    assert model.config.generator == "mine-mlp" and model.generate(2).shape == (2, 1, 28, 28)
    assert api.Run.open(run.dir, registry=registry).load().config.generator == "mine-mlp"
