"""Every loss on hand-computed cases (values and gradient directions), the gradient penalty, RaGAN and lazy R1."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from ganzoo.discovery import get_registry
from ganzoo.testing import phase_context
from ganzoo_families.losses import gradient_penalty


class FixedScores(nn.Module):
    """A 'discriminator' whose score is the first pixel of each image: scores are set by hand."""

    def forward(self, x, labels=None):
        return x.flatten(1)[:, 0]


def images(*scores):
    return torch.tensor(scores, dtype=torch.float32).view(-1, 1, 1, 1).requires_grad_(True)


def loss(name, **options):
    return get_registry().loss(name).factory(**options)


def ctx(D, real=None, fake=None, step=0, phase="discriminator", **extra):
    """A phase context around hand-made batches (the real batch defaults to one image scored 0), built by the training step."""
    real = images(0.0) if real is None else real
    return phase_context(phase, D, real, fake, step, **extra)


def d_loss(name, D, real, fake, **options):
    return loss(name, **options).discriminator_loss(ctx(D, real, fake))


def g_loss(name, D, fake, real=None, **options):
    return loss(name, **options).generator_loss(ctx(D, real, fake, phase="generator"))


def softplus(x):
    return math.log1p(math.exp(x))


# scores: real = [2, 0], fake = [-1, 1]
REAL, FAKE = (2.0, 0.0), (-1.0, 1.0)
EXPECTED_D = {
    "bce": (softplus(-2) + softplus(0)) / 2 + (softplus(-1) + softplus(1)) / 2,
    "minimax": (softplus(-2) + softplus(0)) / 2 + (softplus(-1) + softplus(1)) / 2,
    "lsgan": 0.5 * ((2 - 1) ** 2 + (0 - 1) ** 2) / 2 + 0.5 * ((-1) ** 2 + 1**2) / 2,
    "hinge": (max(0, 1 - 2) + max(0, 1 - 0)) / 2 + (max(0, 1 - 1) + max(0, 1 + 1)) / 2,
    # mean real score 1, mean fake score 0: E softplus(-(r - 0)) + E softplus(f - 1)
    "ragan": (softplus(-2) + softplus(0)) / 2 + (softplus(-1 - 1) + softplus(1 - 1)) / 2,
}
EXPECTED_G = {
    "bce": (softplus(1) + softplus(-1)) / 2,
    "minimax": -(softplus(-1) + softplus(1)) / 2,
    "lsgan": 0.5 * ((-1 - 1) ** 2 + (1 - 1) ** 2) / 2,
    "hinge": -(-1 + 1) / 2,
    "wgan-gp": -(-1 + 1) / 2,
}


@pytest.mark.parametrize("name", sorted(EXPECTED_D))
def test_discriminator_loss_values(name):
    value, stats = d_loss(name, FixedScores(), images(*REAL), images(*FAKE))
    assert value.item() == pytest.approx(EXPECTED_D[name], rel=1e-6)
    assert stats["d_real"].item() == pytest.approx(1.0) and stats["d_fake"].item() == pytest.approx(0.0)


@pytest.mark.parametrize("name", sorted(EXPECTED_G))
def test_generator_loss_values(name):
    value, _ = g_loss(name, FixedScores(), images(*FAKE))
    assert value.item() == pytest.approx(EXPECTED_G[name], rel=1e-6, abs=1e-7)


@pytest.mark.parametrize("name", ["bce", "minimax", "lsgan", "hinge", "wgan-gp", "ragan"])
def test_gradient_directions(name):
    """D's loss falls when real scores rise and fake scores fall; G's loss falls when fake scores rise."""
    real, fake = images(-0.5, 0.3), images(0.2, 0.4)  # inside every loss's active region (LSGAN: fakes above a=0, reals below b=1)
    value, _ = d_loss(name, FixedScores(), real, fake)
    value.backward()
    assert (real.grad.flatten() < 0).all(), f"{name}: raising real scores should lower D's loss"
    assert (fake.grad.flatten() > 0).all(), f"{name}: lowering fake scores should lower D's loss"
    fake = images(0.2, 0.4)
    value, _ = g_loss(name, FixedScores(), fake)
    value.backward()
    assert (fake.grad.flatten() < 0).all(), f"{name}: raising fake scores should lower G's loss"


def test_minimax_saturates_where_non_saturating_does_not():
    """With D confidently rejecting fakes (score -8), the minimax G gradient nearly vanishes."""
    grads = {}
    for name in ("minimax", "bce"):
        fake = images(-8.0)
        g_loss(name, FixedScores(), fake)[0].backward()
        grads[name] = fake.grad.abs().item()
    assert grads["minimax"] < 1e-3 < 0.9 < grads["bce"]


def test_lsgan_uses_its_coding():
    value, _ = d_loss("lsgan", FixedScores(), images(1.0), images(-1.0), a=-1.0, b=1.0, c=0.0)
    assert value.item() == pytest.approx(0.0)
    value, _ = g_loss("lsgan", FixedScores(), images(0.0), a=-1.0, b=1.0, c=0.0)
    assert value.item() == pytest.approx(0.0)


class LinearCritic(nn.Module):
    def __init__(self, weight):
        super().__init__()
        self.weight = nn.Parameter(weight.flatten().clone())

    def forward(self, x, labels=None):
        return x.flatten(1) @ self.weight


def test_penalty_is_zero_for_a_unit_norm_linear_critic():
    torch.manual_seed(0)
    weight = torch.randn(3 * 4 * 4)
    critic = LinearCritic(weight / weight.norm())
    real, fake = torch.randn(8, 3, 4, 4), torch.randn(8, 3, 4, 4)
    assert gradient_penalty(critic, real, fake, None).item() == pytest.approx(0.0, abs=1e-10)


def test_penalty_uses_the_norm_over_all_non_batch_dimensions():
    """A linear critic with weight norm 3 has gradient norm 3 everywhere: penalty (3 - 1)^2 = 4.
    A norm over one dimension only would give a different value for this 3x4x4 weight."""
    torch.manual_seed(1)
    weight = torch.randn(3, 4, 4)
    critic = LinearCritic(3 * weight / weight.norm())
    assert gradient_penalty(critic, torch.randn(5, 3, 4, 4), torch.randn(5, 3, 4, 4), None).item() == pytest.approx(4.0, rel=1e-5)


def test_interpolation_weight_is_one_per_sample(monkeypatch):
    """Record the interpolates: each must lie on the segment between its real and fake image
    with a single coefficient for all of its pixels."""
    seen = {}

    class Recorder(nn.Module):
        def forward(self, x, labels=None):
            seen["mixed"] = x.detach().clone()
            return x.flatten(1).sum(1)

    real, fake = torch.randn(6, 2, 3, 3), torch.randn(6, 2, 3, 3)
    gradient_penalty(Recorder(), real, fake, None)
    coefficient = (seen["mixed"] - fake) / (real - fake)  # alpha per pixel
    per_sample = coefficient.flatten(1)
    assert torch.allclose(per_sample, per_sample[:, :1].expand_as(per_sample), atol=1e-4)
    assert per_sample[:, 0].unique().numel() == 6  # drawn independently for each sample
    assert ((per_sample >= 0) & (per_sample <= 1)).all()


def test_penalty_is_computed_in_fp32_under_autocast():
    critic = LinearCritic(torch.ones(16) / 4)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        value = gradient_penalty(critic, torch.randn(4, 1, 4, 4), torch.randn(4, 1, 4, 4), None)
    assert value.dtype == torch.float32 and value.item() == pytest.approx(0.0, abs=1e-10)


def test_wgan_gp_discriminator_loss_adds_the_weighted_penalty():
    critic = LinearCritic(2 * torch.ones(4) / 2)  # weight norm 2 -> penalty 1
    real, fake = torch.ones(3, 1, 2, 2), torch.zeros(3, 1, 2, 2)
    value, stats = d_loss("wgan-gp", critic, real, fake, gp_weight=10.0)
    assert stats["gp"].item() == pytest.approx(1.0, rel=1e-5)
    assert stats["wasserstein"].item() == pytest.approx(4.0)  # D(real)=4, D(fake)=0
    assert value.item() == pytest.approx(-4.0 + 10.0, rel=1e-5)


def test_ragan_generator_phase_uses_the_real_batch():
    """G minimises E softplus(-(f - mean r)) + E softplus(r - mean f); real [2, 0], fake [-1, 1]."""
    value, _ = g_loss("ragan", FixedScores(), images(*FAKE), real=images(*REAL))
    assert value.item() == pytest.approx((softplus(2) + softplus(0)) / 2 + (softplus(2) + softplus(0)) / 2, rel=1e-6)
    other, _ = g_loss("ragan", FixedScores(), images(*FAKE), real=images(5.0, 3.0))
    assert other.item() != pytest.approx(value.item())  # the real batch matters in the generator phase


class Counting(LinearCritic):
    calls = 0

    def forward(self, x, labels=None):
        self.calls += 1
        return super().forward(x, labels)


def test_lazy_r1_fires_every_interval_with_the_interval_scaled_weight():
    """A linear critic has ∇D(x) = w everywhere, so E||∇D||² = ||w||² = 9 here; γ = 2, interval 4:
    the term is 4 · 2/2 · 9 = 36 at d_step 0 and 4, and 0 (without calling D) in between."""
    critic = Counting(torch.tensor([3.0, 0.0, 0.0, 0.0]))
    r1 = loss("r1", gamma=2.0, interval=4)
    real = torch.randn(5, 1, 2, 2)
    values = []
    for step in range(6):
        before = critic.calls
        value, stats = r1.discriminator_loss(ctx(critic, real, real, step=step))
        values.append(value.item())
        assert (critic.calls > before) == (step % 4 == 0)
        assert stats["r1"].item() == pytest.approx(9.0)  # the last measured penalty, logged at every step
    assert values == pytest.approx([36.0, 0, 0, 0, 36.0, 0])
    assert r1.state_dict()["last"].item() == pytest.approx(9.0)
    value, stats = r1.generator_loss(ctx(critic, real, real, phase="generator"))
    assert value.item() == 0 and stats == {}


def test_r1_penalises_the_gradient_through_the_augmentation():
    """With ctx.D = D(2x), ∇ₓ = 2w: the penalty sees what D sees, as StyleGAN2-ADA's R1 does."""
    critic = LinearCritic(torch.tensor([1.0, 0.0, 0.0, 0.0]))
    phase = ctx(critic, torch.randn(3, 1, 2, 2), None, augment=lambda x: 2 * x)
    value, stats = loss("r1", gamma=2.0, interval=1).discriminator_loss(phase)
    assert stats["r1"].item() == pytest.approx(4.0) and value.item() == pytest.approx(4.0)


def test_r1_is_computed_in_fp32_under_autocast():
    critic = LinearCritic(torch.ones(16) / 4)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        value, _ = loss("r1", gamma=1.0, interval=1).discriminator_loss(ctx(critic, torch.randn(4, 1, 4, 4), None))
    assert value.dtype == torch.float32 and value.item() == pytest.approx(0.5, rel=1e-6)  # 1/2 · ||w||² = 1/2


def test_a_combined_loss_is_the_sum_of_its_parts_with_options_sent_to_their_owner():
    critic = LinearCritic(torch.tensor([2.0, 0.0, 0.0, 0.0]))
    real, fake = torch.ones(3, 1, 2, 2), torch.zeros(3, 1, 2, 2)
    combined, stats = loss("bce+r1", gamma=1.0, interval=1).discriminator_loss(ctx(critic, real, fake))
    bce, _ = d_loss("bce", critic, real, fake)
    assert combined.item() == pytest.approx(bce.item() + 0.5 * 4.0, rel=1e-6)
    assert {"d_real", "d_fake", "r1"} <= set(stats)
    assert loss("bce+r1", gamma=3.0).state_dict() == {"r1": {"last": torch.zeros(())}}
    with pytest.raises(TypeError, match="no part of bce\\+r1 takes the option 'gp_weight'; options: gamma, interval"):
        loss("bce+r1", gp_weight=1.0)


def test_combined_entries_declare_their_parts_needs_and_refuse_nonsense():
    from ganzoo import ConfigError

    registry = get_registry()
    assert registry.loss("ragan+r1").needs == ("double_backward",) and registry.loss("ragan").needs == ()
    assert registry.entry("loss", "bce+r1").plugin == "losses"
    refused = [("r1+bce", "starts with the regulariser"), ("bce+hinge", "not a regulariser"), ("bce+r2", "'r1'")]
    for name, message in refused:
        with pytest.raises(ConfigError, match=message):
            registry.loss(name)


def test_phase_context_remembers_the_real_scores_only():
    critic = LinearCritic(torch.tensor([1.0]))
    real, fake = images(2.0, 3.0), images(-1.0, 0.0)
    c = ctx(critic, real, fake)
    c.D(fake)
    assert c.real_scores is None
    c.D(real)
    assert c.real_scores.tolist() == [2.0, 3.0] and not c.real_scores.requires_grad
