"""The conformance kit: every built-in passes, and deliberately wrong parts fail the right check."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from ganzoo.discovery import build_registry
from ganzoo.hookspecs import hookimpl
from ganzoo.testing import ConformanceError, assert_conforms, conformance_cases, run_checks

BUILTINS = conformance_cases("ganzoo")


def test_the_builtins_are_all_covered():
    kinds = {kind for kind, _ in BUILTINS}
    assert kinds == {"generator", "discriminator", "loss", "augmentation", "recipe", "logger", "pretrained"}


@pytest.mark.parametrize("kind, name", BUILTINS, ids=[f"{k}:{n}" for k, n in BUILTINS])
def test_builtin_parts_conform(kind, name):
    assert_conforms(kind, name)


class WrongShapeGenerator(nn.Module):
    def __init__(self, latent_dim, image_shape, num_classes=0):
        super().__init__()
        self.latent_dim, self.image_shape, self.num_classes = latent_dim, tuple(image_shape), num_classes
        self.fc = nn.Linear(latent_dim, 10)

    def forward(self, z, labels=None):
        return torch.tanh(self.fc(z))  # not (B, C, H, W)


class SigmoidDiscriminator(nn.Module):
    def __init__(self, image_shape, num_classes=0):
        super().__init__()
        self.image_shape, self.num_classes = tuple(image_shape), num_classes
        self.net = nn.Sequential(nn.Flatten(), nn.LazyLinear(1), nn.Sigmoid())

    def forward(self, x, labels=None):
        return self.net(x).view(-1)


class BackwardsLoss:
    """Rewards the discriminator for scoring fakes high: the wrong sign."""

    def discriminator_loss(self, ctx):
        return ctx.D(ctx.real).mean() - ctx.D(ctx.fake).mean(), {}

    def generator_loss(self, ctx):
        return ctx.D(ctx.fake).mean(), {}


class UndeclaredPenalty(BackwardsLoss):
    """A correct loss with an input-gradient penalty whose registry entry forgets needs=("double_backward",)."""

    def discriminator_loss(self, ctx):
        real = ctx.real.detach().requires_grad_(True)
        (gradient,) = torch.autograd.grad(ctx.D(real).sum(), real, create_graph=True)
        return ctx.D(ctx.fake).mean() - ctx.D(ctx.real).mean() + gradient.square().sum(), {}

    def generator_loss(self, ctx):
        return -ctx.D(ctx.fake).mean(), {}


class ForgetfulLoss(BackwardsLoss):
    """Keeps a call counter, but load_state_dict ignores what it is given."""

    def __init__(self):
        self.calls = 0

    def discriminator_loss(self, ctx):
        self.calls += 1
        return ctx.D(ctx.fake).mean() - ctx.D(ctx.real).mean(), {}

    def generator_loss(self, ctx):
        return -ctx.D(ctx.fake).mean(), {}

    def state_dict(self):
        return {"calls": self.calls}

    def load_state_dict(self, state):
        pass


class GlobalRandomAugmentation:
    """Draws from torch's global generator instead of the one it is given: resume could not be exact."""

    def __call__(self, images, generator):
        return images + torch.rand(len(images), 1, 1, 1)


class TranslatedConsistency:
    """A bCR-like regulariser: D's scores of randomly shifted reals should match its scores of the reals.

    Draws its shifts from ``rng``: ctx.rng (the documented stream) or torch's global generator.
    """

    def __init__(self, weight: float = 1.0, global_rng: bool = False):
        self.weight, self.global_rng = weight, global_rng

    def _shifted(self, ctx):
        rng = None if self.global_rng else ctx.rng
        shifts = torch.randint(-2, 3, (2,), generator=rng, device=ctx.real.device)
        return torch.roll(ctx.real, shifts=tuple(int(s) for s in shifts), dims=(2, 3))

    def discriminator_loss(self, ctx):
        gap = ctx.D(self._shifted(ctx)) - ctx.D(ctx.real)
        return self.weight * gap.pow(2).mean(), {}

    def generator_loss(self, ctx):
        return ctx.fake.sum() * 0, {}


class BadParts:
    @hookimpl
    def ganzoo_register(self, registry):
        registry.add_loss("seeded-consistency", TranslatedConsistency, regularizer=True)
        registry.add_loss("global-consistency", lambda weight=1.0: TranslatedConsistency(weight, global_rng=True), regularizer=True)
        registry.add_generator("wrong-shape", WrongShapeGenerator)
        registry.add_discriminator("with-sigmoid", SigmoidDiscriminator)
        registry.add_loss("backwards", BackwardsLoss)
        registry.add_loss("undeclared-penalty", UndeclaredPenalty)
        registry.add_loss("declared-penalty", UndeclaredPenalty, needs=("double_backward",))
        registry.add_loss("forgetful", ForgetfulLoss)
        registry.add_augmentation("global-random", GlobalRandomAugmentation)


@pytest.fixture(scope="module")
def registry():
    return build_registry(extra_plugins=[("bad-parts", BadParts())])


@pytest.mark.parametrize(
    "kind, name, message",
    [
        ("generator", "wrong-shape", "of shape (4, 10)"),
        ("discriminator", "with-sigmoid", "contains a Sigmoid"),
        ("loss", "backwards", "does not separate real from fake"),
    ],
)
def test_wrong_parts_fail_with_a_reason(registry, kind, name, message):
    failed = [r for r in run_checks(kind, name, registry) if not r.ok]
    assert failed and all(message in r.detail for r in failed)
    with pytest.raises(ConformanceError, match=message.replace("(", r"\(").replace(")", r"\)")):
        assert_conforms(kind, name, registry)


@pytest.mark.parametrize(
    "kind, name, check, message",
    [
        ("loss", "undeclared-penalty", "declared needs", "does not declare needs=('double_backward',)"),
        ("augmentation", "global-random", "shapes, gradients, seeded randomness", "randomness must come only from"),
        ("loss", "global-consistency", "randomness from ctx.rng only", "draw them from the phase context's stream ctx.rng"),
    ],
)
def test_the_kit_catches_undeclared_needs_lost_state_and_unseeded_randomness(registry, kind, name, check, message):
    results = {r.check: r for r in run_checks(kind, name, registry)}
    assert not results[check].ok and message in results[check].detail
    assert all(r.ok for c, r in results.items() if c != check), [r for r in results.values() if not r.ok]


def test_a_load_state_dict_that_ignores_its_state_fails_both_state_checks(registry):
    results = {r.check: r for r in run_checks("loss", "forgetful", registry)}
    assert "different state_dict()" in results["state round trip"].detail
    assert "attribute 'calls' changes during training (discriminator phase)" in results["state carries what changes"].detail
    assert {c for c, r in results.items() if not r.ok} == {"state round trip", "state carries what changes"}


def test_a_declared_penalty_passes_the_needs_check(registry):
    assert all(r.ok for r in run_checks("loss", "declared-penalty", registry))


def test_a_regulariser_drawing_from_ctx_rng_passes(registry):
    assert all(r.ok for r in run_checks("loss", "seeded-consistency", registry))


def test_cases_can_be_selected_by_plugin(registry):
    assert set(conformance_cases("bad-parts", registry)) == {
        ("generator", "wrong-shape"),
        ("discriminator", "with-sigmoid"),
        ("loss", "backwards"),
        ("loss", "undeclared-penalty"),
        ("loss", "declared-penalty"),
        ("loss", "forgetful"),
        ("loss", "seeded-consistency"),
        ("loss", "global-consistency"),
        ("augmentation", "global-random"),
    }


def test_the_recipe_check_leaves_the_callers_registry_alone():
    from ganzoo.discovery import build_registry
    from ganzoo.testing import check_recipe

    registry = build_registry()
    before = registry.names("dataset")
    assert all(result.ok for result in check_recipe("vanilla", registry))
    assert registry.names("dataset") == before and "conformance-synthetic" not in before
