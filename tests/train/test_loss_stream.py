"""ctx.rng, the loss's own random stream: seeded from --seed, checkpointed, so a stochastic regulariser resumes exactly."""

from __future__ import annotations

import torch
from safetensors.torch import load_file

from ganzoo.discovery import build_registry
from ganzoo.hookspecs import hookimpl
from ganzoo.train import Trainer, resolve_config


class RandomShiftConsistency:
    """A bCR-like regulariser: D should score randomly shifted reals as it scores the reals; shifts from ctx.rng."""

    def discriminator_loss(self, ctx):
        shifts = torch.randint(-3, 4, (2,), generator=ctx.rng, device=ctx.real.device)
        shifted = torch.roll(ctx.real, shifts=(int(shifts[0]), int(shifts[1])), dims=(2, 3))
        stats = {"shift_x": shifts[0].float(), "shift_y": shifts[1].float()}
        return 0.1 * (ctx.D(shifted) - ctx.D(ctx.real)).pow(2).mean(), stats

    def generator_loss(self, ctx):
        return ctx.fake.sum() * 0, {}


class Plugin:
    @hookimpl
    def ganzoo_register(self, registry):
        registry.add_loss("shift-consistency", RandomShiftConsistency, regularizer=True)


def _train(registry, run_dir, tiny, steps, seed=0, resume=False):
    options = {**tiny, "steps": steps, "log_every": 1, "checkpoint_every": 3, "sample_every": 100, "seed": seed}
    config = resolve_config(registry, "mnist", "vanilla", loss="bce+shift-consistency", **options)
    trainer = Trainer(config, run_dir, registry=registry, resume=resume, progress=False)
    trainer.fit()
    return trainer


def _shifts(trainer):
    return [(r["shift_x"], r["shift_y"]) for r in trainer.records.read()]


def test_a_stochastic_regulariser_on_ctx_rng_resumes_bit_identically_and_follows_the_seed(tmp_path, tiny):
    registry = build_registry(extra_plugins=[("shift", Plugin())])
    straight = _train(registry, tmp_path / "straight", tiny, steps=6)
    _train(registry, tmp_path / "resumed", tiny, steps=3)
    resumed = _train(registry, tmp_path / "resumed", tiny, steps=6, resume=True)
    assert _shifts(resumed) == _shifts(straight)
    a = load_file(str(tmp_path / "straight" / "checkpoints" / "step-0000006.safetensors"))
    b = load_file(str(tmp_path / "resumed" / "checkpoints" / "step-0000006.safetensors"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a), "resumed weights or states differ"
    assert "rng.loss" in a  # the stream is checkpointed with the other random streams
    other_seed = _train(registry, tmp_path / "seed1", tiny, steps=6, seed=1)
    assert _shifts(other_seed) != _shifts(straight)
