"""Part options from the command line (--set) and from recipe files, `ganzoo list --options`, and the
generated options table of docs/cli.md."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ganzoo.cli import app
from ganzoo.cli.options_doc import DOCS_PAGE, TABLE_END, TABLE_START, page_with_table, train_options_table
from ganzoo.discovery import get_registry
from ganzoo.options import training_options
from ganzoo.train.build import build_loss
from ganzoo.train.config import TrainConfig

runner = CliRunner()
TINY = ["--steps", "2", "--batch-size", "8", "--log-every", "1", "--sample-every", "2", "--checkpoint-every", "2", "-q"]
NARROW = ["--set", "generator.width=8", "--set", "discriminator.width=8"]


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def saved_config(run) -> TrainConfig:
    return TrainConfig.from_json_file(run / "config.json")


def test_set_changes_the_gradient_penalty_weight_of_wgan_gp(tmp_path):
    run = tmp_path / "run"
    result = invoke(
        "train",
        "wgan-gp",
        "--data",
        "mnist",
        "--out",
        run,
        "--set",
        "loss.gp_weight=5",
        "--set",
        "generator.width=8",
        "--set",
        "discriminator.hidden=[32, 16]",
        *TINY,
        "--d-steps",
        "1",
    )
    assert result.exit_code == 0, result.output
    recorded = json.loads((run / "config.json").read_text())["config"]
    assert recorded["loss_options"] == {"gp_weight": 5}
    assert recorded["generator_options"] == {"width": 8, "hidden": 512}  # merged over the recipe's options
    assert recorded["discriminator_options"] == {"hidden": [32, 16]}
    assert build_loss(get_registry(), saved_config(run)).gp_weight == 5
    default = invoke("train", "wgan-gp", "--data", "mnist", "--dry-run")
    assert (
        json.loads(default.output)["loss_options"] == {}
        and build_loss(get_registry(), TrainConfig.from_dict(json.loads(default.output))).gp_weight == 10.0
    )


def test_set_changes_the_width_of_a_generator():
    from ganzoo.train import resolve_config
    from ganzoo.train.build import Shapes, build_generator

    registry = get_registry()
    shapes = Shapes((1, 32, 32), 0, 100)

    def parameters(*sets):
        result = invoke("train", "dcgan", "--data", "mnist", "--dry-run", *sets)
        assert result.exit_code == 0, result.output
        config = TrainConfig.from_dict(json.loads(result.output))
        return sum(p.numel() for p in build_generator(registry, config, shapes).parameters()), config

    wide, _ = parameters()
    narrow, config = parameters("--set", "generator.width=8")
    assert config.generator_options == {"width": 8, "hidden": 512} and 0 < narrow < wide / 2  # the recipe's hidden stays
    again = resolve_config(registry, "mnist", "dcgan", part_options={"generator": {"width": 8}})
    assert again.generator_options == config.generator_options


@pytest.mark.parametrize(
    "setting, message",
    [
        (
            "loss.gp_wieght=5",
            "has no option 'gp_wieght'; loss 'wgan-gp' accepts: gp_weight=10.0. Did you mean 'gp_weight'?",
        ),
        ("generator.depth=3", "has no option 'depth'; generator 'infogan' accepts: width=64, hidden=1024"),
        ("loss.gp_weight=heavy", "loss.gp_weight takes a float like its default 10.0; got 'heavy'"),
        ("generator.width=1.5", "generator.width takes a int like its default 64; got 1.5"),
        ("optimizer.lr=1", "--set takes PART.OPTION=VALUE with PART one of generator, discriminator, loss"),
        ("loss.gp_weight", "--set takes PART.OPTION=VALUE"),
    ],
)
def test_bad_part_options_exit_2_with_the_accepted_list(setting, message):
    result = invoke("train", "wgan-gp", "--data", "mnist", "--dry-run", "--set", setting)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split()) and "Traceback" not in result.output


def test_set_values_are_toml_else_text():
    from ganzoo.train.part_options import parse_assignments

    parsed = parse_assignments(
        [
            "loss.a=5",
            "loss.b=0.5",
            "generator.hidden=[64, 32]",
            "generator.batchnorm=true",
            "discriminator.norm=layer",
            'discriminator.x="5"',
        ]
    )
    assert parsed == {
        "loss": {"a": 5, "b": 0.5},
        "generator": {"hidden": [64, 32], "batchnorm": True},
        "discriminator": {"norm": "layer", "x": "5"},
    }


def test_replacing_a_part_keeps_the_options_it_accepts_and_warns_about_the_rest():
    dropped = invoke("train", "lsgan", "--data", "mnist", "--loss", "hinge", "--dry-run")
    assert dropped.exit_code == 0, dropped.output
    assert "a=0.0, b=1.0, c=1.0 of recipe 'lsgan' do not apply to loss 'hinge'" in " ".join(dropped.output.split())
    config = json.loads(dropped.output[dropped.output.index("{") :])
    assert config["loss"] == "hinge" and config["loss_options"] == {}
    kept = invoke(
        "train",
        "wgan-gp",
        "--data",
        "mnist",
        "--discriminator",
        "dcgan",
        "--set",
        "discriminator.norm=layer",
        "--dry-run",
    )
    assert kept.exit_code == 0, kept.output
    assert json.loads(kept.output[kept.output.index("{") :])["discriminator_options"] == {"norm": "layer"}


def test_resume_with_different_part_options_is_refused(tmp_path):
    run = tmp_path / "run"
    assert (
        invoke("train", "vanilla", "--data", "mnist", "--out", run, "--set", "generator.hidden=[32]", *TINY).exit_code
        == 0
    )
    changed = invoke(
        "train", "--data", "mnist", "--out", run, "--resume", "--set", "generator.hidden=[16]", "--steps", "3"
    )
    assert changed.exit_code == 2
    text = " ".join(changed.output.split())
    assert "--set generator.* cannot change when resuming" in text and "'hidden': [32]" in text
    same = invoke(
        "train", "--data", "mnist", "--out", run, "--resume", "--set", "generator.hidden=[32]", "--steps", "3", "-q"
    )
    assert same.exit_code == 0, same.output and "finished at step 3" in same.output
    assert saved_config(run).generator_options == {"hidden": [32], "batchnorm": True}


RECIPE_FILE = """
description = "vanilla parts, least squares, narrow"
discriminator = "mlp"
lr_d = 1e-4
betas = [0.5, 0.99]
steps = 3

[loss]
name = "lsgan"
c = 0.5

[generator]
name = "mlp"
hidden = [32, 64]
"""


def test_a_toml_recipe_file_trains(tmp_path):
    recipe = tmp_path / "my-recipe.toml"
    recipe.write_text(RECIPE_FILE)
    run = tmp_path / "run"
    result = invoke("train", recipe, "--data", "mnist", "--out", run, "--batch-size", "8", "--log-every", "1", "-q")
    assert result.exit_code == 0, result.output
    assert "finished at step 3" in result.output
    config = saved_config(run)
    assert (config.generator, config.discriminator, config.loss) == ("mlp", "mlp", "lsgan")
    assert config.loss_options == {"c": 0.5} and config.generator_options == {"hidden": [32, 64]}
    assert (
        config.lr_d == 1e-4
        and config.lr_g == 2e-4
        and config.betas == (0.5, 0.99)
        and config.recipe_file == str(recipe)
    )
    assert len((run / "metrics.jsonl").read_text().splitlines()) == 3
    changed = invoke(
        "train", recipe, "--data", "mnist", "--out", run, "--resume", "--steps", "4", "--set", "loss.c=1.0", "-q"
    )
    assert changed.exit_code == 2 and "--set loss.* cannot change when resuming" in " ".join(changed.output.split())
    resumed = invoke("train", recipe, "--data", "mnist", "--out", run, "--resume", "--steps", "4", "-q")
    assert resumed.exit_code == 0, resumed.output and "finished at step 4" in resumed.output


def test_a_recipe_file_can_start_from_a_registered_recipe(tmp_path):
    recipe = tmp_path / "soft.toml"
    recipe.write_text('base = "wgan-gp"\nd_steps = 3\n[loss]\ngp_weight = 1\n[generator]\nwidth = 16\n')
    result = invoke("train", recipe, "--data", "mnist", "--dry-run", "--set", "generator.width=8")
    assert result.exit_code == 0, result.output
    config = json.loads(result.output)
    wgan_gp = get_registry().recipe("wgan-gp")
    assert (config["generator"], config["discriminator"], config["loss"]) == (
        wgan_gp.generator,
        wgan_gp.discriminator,
        wgan_gp.loss,
    )
    assert config["d_steps"] == 3 and config["lr_g"] == wgan_gp.lr_g and config["betas"] == list(wgan_gp.betas)
    assert config["loss_options"] == {"gp_weight": 1}
    assert config["generator_options"] == {"width": 8, "hidden": 512}  # --set wins over the file, the recipe's hidden stays


@pytest.mark.parametrize(
    "text, message",
    [
        (
            'generator = "mlp"\ndiscriminator = "mlp"\nloss = "bce"\nlearning_rate = 1\n',
            "unknown key(s) learning_rate; a recipe file takes base,",
        ),
        ('generator = "mlp"\ndiscriminator = "mlp"\nloss = "bce"\nseed = 1\n', "unknown key(s) seed"),
        (
            'generator = "mlp"\ndiscriminator = "mlp"\nloss = "bce"\nsteps = 0\n',
            "steps must be a positive whole number; got 0",
        ),
        (
            'generator = "mlp"\ndiscriminator = "mlp"\nloss = "bce"\nbetas = "fast"\n',
            "betas must be two numbers in [0, 1); got 'fast'",
        ),
        ('generator = "mlp"\ndiscriminator = "mlp"\n', "name the loss"),
        (
            'generator = "mlp"\ndiscriminator = "mlp"\n[loss]\nname = "lsgan"\nd = 1\n',
            "Loss 'lsgan' has no option 'd'; loss 'lsgan' accepts: a=0.0, b=1.0, c=1.0",
        ),
        ('base = "no-such-recipe"\n', "Unknown recipe 'no-such-recipe'"),
        ('generator = "mlp\n', "is not valid TOML"),
        ("generator = 3\n", "generator must be a name"),
    ],
)
def test_bad_recipe_files_exit_2_with_one_paragraph(tmp_path, text, message):
    recipe = tmp_path / "bad.toml"
    recipe.write_text(text)
    result = invoke("train", recipe, "--data", "mnist", "--dry-run")
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split()) and "Traceback" not in result.output


def test_set_and_recipe_files_reach_the_augmentation(tmp_path):
    result = invoke("train", "dcgan", "--data", "mnist", "--dry-run", "--augment", "ada", "--set", "augment.target=0.7")
    assert result.exit_code == 0, result.output
    config = json.loads(result.output)
    assert config["augment"] == "ada" and config["augment_options"] == {"target": 0.7}
    recipe = tmp_path / "augmented.toml"
    recipe.write_text('base = "dcgan"\n[augment]\nname = "diffaugment"\npolicy = "translation"\n')
    config = json.loads(invoke("train", recipe, "--data", "mnist", "--dry-run").output)
    assert config["augment"] == "diffaugment" and config["augment_options"] == {"policy": "translation"}
    listed = invoke("list", "--options", "ada")
    assert listed.exit_code == 0 and any("augment" in r and "target" in r and "0.6" in r for r in listed.output.splitlines())


@pytest.mark.parametrize(
    "args, message",
    [
        (["--set", "augment.p=0.5"], "Augmentation options (p=0.5) were given, but this run has no augmentation: add --augment NAME"),
        (["--augment", "ada", "--set", "augment.trget=0.7"], "Augment 'ada' has no option 'trget'; augment 'ada' accepts: target=0.6"),
    ],
)
def test_bad_augmentation_options_exit_2_with_one_paragraph(args, message):
    result = invoke("train", "dcgan", "--data", "mnist", "--dry-run", *args)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split()) and "Traceback" not in result.output


def test_list_options_of_a_part_and_of_a_recipe():
    loss = invoke("list", "losses", "--options", "wgan-gp")
    assert loss.exit_code == 0 and "gp_weight" in loss.output and "float" in loss.output and "10.0" in loss.output
    recipe = invoke("list", "--options", "lsgan")
    rows = [line for line in recipe.output.splitlines() if "│" in line]
    assert any("lsgan" in r and " c " in r and "1.0" in r for r in rows) and "recipe's value" in recipe.output
    assert any("infogan" in r and "width" in r and "64" in r for r in rows)
    mlp = invoke("list", "generators", "--options", "mlp")
    assert "tuple[int, ...]" in mlp.output and "(256, 512, 1024)" in mlp.output
    assert "takes no options" in invoke("list", "--options", "bce").output
    unknown = invoke("list", "--options", "wgan_gp")
    assert unknown.exit_code == 2 and "Did you mean wgan-gp?" in unknown.output


def test_train_help_lists_every_option_under_a_heading():
    result = runner.invoke(app, ["train", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for heading in (
        "Data and parts",
        "Model and optimisation",
        "Precision, device and speed",
        "Logging, checkpoints and evaluation",
        "Run",
    ):
        assert heading in result.output
    for option in training_options():
        if option.spec.cli:
            assert option.flag.split("/")[0] in result.output


def test_the_options_table_of_the_docs_is_generated_from_the_code():
    page = DOCS_PAGE.read_text()
    assert TABLE_START in page and TABLE_END in page
    assert (
        page_with_table(page, train_options_table()) == page
    ), "docs/cli.md is stale: run `python -m ganzoo.cli.options_doc`"
    for option in training_options():
        if option.spec.cli:
            assert f"`{option.flag.split('/')[0]}`" in page
