"""The trainer end to end on MNIST, a handful of steps at a time."""

from __future__ import annotations

import json
import math

import pytest
import torch
from PIL import Image
from safetensors.torch import load_file

from ganzoo import CheckpointError, ConfigError, RunError
from ganzoo.discovery import get_registry
from ganzoo.train import Trainer, resolve_config
from ganzoo.train.checkpoint import list_checkpoints, load_checkpoint


def _train(run_dir, resume=False, overwrite=False, **overrides):
    config = resolve_config(get_registry(), "mnist", "vanilla", **overrides)
    return Trainer(config, run_dir, resume=resume, overwrite=overwrite, progress=False).fit()


def test_a_tiny_run_writes_config_metrics_grid_and_checkpoint(tmp_path, tiny):
    result = _train(tmp_path / "run", **tiny)
    run = tmp_path / "run"
    assert result.step == 6 and not result.interrupted and result.images_per_s > 0
    config = json.loads((run / "config.json").read_text())
    assert config["config"]["generator"] == "mlp" and config["plugins"]["recipe"] == "vanilla"
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [2, 4, 6]
    assert all({"loss_d", "loss_g", "images_per_s"} <= set(r) for r in records)
    grids = sorted(p.name for p in (run / "samples").iterdir())
    assert grids == ["step-0000003.png", "step-0000006.png"]
    with Image.open(run / "samples" / grids[-1]) as grid:
        assert grid.mode == "L" and grid.size == (8 * 30 + 2, 8 * 30 + 2)  # 8x8 tiles of 28 px, 2 px padding
    assert [c.step for c in list_checkpoints(run)] == [3, 6]
    tensors = load_file(str(run / "checkpoints" / "step-0000006.safetensors"))
    assert any(k.startswith("generator.") for k in tensors) and any(k.startswith("opt_d.") for k in tensors)
    assert "rng.torch" in tensors


def test_resume_continues_and_matches_an_uninterrupted_run(tmp_path, tiny):
    _train(tmp_path / "straight", **tiny)
    _train(tmp_path / "split", **{**tiny, "steps": 3})
    result = _train(tmp_path / "split", resume=True, **tiny)
    assert result.start_step == 3 and result.step == 6
    a = load_file(str(tmp_path / "straight" / "checkpoints" / "step-0000006.safetensors"))
    b = load_file(str(tmp_path / "split" / "checkpoints" / "step-0000006.safetensors"))
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a), "resumed weights differ from the uninterrupted run"
    steps = [json.loads(line)["step"] for line in (tmp_path / "split" / "metrics.jsonl").read_text().splitlines()]
    assert steps == [2, 3, 4, 6]  # the short run logged its last step 3; nothing duplicated


def test_a_linear_schedule_decays_both_rates_to_zero_and_resumes_exactly(tmp_path, tiny):
    import shutil

    config = resolve_config(get_registry(), "mnist", "vanilla", lr_schedule="linear", lr_g=4e-4, lr_d=2e-4, **tiny)
    trainer = Trainer(config, tmp_path / "straight", progress=False)
    trainer.setup()
    rates = []
    step = trainer.gan.step
    trainer.gan.step = lambda: (rates.append((trainer.gan.opt_g.param_groups[0]["lr"], trainer.gan.opt_d.param_groups[0]["lr"])), step())[1]
    trainer.fit()
    expected = [rate for s in range(6) for rate in (4e-4 * (1 - s / 6), 2e-4 * (1 - s / 6))]  # step s trains at (1 - s/6)
    assert [rate for pair in rates for rate in pair] == pytest.approx(expected)
    shutil.copytree(tmp_path / "straight", tmp_path / "resumed")
    for newest in (tmp_path / "resumed" / "checkpoints").glob("step-0000006.*"):
        newest.unlink()
    result = Trainer(config, tmp_path / "resumed", resume=True, progress=False).fit()
    assert result.start_step == 3
    a = load_file(str(tmp_path / "straight" / "checkpoints" / "step-0000006.safetensors"))
    b = load_file(str(tmp_path / "resumed" / "checkpoints" / "step-0000006.safetensors"))
    assert all(torch.equal(a[k], b[k]) for k in a), "the resumed run's schedule differs from the uninterrupted run's"
    with pytest.raises(ConfigError, match="--lr-schedule must be one of constant, linear"):
        resolve_config(get_registry(), "mnist", "vanilla", lr_schedule="cosine")


def test_an_existing_run_is_not_clobbered(tmp_path, tiny):
    _train(tmp_path / "run", **tiny)
    before = (tmp_path / "run" / "checkpoints" / "step-0000006.safetensors").read_bytes()
    with pytest.raises(RunError, match="already holds a ganzoo run.*--resume.*--overwrite"):
        _train(tmp_path / "run", **tiny)
    assert (tmp_path / "run" / "checkpoints" / "step-0000006.safetensors").read_bytes() == before
    (tmp_path / "run" / "evaluations.jsonl").write_text('{"fid": 1.0}\n')  # what `ganzoo eval` of the old run wrote
    result = _train(tmp_path / "run", overwrite=True, **{**tiny, "steps": 3})
    assert result.step == 3 and [c.step for c in list_checkpoints(tmp_path / "run")] == [3]
    assert not (tmp_path / "run" / "evaluations.jsonl").exists()  # the old run's scores do not pass for the new one's


def test_corrupted_newest_checkpoint_falls_back_with_a_warning(tmp_path, tiny):
    _train(tmp_path / "run", **tiny)
    newest = tmp_path / "run" / "checkpoints" / "step-0000006.safetensors"
    newest.write_bytes(newest.read_bytes()[:-10])
    with pytest.warns(UserWarning, match="truncated or corrupted.*step 3"):
        step, state, _ = load_checkpoint(tmp_path / "run")
    assert step == 3 and "generator" in state


def test_resume_without_checkpoint_is_refused(tmp_path, tiny):
    with pytest.raises(CheckpointError, match="holds no checkpoint"):
        _train(tmp_path / "empty", resume=True, **tiny)


def test_keep_rotates_checkpoints(tmp_path, tiny):
    _train(tmp_path / "run", **{**tiny, "checkpoint_every": 1, "keep": 2})
    assert [c.step for c in list_checkpoints(tmp_path / "run")] == [5, 6]


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"steps": 0}, "--steps must be a positive"),
        ({"batch_size": 0}, "--batch-size must be a positive"),
        ({"lr_g": -1e-3}, "--lr-g must be between 0 and 1"),
        ({"betas": (0.5, 1.5)}, "--betas must be two numbers"),
        ({"precision": "fp8"}, "--precision must be one of"),
        ({"generator": "mpl"}, "Unknown generator 'mpl'. Did you mean 'mlp'"),
    ],
)
def test_bad_values_are_refused_before_training(overrides, message):
    with pytest.raises(ConfigError, match=message):
        resolve_config(get_registry(), "mnist", "vanilla", **overrides)


def test_three_parts_without_a_recipe(tmp_path, tiny):
    config = resolve_config(get_registry(), "mnist", None, generator="mlp", discriminator="mlp", loss="bce", **tiny)
    assert config.recipe is None and config.batch_size == 16
    with pytest.raises(ConfigError, match="missing: --loss"):
        resolve_config(get_registry(), "mnist", None, generator="mlp", discriminator="mlp")


def test_stop_request_writes_a_checkpoint(tmp_path, tiny):
    config = resolve_config(get_registry(), "mnist", "vanilla", **tiny)
    trainer = Trainer(config, tmp_path / "run", progress=False, callbacks=(lambda t, step: t.request_stop() if step == 2 else None,))
    result = trainer.fit()
    assert result.interrupted and result.step == 2
    assert [c.step for c in list_checkpoints(tmp_path / "run")] == [2]


def test_divergence_stops_with_the_step_and_last_checkpoint(tmp_path, tiny):
    config = resolve_config(get_registry(), "mnist", "vanilla", **tiny)

    def poison(trainer, step):
        if step == 4:
            with torch.no_grad():
                next(trainer.gan.G.parameters()).fill_(float("nan"))

    with pytest.raises(RunError, match=r"diverged at step 6: .*loss_g.*last checkpoint is step 3"):
        Trainer(config, tmp_path / "run", progress=False, callbacks=(poison,)).fit()
    assert [c.step for c in list_checkpoints(tmp_path / "run")] == [3]


def test_non_finite_weights_are_never_checkpointed(tmp_path, tiny):
    config = resolve_config(get_registry(), "mnist", "vanilla", **tiny)

    def poison(trainer, step):
        if step == 3:
            with torch.no_grad():
                next(trainer.gan.D.parameters()).fill_(float("inf"))

    with pytest.raises(RunError, match=r"diverged at step 3: discriminator weights.*no checkpoint was written yet"):
        Trainer(config, tmp_path / "run", progress=False, callbacks=(poison,)).fit()
    assert list_checkpoints(tmp_path / "run") == []


def test_rollback_reloads_the_last_checkpoint_with_halved_learning_rates(tmp_path, tiny):
    config = resolve_config(get_registry(), "mnist", "vanilla", on_nan="rollback", **tiny)
    poisoned = []

    def poison_once(trainer, step):
        if step == 4 and not poisoned:
            poisoned.append(step)
            with torch.no_grad():
                next(trainer.gan.G.parameters()).fill_(float("nan"))

    trainer = Trainer(config, tmp_path / "run", progress=False, callbacks=(poison_once,))
    result = trainer.fit()
    assert result.step == 6 and trainer.rollbacks == 1
    records = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    rollback = [r for r in records if r.get("event") == "rollback"]
    expected = {"step": 3, "event": "rollback", "diverged_at": 6, "rollback": 1, "lr_scale": 0.5}
    assert rollback == [{**expected, "lr_g": config.lr_g / 2, "lr_d": config.lr_d / 2}]
    _, state, meta = load_checkpoint(tmp_path / "run")
    assert state["opt_g"]["param_groups"][0]["lr"] == config.lr_g / 2
    assert meta["rollbacks"] == 1 and meta["lr_scale"] == 0.5
    assert all(torch.isfinite(v).all() for v in state["generator"].values())


def _poison_g_at_step_4(times):
    """A callback that makes G's weights NaN at step 4, the first ``times`` times step 4 is reached."""
    poisoned = []

    def poison(trainer, step):
        if step == 4 and len(poisoned) < times:
            poisoned.append(step)
            with torch.no_grad():
                next(trainer.gan.G.parameters()).fill_(float("nan"))

    return poison


def test_two_rollbacks_to_the_same_checkpoint_back_off_further_and_a_resume_keeps_the_count(tmp_path, tiny):
    config = resolve_config(get_registry(), "mnist", "vanilla", on_nan="rollback", **tiny)
    trainer = Trainer(config, tmp_path / "run", progress=False, callbacks=(_poison_g_at_step_4(2),))
    result = trainer.fit()
    assert result.step == 6 and trainer.rollbacks == 2 and trainer.lr_scale == 0.25
    records = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    rollbacks = [r for r in records if r.get("event") == "rollback"]
    # Both diverged after the checkpoint of step 3 and went back to it; the second must not replay 0.5x.
    assert [(r["step"], r["rollback"], r["lr_scale"]) for r in rollbacks] == [(3, 1, 0.5), (3, 2, 0.25)]
    assert rollbacks[1]["lr_g"] == pytest.approx(config.lr_g / 4) and rollbacks[1]["lr_d"] == pytest.approx(config.lr_d / 4)
    _, state, meta = load_checkpoint(tmp_path / "run")
    assert state["opt_g"]["param_groups"][0]["lr"] == pytest.approx(config.lr_g / 4)
    assert state["opt_d"]["param_groups"][0]["lr"] == pytest.approx(config.lr_d / 4)
    assert meta["rollbacks"] == 2 and meta["lr_scale"] == 0.25

    # Resumed for 3 more steps, the run keeps its count: the next divergence is roll-back 3, at 1/8.
    more = resolve_config(get_registry(), "mnist", "vanilla", on_nan="rollback", **{**tiny, "steps": 9})
    poison_at_7 = []

    def poison(trainer, step):
        if step == 7 and not poison_at_7:
            poison_at_7.append(step)
            with torch.no_grad():
                next(trainer.gan.D.parameters()).fill_(float("nan"))

    resumed = Trainer(more, tmp_path / "run", resume=True, progress=False, callbacks=(poison,))
    resumed.setup()
    assert resumed.rollbacks == 2 and resumed.lr_scale == 0.25
    assert resumed.fit().step == 9 and resumed.rollbacks == 3
    last = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines() if '"rollback"' in line][-1]
    assert (last["step"], last["rollback"], last["lr_scale"]) == (6, 3, 0.125)
    assert last["lr_g"] == pytest.approx(config.lr_g / 8)


def test_rollbacks_stop_at_the_limit(tmp_path, tiny):
    from ganzoo.train.trainer import MAX_ROLLBACKS

    config = resolve_config(get_registry(), "mnist", "vanilla", on_nan="rollback", **tiny)
    trainer = Trainer(config, tmp_path / "run", progress=False, callbacks=(_poison_g_at_step_4(MAX_ROLLBACKS + 1),))
    with pytest.raises(RunError, match="diverged at step 6"):
        trainer.fit()
    assert trainer.rollbacks == MAX_ROLLBACKS and trainer.lr_scale == 0.5**MAX_ROLLBACKS


def test_profile_times_every_section(tmp_path, tiny):
    _train(tmp_path / "run", profile=True, **tiny)
    profile = json.loads((tmp_path / "run" / "profile.json").read_text())
    assert profile["steps"] == 6
    sections = profile["sections"]
    assert {"data", "g_forward", "d_forward_loss", "d_backward", "d_optimizer", "g_loss", "g_backward", "g_optimizer"} <= set(sections)
    assert abs(sum(row["share"] for row in sections.values()) - 1) < 1e-6
    assert all(row["ms_per_step"] > 0 for row in sections.values())


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_mixed_precision_trains_with_finite_losses(tmp_path, tiny, precision):
    _train(tmp_path / "run", precision=precision, **tiny)
    records = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert all(math.isfinite(r["loss_d"]) and math.isfinite(r["loss_g"]) for r in records)
    _, state, _ = load_checkpoint(tmp_path / "run")
    if precision == "fp16":  # one gradient scaler per optimiser, saved with the checkpoint
        assert set(state["precision"]) == {"d", "g"} and state["precision"]["g"]["scale"] > 0
    else:
        assert state["precision"] == {}


@pytest.mark.slow
def test_compile_and_channels_last_train(tmp_path, tiny):
    result = _train(tmp_path / "run", compile=True, channels_last=True, **{**tiny, "steps": 3})
    assert result.step == 3
    tensors = load_file(str(tmp_path / "run" / "checkpoints" / "step-0000003.safetensors"))
    assert not any("_orig_mod" in k for k in tensors)  # checkpoints hold the bare modules' names


def test_ema_is_checkpointed_and_used_for_sampling(tmp_path, tiny):
    from ganzoo.loading import load_run

    _train(tmp_path / "run", ema_decay=0.9, **tiny)
    _, state, _ = load_checkpoint(tmp_path / "run")
    assert set(state["generator_ema"]) == set(state["generator"])
    name = next(k for k in state["generator"] if k.endswith("weight"))
    assert not torch.equal(state["generator_ema"][name], state["generator"][name])  # an average, not a copy
    loaded = load_run(tmp_path / "run", get_registry())
    G, is_ema = loaded.generator, loaded.ema
    assert is_ema and torch.equal(G.state_dict()[name], state["generator_ema"][name])
    loaded = load_run(tmp_path / "run", get_registry(), use_ema=False)
    G, is_ema = loaded.generator, loaded.ema
    assert not is_ema and torch.equal(G.state_dict()[name], state["generator"][name])


def test_resume_into_another_model_is_refused(tmp_path, tiny):
    _train(tmp_path / "run", **tiny)
    other = resolve_config(get_registry(), "mnist", "vanilla", latent_dim=64, **tiny)
    with pytest.raises(CheckpointError, match=r"made for another model \(latent_dim: checkpoint 100, now 64\)"):
        Trainer(other, tmp_path / "run", resume=True, progress=False).fit()
