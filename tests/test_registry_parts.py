"""Augmentations as a registered kind, declared needs and regularisers in the registry and in `ganzoo list`."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from ganzoo import PluginError
from ganzoo.errors import GanzooWarning
from ganzoo.cli import app
from ganzoo.discovery import get_registry
from ganzoo.registrar import PluginRegistrar
from ganzoo.registry import Registry


def _identity(images, generator):
    return images


def test_builtin_augmentations_and_their_plugin():
    registry = get_registry()
    assert registry.names("augmentation") == ["ada", "diffaugment"]
    assert registry.entry("augmentation", "ada").plugin == "augmentations"
    assert registry.loss("wgan-gp").needs == ("double_backward",) and registry.loss("bce").needs == ()
    assert registry.loss("r1").regularizer and not registry.loss("ragan").regularizer


@pytest.mark.parametrize("needs", [("compile_me",), "double_backward"])
def test_an_unknown_need_is_refused_at_registration(needs):
    registrar = PluginRegistrar(Registry(), "needy")
    with pytest.raises(PluginError, match=r"needs is a tuple of: double_backward"):
        registrar.add_loss("needy", object, needs=needs)


def test_an_augmentation_is_staged_and_committed_like_any_part():
    registry = Registry()
    registrar = PluginRegistrar(registry, "mine")
    registrar.add_augmentation("identity", lambda: _identity, description="does nothing")
    assert registry.names("augmentation") == []
    assert registrar.commit() == {"augmentation": ["identity"]}
    assert registry.augmentation("identity").description == "does nothing"
    other = PluginRegistrar(registry, "other")  # same (direct) distribution: the name clashes, the plugin's other entries stay
    other.add_augmentation("identity", lambda: _identity)
    other.add_augmentation("flip", lambda: _identity)
    with pytest.warns(GanzooWarning, match="already registered as"):
        assert other.commit() == {"augmentation": ["flip"]}
    assert registry.entry("augmentation", "identity").plugin == "mine" and "left out" in other.clashes[0]


def test_list_shows_augmentations_and_regularisers():
    runner = CliRunner()
    augmentations = runner.invoke(app, ["list", "augmentations"], terminal_width=250)
    assert augmentations.exit_code == 0 and "diffaugment" in augmentations.output and "ada" in augmentations.output
    losses = runner.invoke(app, ["list", "losses", "r1"], terminal_width=250)
    assert "regulariser: use as" in losses.output and "LOSS+r1" in losses.output
