"""The plugin's own tests: ganzoo finds it, and its parts pass ganzoo's conformance kit."""

from __future__ import annotations

import pytest

pytest.importorskip("ganzoo_sngan", reason="install the plugin first: pip install -e plugins/ganzoo-sngan")

from typer.testing import CliRunner  # noqa: E402

from ganzoo.cli import app  # noqa: E402
from ganzoo.discovery import get_registry  # noqa: E402
from ganzoo.testing import assert_conforms, conformance_cases  # noqa: E402


def test_ganzoo_discovers_the_plugin():
    plugins = {p.name: p for p in get_registry().plugins}
    assert plugins["sngan"].ok and plugins["sngan"].distribution == "ganzoo-sngan"
    assert plugins["sngan"].registered == {
        "generator": ["sngan"], "discriminator": ["sngan"], "recipe": ["sngan"], "pretrained": ["sngan-fashion-mnist", "sngan-mnist"],
    }  # fmt: skip


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


def test_listed_trained_and_checked_from_the_cli(tmp_path):
    runner = CliRunner()
    assert "ganzoo-sngan" in runner.invoke(app, ["plugins"], terminal_width=250).output
    assert "sngan" in runner.invoke(app, ["list", "recipes"]).output
    args = ["train", "sngan", "--data", "mnist", "--out", str(tmp_path / "run"), "--steps", "2", "--batch-size", "8", "--log-every", "1", "-q"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "run" / "checkpoints" / "step-0000002.safetensors").is_file()
    check = runner.invoke(app, ["plugins", "check", "ganzoo-sngan"], terminal_width=250)
    assert check.exit_code == 0 and "0 failure(s)" in check.output
