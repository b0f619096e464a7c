"""Losses with context and state, declared needs and augmentations, inside real training runs."""

from __future__ import annotations

import json
import math

import pytest
import torch
from safetensors.torch import load_file
from typer.testing import CliRunner

from ganzoo import ConfigError, DataError
from ganzoo.cli import app
from ganzoo.discovery import build_registry, get_registry
from ganzoo.hookspecs import hookimpl
from ganzoo.train import Trainer, resolve_config
from ganzoo.train.checkpoint import load_checkpoint
from ganzoo.train.speed import TIMING_FIELDS


def _train(run_dir, registry=None, resume=False, **overrides):
    registry = registry or get_registry()
    config = resolve_config(registry, "mnist", "vanilla", **overrides)
    trainer = Trainer(config, run_dir, registry=registry, resume=resume, progress=False)
    trainer.fit()
    return trainer


def _records(run_dir):
    return [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]


def _same_weights(a_dir, b_dir, step):
    a = load_file(str(a_dir / "checkpoints" / f"step-{step:07d}.safetensors"))
    b = load_file(str(b_dir / "checkpoints" / f"step-{step:07d}.safetensors"))
    assert a.keys() == b.keys()
    return [k for k in a if not torch.equal(a[k], b[k])]


def _without_timing(records):
    return [{k: v for k, v in r.items() if k not in TIMING_FIELDS} for r in records]


def test_lazy_r1_resumed_between_two_firings_matches_a_straight_run(tmp_path, tiny):
    """interval 4: R1 fires at steps 0, 4 and 8; the split run stops after step 5 and resumes at 6."""
    options = dict(tiny, steps=10, log_every=1, loss="bce+r1", loss_options={"interval": 4, "gamma": 1.0})
    _train(tmp_path / "straight", **options)
    _train(tmp_path / "split", **{**options, "steps": 6})
    _train(tmp_path / "split", resume=True, **options)
    assert not _same_weights(tmp_path / "straight", tmp_path / "split", 10)
    straight = _records(tmp_path / "straight")
    assert _without_timing(straight) == _without_timing(_records(tmp_path / "split"))
    r1 = [r["r1"] for r in straight]  # the last measured penalty: changes exactly after each firing
    changed = [i for i in range(1, len(r1)) if r1[i] != r1[i - 1]]
    assert changed == [4, 8] and r1[0] > 0
    _, state, _ = load_checkpoint(tmp_path / "split")
    assert state["loss"]["r1"]["last"].item() == pytest.approx(r1[-1])


def test_ada_probability_and_augmentation_stream_survive_a_resume(tmp_path, tiny):
    """A fast ADA (p moves by 0.32 per update of 16 images) is active; resume mid-interval is exact."""
    options = dict(
        tiny, steps=8, log_every=1, augment="ada", augment_options={"interval": 2, "kimg": 0.05, "target": 0.01}
    )
    _train(tmp_path / "straight", **options)
    _train(tmp_path / "split", **{**options, "steps": 3})  # after an odd number of D updates: sums are pending
    _, state, _ = load_checkpoint(tmp_path / "split")
    assert state["augment"]["count"] == 16 and "augment" in state["rng"]
    _train(tmp_path / "split", resume=True, **options)
    assert not _same_weights(tmp_path / "straight", tmp_path / "split", 8)
    records = _records(tmp_path / "straight")
    assert _without_timing(records) == _without_timing(_records(tmp_path / "split"))
    assert any(r["ada_p"] > 0 for r in records), "p never left 0: the test would not exercise the augmentation"
    assert all(-1 <= r["ada_rt"] <= 1 for r in records)


class Recorder:
    """An augmentation that notes what it is applied to and marks its output (x + 0)."""

    def __init__(self):
        self.calls = []

    def __call__(self, images, generator):
        self.calls.append((len(images), images.requires_grad))
        return images + torch.zeros((), device=images.device)


RECORDER = Recorder()


class RecorderPlugin:
    @hookimpl
    def ganzoo_register(self, registry):
        registry.add_augmentation("recorder", lambda: RECORDER)


def test_augmentation_sees_real_and_fake_in_both_phases(tmp_path, tiny):
    RECORDER.calls.clear()
    registry = build_registry(extra_plugins=[("recorder", RecorderPlugin())])
    _train(tmp_path / "run", registry=registry, **{**tiny, "steps": 2, "augment": "recorder"})
    # per step: D phase real (no grad) and detached fake; G phase fake with gradients to G
    assert RECORDER.calls == [(16, False), (16, False), (16, True)] * 2


@pytest.mark.parametrize("recipe", sorted(n for n in get_registry().names("recipe") if get_registry().recipe(n).paper is None))  # presets: same parts
@pytest.mark.parametrize("augment, options", [("diffaugment", {}), ("ada", {"p": 0.5})])
def test_every_recipe_trains_with_each_augmentation(tmp_path, data_root, recipe, augment, options):
    config = resolve_config(
        get_registry(),
        "mnist",
        recipe,
        steps=2,
        batch_size=8,
        log_every=1,
        sample_every=10,
        checkpoint_every=10,
        augment=augment,
        augment_options=options,
        data_root=str(data_root),
        limit=64,
    )
    trainer = Trainer(config, tmp_path / "run", progress=False)
    assert trainer.fit().step == 2
    assert all(math.isfinite(v) for r in _records(tmp_path / "run") for k, v in r.items() if k.startswith("loss"))


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_ragan_with_r1_and_diffaugment_under_mixed_precision(tmp_path, tiny, precision):
    _train(
        tmp_path / "run",
        precision=precision,
        loss="ragan+r1",
        loss_options={"interval": 2},
        augment="diffaugment",
        **tiny,
    )
    records = _records(tmp_path / "run")
    assert all(math.isfinite(r["loss_d"]) and math.isfinite(r["loss_g"]) and math.isfinite(r["r1"]) for r in records)
    assert records[-1]["r1"] > 0


def test_declared_double_backward_keeps_the_discriminator_uncompiled(tmp_path, tiny):
    plain = Trainer(
        resolve_config(get_registry(), "mnist", "vanilla", compile=True, **tiny), tmp_path / "a", progress=False
    )
    plain.setup()
    assert plain.gan.D_train is not plain.gan.D and plain.gan.D_eval is not plain.gan.D  # compiled wrappers
    penalised = Trainer(
        resolve_config(get_registry(), "mnist", "vanilla", compile=True, loss="bce+r1", **tiny),
        tmp_path / "b",
        progress=False,
    )
    penalised.setup()
    assert penalised.gan.needs == {"double_backward"}
    assert penalised.gan.D_train is penalised.gan.D and penalised.gan.D_eval is penalised.gan.D
    assert penalised.gan.G_train is not penalised.gan.G


@pytest.mark.slow
def test_compile_trains_with_ragan_and_lazy_r1(tmp_path, tiny):
    trainer = _train(
        tmp_path / "run", compile=True, loss="ragan+r1", loss_options={"interval": 2}, **{**tiny, "steps": 3}
    )
    assert trainer.step == 3 and all(math.isfinite(r["r1"]) for r in _records(tmp_path / "run"))


def test_limit_trains_on_the_first_images_only(tmp_path, tiny):
    trainer = _train(tmp_path / "run", limit=32, **{**tiny, "steps": 1})
    assert len(trainer.gan.batcher.images) == 32
    with pytest.raises(ConfigError, match="--limit must be 0 .* or at least --batch-size"):
        resolve_config(get_registry(), "mnist", "vanilla", limit=8, batch_size=16)
    with pytest.raises(DataError, match="--limit 70000 asks for more images"):
        _train(tmp_path / "too-many", limit=70_000, **tiny)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--loss", "r1"], "is a regulariser: add it to a loss, e.g. --loss bce+r1"),
        (["--loss", "bce+ragan"], "is a loss, not a regulariser"),
        (["--augment", "diffaug"], "Unknown augmentation 'diffaug'. Did you mean 'diffaugment'"),
    ],
)
def test_bad_parts_are_refused_from_the_cli(tmp_path, args, message):
    result = CliRunner().invoke(
        app,
        ["train", "vanilla", "--data", "mnist", "--out", str(tmp_path / "run"), "--steps", "1", *args],
        terminal_width=250,
    )
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
