"""Every loss on hand-computed cases (values and gradient directions), and the gradient penalty."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from ganzoo.discovery import get_registry
from ganzoo_families.losses import gradient_penalty


class FixedScores(nn.Module):
    """A 'discriminator' whose score is the first pixel of each image: scores are set by hand."""

    def forward(self, x, labels=None):
        return x.flatten(1)[:, 0]


def images(*scores):
    return torch.tensor(scores, dtype=torch.float32).view(-1, 1, 1, 1).requires_grad_(True)


def loss(name, **options):
    return get_registry().loss(name).factory(**options)


def softplus(x):
    return math.log1p(math.exp(x))


# scores: real = [2, 0], fake = [-1, 1]
REAL, FAKE = (2.0, 0.0), (-1.0, 1.0)
EXPECTED_D = {
    "bce": (softplus(-2) + softplus(0)) / 2 + (softplus(-1) + softplus(1)) / 2,
    "minimax": (softplus(-2) + softplus(0)) / 2 + (softplus(-1) + softplus(1)) / 2,
    "lsgan": 0.5 * ((2 - 1) ** 2 + (0 - 1) ** 2) / 2 + 0.5 * ((-1) ** 2 + 1**2) / 2,
    "hinge": (max(0, 1 - 2) + max(0, 1 - 0)) / 2 + (max(0, 1 - 1) + max(0, 1 + 1)) / 2,
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
    value, stats = loss(name).discriminator_loss(FixedScores(), images(*REAL), images(*FAKE), None)
    assert value.item() == pytest.approx(EXPECTED_D[name], rel=1e-6)
    assert stats["d_real"].item() == pytest.approx(1.0) and stats["d_fake"].item() == pytest.approx(0.0)


@pytest.mark.parametrize("name", sorted(EXPECTED_G))
def test_generator_loss_values(name):
    value, _ = loss(name).generator_loss(FixedScores(), images(*FAKE), None)
    assert value.item() == pytest.approx(EXPECTED_G[name], rel=1e-6, abs=1e-7)


@pytest.mark.parametrize("name", ["bce", "minimax", "lsgan", "hinge", "wgan-gp"])
def test_gradient_directions(name):
    """D's loss falls when real scores rise and fake scores fall; G's loss falls when fake scores rise."""
    real, fake = images(-0.5, 0.3), images(0.2, 0.4)  # inside every loss's active region (LSGAN: fakes above a=0, reals below b=1)
    value, _ = loss(name).discriminator_loss(FixedScores(), real, fake, None)
    value.backward()
    assert (real.grad.flatten() < 0).all(), f"{name}: raising real scores should lower D's loss"
    assert (fake.grad.flatten() > 0).all(), f"{name}: lowering fake scores should lower D's loss"
    fake = images(0.2, 0.4)
    value, _ = loss(name).generator_loss(FixedScores(), fake, None)
    value.backward()
    assert (fake.grad.flatten() < 0).all(), f"{name}: raising fake scores should lower G's loss"


def test_minimax_saturates_where_non_saturating_does_not():
    """With D confidently rejecting fakes (score -8), the minimax G gradient nearly vanishes."""
    grads = {}
    for name in ("minimax", "bce"):
        fake = images(-8.0)
        loss(name).generator_loss(FixedScores(), fake, None)[0].backward()
        grads[name] = fake.grad.abs().item()
    assert grads["minimax"] < 1e-3 < 0.9 < grads["bce"]


def test_lsgan_uses_its_coding():
    value, _ = loss("lsgan", a=-1.0, b=1.0, c=0.0).discriminator_loss(FixedScores(), images(1.0), images(-1.0), None)
    assert value.item() == pytest.approx(0.0)
    value, _ = loss("lsgan", a=-1.0, b=1.0, c=0.0).generator_loss(FixedScores(), images(0.0), None)
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
    value, stats = loss("wgan-gp", gp_weight=10.0).discriminator_loss(critic, real, fake, None)
    assert stats["gp"].item() == pytest.approx(1.0, rel=1e-5)
    assert stats["wasserstein"].item() == pytest.approx(4.0)  # D(real)=4, D(fake)=0
    assert value.item() == pytest.approx(-4.0 + 10.0, rel=1e-5)
