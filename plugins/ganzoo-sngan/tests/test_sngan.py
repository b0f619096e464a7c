"""The plugin's own tests: ganzoo finds it, and its parts pass ganzoo's conformance kit."""

from __future__ import annotations

import pytest

from ganzoo.discovery import get_registry
from ganzoo.testing import assert_conforms, conformance_cases


def test_ganzoo_discovers_the_plugin():
    plugins = {p.name: p for p in get_registry().plugins}
    assert plugins["sngan"].ok and plugins["sngan"].distribution == "ganzoo-sngan"
    assert plugins["sngan"].registered == {"generator": ["sngan"], "discriminator": ["sngan"], "recipe": ["sngan"]}


@pytest.mark.parametrize("kind, name", conformance_cases("ganzoo-sngan"))
def test_conforms(kind, name):
    assert_conforms(kind, name)


def test_spectral_norm_bounds_every_layer():
    import torch
    from torch import nn

    D = get_registry().discriminator("sngan").factory(image_shape=(1, 32, 32), num_classes=0)
    D.train()
    for _ in range(20):  # power iterations converge during training forward passes
        D(torch.randn(4, 1, 32, 32))
    D.eval()
    for module in D.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            matrix = module.weight.detach().flatten(1)
            assert torch.linalg.matrix_norm(matrix, ord=2) < 1.1
