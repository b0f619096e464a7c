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
    assert kinds == {"generator", "discriminator", "loss", "recipe"}


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

    def discriminator_loss(self, D, real, fake, labels):
        return D(real, labels).mean() - D(fake, labels).mean(), {}

    def generator_loss(self, D, fake, labels):
        return D(fake, labels).mean(), {}


class BadParts:
    @hookimpl
    def ganzoo_register(self, registry):
        registry.add_generator("wrong-shape", WrongShapeGenerator)
        registry.add_discriminator("with-sigmoid", SigmoidDiscriminator)
        registry.add_loss("backwards", BackwardsLoss)


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
    results = run_checks(kind, name, registry)
    assert results and not any(r.ok for r in results)
    assert all(message in r.detail for r in results)
    with pytest.raises(ConformanceError, match=message.replace("(", r"\(").replace(")", r"\)")):
        assert_conforms(kind, name, registry)


def test_cases_can_be_selected_by_plugin(registry):
    assert set(conformance_cases("bad-parts", registry)) == {("generator", "wrong-shape"), ("discriminator", "with-sigmoid"), ("loss", "backwards")}
