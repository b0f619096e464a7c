"""One declaration per training option: what derives from ganzoo.options.TrainingOptions."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

import pytest

from ganzoo.discovery import get_registry
from ganzoo.errors import CheckpointError, ConfigError
from ganzoo.options import TrainingOptions, add_options, identity_options, option, recipe_options, resumable_options, training_options
from ganzoo.protocols import Recipe
from ganzoo.train import Trainer, resolve_config
from ganzoo.train.config import TrainConfig, replace, run_identity

TINY = dict(steps=2, batch_size=8, log_every=1, sample_every=2, checkpoint_every=2, device="cpu")
CANDIDATES = (-1, "zzz", "", 3, 1.5, [9, 9], True)


def test_train_config_and_recipe_take_their_fields_from_the_declarations():
    declared = [f.name for f in fields(TrainingOptions)]
    assert [f.name for f in fields(TrainConfig)] == [
        "dataset",
        "generator",
        "discriminator",
        "loss",
        "recipe",
        "recipe_file",
        *declared,
    ]
    assert [f.name for f in fields(Recipe)] == [
        "name",
        "generator",
        "discriminator",
        "loss",
        "description",
        "reference",
        "by_resolution",
        "paper",
        *(o.name for o in recipe_options()),
    ]
    bare = Recipe(name="x", generator="g", discriminator="d", loss="l")
    for o in recipe_options():
        assert getattr(bare, o.name) == o.default
    assert (
        Recipe(name="x", generator="g", discriminator="d", loss="l").loss_options is not bare.loss_options
    )  # fresh dicts


def test_add_options_is_all_a_new_class_needs():
    @dataclass
    @add_options(recipe_only=True)
    class Holder:
        name: str = "h"

    holder = Holder()
    assert holder.latent_dim == 100 and holder.generator_options == {} and not hasattr(holder, "seed")


def test_what_may_change_on_resume_and_what_defines_a_run_derive_from_the_declarations():
    resumable = resumable_options()
    assert resumable == tuple(o.name for o in training_options() if o.spec.resumable)
    assert set(identity_options()) | set(resumable) == {o.name for o in training_options()}
    assert {"steps", "device", "log_every", "data_root", "eval_every"} <= set(resumable)
    assert {"lr_g", "batch_size", "seed", "loss_options", "precision"} <= set(identity_options())
    config = resolve_config(get_registry(), "mnist", "vanilla", **TINY)
    identity = run_identity(config)
    assert set(identity) == {"recipe", "dataset", "generator", "discriminator", "loss", *identity_options()}
    assert identity["betas"] == list(config.betas) and identity["generator_options"] == {"batchnorm": True}


@pytest.mark.parametrize("name", [o.name for o in training_options() if o.spec.check is not None])
def test_every_option_is_range_checked_with_its_flag_in_the_message(name):
    spec = next(o for o in training_options() if o.name == name)
    bad = next(v for v in CANDIDATES if not spec.spec.check.accepts(v))
    expected = re.escape(f"{spec.label} must be {spec.spec.check.requirement}; got {bad!r}.")
    with pytest.raises(ConfigError, match=f"^{expected}$"):
        resolve_config(get_registry(), "mnist", "vanilla", **{name: bad})


def test_a_checkpoint_refuses_a_config_that_changes_an_option_defining_the_run(tmp_path):
    registry = get_registry()
    config = resolve_config(registry, "mnist", "vanilla", **TINY)
    Trainer(config, tmp_path / "run", registry=registry, progress=False).fit()
    faster = replace(config, lr_g=1e-3, steps=3)
    with pytest.raises(CheckpointError, match=r"lr_g: checkpoint 0\.0002, now 0\.001"):
        Trainer(faster, tmp_path / "run", registry=registry, resume=True, progress=False).setup()
    longer = replace(config, steps=3, log_every=3)  # resumable changes are fine
    assert Trainer(longer, tmp_path / "run", registry=registry, resume=True, progress=False).fit().step == 3


def test_an_option_declared_without_a_help_text_is_refused():
    with pytest.raises(TypeError):
        option(1, group="x")  # help is required


def test_part_options_merge_over_the_recipes_and_name_only_parts():
    registry = get_registry()
    config = resolve_config(registry, "mnist", "lsgan", part_options={"loss": {"c": 0.5}})
    assert config.loss_options == {"a": 0.0, "b": 1.0, "c": 0.5}
    assert registry.recipe("lsgan").loss_options == {"a": 0.0, "b": 1.0, "c": 1.0}  # the registered recipe is untouched
    with pytest.raises(ConfigError, match="Part options are for generator, discriminator, loss, augment; got 'optimizer'"):
        resolve_config(registry, "mnist", "lsgan", part_options={"optimizer": {"lr": 1}})
