"""The registry and plugin discovery through the 'ganzoo' entry-point group."""

from __future__ import annotations

from importlib.metadata import entry_points
from types import SimpleNamespace

import pytest

from ganzoo import ConfigError, PluginError, Recipe, hookimpl
from ganzoo.discovery import DISABLE_AUTOLOAD_ENV, build_registry, get_registry
from ganzoo.registrar import PluginRegistrar
from ganzoo.registry import Registry


def test_builtins_are_discovered_through_entry_points():
    declared = {ep.name: ep.value for ep in entry_points(group="ganzoo") if ep.dist.metadata["Name"] == "ganzoo"}
    registry = build_registry()
    loaded = {p.name: p for p in registry.plugins}
    assert set(declared) <= set(loaded)
    for name, module in declared.items():
        assert loaded[name].ok and loaded[name].module == module and loaded[name].distribution == "ganzoo"
    assert "vanilla" in registry.names("recipe")
    assert {"mnist", "fashion-mnist"} <= set(registry.names("dataset"))
    assert registry.entry("recipe", "vanilla").plugin == "vanilla"


def test_nothing_is_registered_without_entry_points():
    assert build_registry(autoload=False).names("recipe") == []


def test_disabling_autoload_keeps_the_builtins(monkeypatch):
    monkeypatch.setenv(DISABLE_AUTOLOAD_ENV, "1")
    assert "vanilla" in build_registry().names("recipe")


def test_unknown_name_lists_close_matches():
    with pytest.raises(ConfigError, match=r"Unknown recipe 'vanila'\. Did you mean 'vanilla'\?.*Known recipes:"):
        get_registry().recipe("vanila")


def test_unknown_kind_is_refused():
    with pytest.raises(ConfigError, match="Unknown kind"):
        get_registry().names("optimizers")


def _recipe(name="demo"):
    return Recipe(name=name, generator="mlp", discriminator="mlp", loss="bce")


def test_duplicate_qualified_name_raises_unless_override():
    registry = Registry()
    registry.add("recipe", _recipe(), plugin="one")
    with pytest.raises(PluginError, match=r"of the same distribution '\(direct\)' already registered as '\(direct\):demo'"):
        registry.add("recipe", _recipe(), plugin="two")
    registry.add("recipe", Recipe(name="demo", generator="x", discriminator="y", loss="z"), plugin="two", override=True)
    assert registry.entry("recipe", "demo").plugin == "two"
    assert registry.recipe("demo").generator == "x"


def test_invalid_names_and_types_are_refused():
    registrar = PluginRegistrar(Registry(), "bad")
    with pytest.raises(PluginError, match="names are lowercase"):
        registrar.add_recipe(_recipe("Not Valid"))
    with pytest.raises(PluginError, match="not callable"):
        registrar.add_generator("g", factory=42)
    with pytest.raises(PluginError, match="not a Recipe"):
        Registry().add("recipe", "vanilla")


def test_names_filter_with_fnmatch_and_sort_naturally():
    registry = Registry()
    for name in ("gan10", "gan2", "wgan", "other"):
        registry.add("recipe", _recipe(name))
    assert registry.names("recipes", "*gan*") == ["gan2", "gan10", "wgan"]
    assert registry.names("recipe", "*gan*", exclude=("w*",)) == ["gan2", "gan10"]


def test_a_failing_plugin_is_recorded_and_the_others_still_work():
    class Broken:
        @hookimpl
        def ganzoo_register(self, registry):
            registry.add_recipe(_recipe("half-registered"))
            raise RuntimeError("boom")

    class Clashing:
        @hookimpl
        def ganzoo_register(self, registry):
            registry.add_recipe(_recipe("vanilla"))

    registry = build_registry(extra_plugins=[("broken", Broken()), ("clashing", Clashing())])
    status = {p.name: p for p in registry.plugins}
    assert "boom" in status["broken"].error and "registration failed" in status["broken"].error
    assert status["clashing"].ok and "ganzoo:vanilla (plugin 'vanilla') registered too" in status["clashing"].clashes[0]
    assert "half-registered" not in registry.names("recipe")  # nothing of a failed plugin is kept
    with pytest.raises(ConfigError, match=r"1 plugin\(s\) failed to load \(broken\): see `ganzoo plugins`"):
        registry.recipe("half-registered")  # the hint appears though other recipes are known
    assert registry.recipe("vanilla").generator == "mlp" and registry.entry("recipe", "vanilla").qualified == "ganzoo:vanilla"


def test_a_plugin_with_an_unknown_hook_is_refused():
    plugin = SimpleNamespace()

    @hookimpl
    def ganzoo_not_a_hook(registry):
        pass

    plugin.ganzoo_not_a_hook = ganzoo_not_a_hook
    registry = build_registry(extra_plugins=[("typo", plugin)])
    status = {p.name: p for p in registry.plugins}
    assert "invalid plugin" in status["typo"].error
