"""Two installed packages whose names clash with each other and with the built-ins: a clash costs only
the clashing names, both owners are shown, and a clashing part trains under its qualified name.

``old-zoo`` was written against an older ganzoo: it registers ``mode-seeking`` (a built-in name since),
``lecam`` and ``bcr``. ``new-zoo`` registers ``lecam`` too, replaces ``ganzoo:hinge`` deliberately
(``replaces=``) and the ``lsgan`` recipe with the deprecated ``override=True``. Both call their entry
point ``losses``, like the built-ins. The packages are fake distributions on PYTHONPATH, as in
tests/test_broken_plugins.py; training runs the real console entry in a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ganzoo import Recipe, hookimpl
from ganzoo.discovery import build_registry
from ganzoo.errors import ConfigError, GanzooWarning
from ganzoo.registrar import PluginRegistrar
from ganzoo.registry import Registry

LOSS = '''
import torch.nn.functional as F

from ganzoo import Recipe, hookimpl


class NonSaturating:
    """The non-saturating GAN loss on logits; ``tag`` tells the copies apart."""

    def __init__(self, tag: str = "{tag}"):
        self.tag = tag

    def discriminator_loss(self, ctx):
        real, fake = ctx.D(ctx.real, ctx.labels).float(), ctx.D(ctx.fake, ctx.labels).float()
        return F.softplus(-real).mean() + F.softplus(fake).mean(), {{}}

    def generator_loss(self, ctx):
        return F.softplus(-ctx.D(ctx.fake, ctx.labels).float()).mean(), {{}}
'''

OLD_ZOO = LOSS.format(tag="old") + '''

@hookimpl
def ganzoo_register(registry):
    for name in ("mode-seeking", "lecam", "bcr"):
        registry.add_loss(name, NonSaturating, description=f"old-zoo's {name}", regularizer=name == "bcr")
    registry.add_recipe(Recipe(name="old-ms", generator="mlp", discriminator="mlp", loss="mode-seeking+bcr"))
'''

NEW_ZOO = LOSS.format(tag="new") + '''

@hookimpl
def ganzoo_register(registry):
    registry.add_loss("lecam", NonSaturating, description="new-zoo's lecam")
    registry.add_loss("hinge", NonSaturating, description="new-zoo's hinge", replaces="ganzoo:hinge")
    registry.add_recipe(Recipe(name="lsgan", generator="mlp", discriminator="mlp", loss="bce"), override=True)
'''


def _distribution(root: Path, name: str, version: str, module: str, source: str) -> None:
    info = root / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(f"[ganzoo]\nlosses = {module}\n")  # the built-ins' entry-point name too
    (root / f"{module}.py").write_text(source)


def _site(root: Path, old_version: str = "0.1") -> Path:
    root.mkdir()
    _distribution(root, "old-zoo", old_version, "old_zoo_losses", OLD_ZOO)
    _distribution(root, "new-zoo", "0.2", "new_zoo_losses", NEW_ZOO)
    return root


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return _site(tmp_path_factory.mktemp("clash") / "site")


def _ganzoo(site, *args):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]), "COLUMNS": "400", "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "ganzoo", *args], capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture
def installed(site, monkeypatch):
    """The registry as it is built with both packages installed (in this process)."""
    monkeypatch.syspath_prepend(str(site))
    with pytest.warns(GanzooWarning) as caught:
        registry = build_registry()
    return registry, [str(w.message) for w in caught]


def test_what_survives_a_clash(installed):
    registry, warned = installed
    plugins = {p.qualified: p for p in registry.plugins}
    assert plugins["old-zoo:losses"].ok and plugins["new-zoo:losses"].ok and plugins["ganzoo:losses"].ok  # one entry-point name, three plugins
    assert plugins["old-zoo:losses"].registered == {"loss": ["mode-seeking", "lecam", "bcr"], "recipe": ["old-ms"]}  # nothing lost

    # every entry keeps its qualified name; a short name means the built-in, then the first distribution by name
    assert registry.loss("old-zoo:mode-seeking").description == "old-zoo's mode-seeking"
    assert registry.entry("loss", "mode-seeking").qualified == "ganzoo:mode-seeking"
    assert registry.entry("loss", "lecam").qualified == "new-zoo:lecam" and registry.loss("old-zoo:lecam").description == "old-zoo's lecam"
    assert registry.entry("loss", "bcr").qualified == "old-zoo:bcr"  # no clash: the short name just works
    assert registry.recipe("old-ms").loss == "old-zoo:mode-seeking+bcr"  # its recipe keeps meaning its own loss
    # the declared replacement and the deprecated override, both recorded; the replaced built-ins stay reachable
    assert registry.entry("loss", "hinge").qualified == "new-zoo:hinge" and registry.entry("loss", "ganzoo:hinge").plugin == "losses"
    assert registry.entry("recipe", "lsgan").qualified == "new-zoo:lsgan" and registry.recipe("ganzoo:lsgan").loss == "lsgan"
    assert ("loss", "new-zoo:hinge", "ganzoo:hinge") in registry.replacements
    assert ("recipe", "new-zoo:lsgan", "ganzoo:lsgan") in registry.replacements
    assert plugins["new-zoo:losses"].replaced == [
        "loss new-zoo:hinge replaces ganzoo:hinge: 'hinge' means new-zoo:hinge.",
        "recipe new-zoo:lsgan replaces ganzoo:lsgan: 'lsgan' means new-zoo:lsgan.",
    ]

    # each clash is a warning naming both owners, kept on the plugin that registered second
    clashes = plugins["old-zoo:losses"].clashes
    assert len(clashes) == 3 and not plugins["new-zoo:losses"].clashes
    assert clashes[2] == "Recipe old-zoo:old-ms uses its own distribution's old-zoo:mode-seeking+bcr."
    assert "old-zoo registered loss 'mode-seeking', which ganzoo:mode-seeking (plugin 'losses') registered too" in clashes[0]
    assert "which new-zoo:lecam (plugin 'losses') registered too" in clashes[1] and "use 'old-zoo:lecam'" in clashes[1]
    assert all(clash in warned for clash in clashes[:2])
    assert any("override=True, which is deprecated" in w and "replaces='ganzoo:lsgan'" in w for w in warned)


def test_an_ambiguous_short_name_warns_once_with_the_candidates(installed):
    registry, _ = installed
    with pytest.warns(GanzooWarning, match=r"'lecam' is registered by 2 distributions: new-zoo:lecam \(plugin 'losses'\), old-zoo:lecam") as caught:
        registry.loss("lecam")
        registry.loss("lecam")
    assert len(caught) == 1
    with pytest.raises(ConfigError, match=r"distribution 'old-zoo' registered no loss 'hinge'; its losses: bcr, lecam, mode-seeking"):
        registry.loss("old-zoo:hinge")
    with pytest.raises(ConfigError, match="no installed distribution 'nowhere'"):
        registry.loss("nowhere:bce")
    combined = registry.entry("loss", "ganzoo:bce+old-zoo:bcr")  # qualified names in a sum too
    assert combined.distribution == "ganzoo+old-zoo" and combined.version.endswith("+0.1")


def test_registrars_and_wrappers_get_a_read_only_view(installed):
    registry, _ = installed
    registrar = PluginRegistrar(Registry(), "mine")
    view = registrar.registry
    with pytest.raises(AttributeError, match="only looks entries up"):
        view.add("recipe", Recipe(name="x", generator="mlp", discriminator="mlp", loss="bce"))
    with pytest.raises(AttributeError, match="read-only"):
        view.plugins = []
    # pacgan keeps the view it got at registration and builds its inner part through it, late
    packed = registry.build_part("discriminator", "pacgan", image_shape=(1, 28, 28), inner="ganzoo:mlp", pack=2)
    assert type(packed.inner).__name__ == type(registry.build_part("discriminator", "mlp", image_shape=(2, 28, 28))).__name__


def test_the_kit_checks_a_shadowed_entry_by_its_qualified_name(installed):
    from ganzoo.testing import conformance_cases, with_options

    registry, _ = installed
    assert conformance_cases("old-zoo", registry) == [("loss", "bcr"), ("loss", "old-zoo:lecam"), ("loss", "old-zoo:mode-seeking"), ("recipe", "old-ms")]
    bound = with_options(registry, "loss", "old-zoo:lecam", {"tag": "bound"})  # in place: the short name keeps its meaning
    assert bound.build_part("loss", "old-zoo:lecam").tag == "bound" and bound.build_part("loss", "lecam").tag == "new"
    assert registry.build_part("loss", "old-zoo:lecam").tag == "old"


def test_one_of_two_same_named_entry_points_is_chosen_by_its_qualified_name(site, monkeypatch):
    from ganzoo.discovery import ONLY_PLUGINS_ENV

    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv(ONLY_PLUGINS_ENV, "old-zoo:losses")
    with pytest.warns(GanzooWarning, match="ganzoo:mode-seeking"):
        loaded = {p.qualified for p in build_registry().plugins}
    assert "old-zoo:losses" in loaded and "ganzoo:losses" in loaded and "new-zoo:losses" not in loaded


def test_the_listing_cache_keeps_owners_and_replacements(installed):
    from ganzoo import catalogue

    registry, _ = installed
    read = catalogue._decode(json.loads(json.dumps(catalogue._encode(registry))))
    assert read.qualified_names("loss") == registry.qualified_names("loss")
    assert read.entry("loss", "hinge").qualified == "new-zoo:hinge" and read.entry("loss", "old-zoo:lecam").version == "0.1"
    assert read.shortest_name(read.entry("loss", "old-zoo:mode-seeking")) == "old-zoo:mode-seeking"


def test_a_change_of_owner_is_named(tmp_path):
    from ganzoo.train.config import TrainConfig
    from ganzoo.train.run_dir import part_changes, parts_of, write_config

    registry = build_registry()
    config = TrainConfig(recipe="vanilla", dataset="mnist", generator="mlp", discriminator="mlp", loss="bce")
    write_config(tmp_path, config, {}, parts_of(registry, config))
    assert part_changes(tmp_path, registry, config) == []
    moved = registry.copy()
    spec = registry.loss("bce")
    moved.add("loss", spec, plugin="bce-plus", distribution="bce-plus", version="2.0", replaces="ganzoo:bce")
    assert part_changes(tmp_path, moved, config) == ["loss 'bce' was ganzoo:bce (ganzoo " + registry.entry("loss", "bce").version + ") and is now bce-plus:bce (bce-plus 2.0)"]


def test_the_kit_tells_a_plugin_which_of_its_names_it_no_longer_owns(installed):
    from ganzoo.testing import ConformanceError, assert_own_names, shadowed_names

    registry, _ = installed
    assert shadowed_names("old-zoo", registry) == ["loss old-zoo:lecam -> new-zoo:lecam", "loss old-zoo:mode-seeking -> ganzoo:mode-seeking"]
    assert shadowed_names("ganzoo", registry) == ["loss ganzoo:hinge -> new-zoo:hinge", "recipe ganzoo:lsgan -> new-zoo:lsgan"]
    assert_own_names("new-zoo", registry)  # its replacements are declared: it owns every name it registered
    with pytest.raises(ConformanceError, match=r"'old-zoo' does not own all its names: loss old-zoo:lecam -> new-zoo:lecam; .*which ganzoo:mode-seeking"):
        assert_own_names("old-zoo", registry)


def test_a_replacement_must_name_a_registered_entry_of_the_same_name():
    registry = Registry()
    registry.add("recipe", Recipe(name="demo", generator="mlp", discriminator="mlp", loss="bce"), distribution="ganzoo")
    registrar = PluginRegistrar(registry, "mine", "mine-dist", "1.0")
    registrar.add_recipe(Recipe(name="demo", generator="x", discriminator="y", loss="z"), replaces="ganzoo:other")
    registrar.add_recipe(Recipe(name="kept", generator="x", discriminator="y", loss="z"))
    with pytest.warns(GanzooWarning, match=r"replaces='ganzoo:other'; replaces names the qualified name DIST:demo .*registered: ganzoo:demo"):
        assert registrar.commit() == {"recipe": ["kept"]}
    assert registry.recipe("demo").generator == "mlp"


def test_the_cli_shows_both_owners_and_a_clashing_part_trains_under_its_qualified_name(site, tmp_path):
    shown = _ganzoo(site, "plugins")
    assert shown.returncode == 0, shown.stderr
    text = " ".join(shown.stdout.split())
    assert "which ganzoo:mode-seeking (plugin 'losses') registered too" in text and "loss new-zoo:hinge replaces ganzoo:hinge" in text
    check = _ganzoo(site, "plugins", "check", "old-zoo")  # the kit checks old-zoo's own entries, shadowed ones by DIST:NAME
    losses = [line for line in check.stdout.splitlines() if line.startswith("│ loss ")]
    assert losses and not any("FAIL" in line for line in losses), check.stdout + check.stderr
    assert any("│ old-zoo:mode-seeking " in line for line in losses) and any("│ old-zoo:lecam " in line for line in losses)
    assert "old-zoo:mode-seeking" in check.stdout and "which ganzoo:mode-seeking (plugin 'losses') registered too" in " ".join(check.stdout.split())
    listing = _ganzoo(site, "list", "losses").stdout
    assert "old-zoo:mode-seeking" in listing and "old-zoo:lecam" in listing and " bcr " in listing

    # its clashing loss under DIST:NAME, plus its regulariser that clashes with nothing, by its short name
    args = ["vanilla", "--data", "mnist", "--loss", "old-zoo:mode-seeking+bcr", "--batch-size", "16", "--checkpoint-every", "2", "-q"]
    first = _ganzoo(site, "train", *args, "--steps", "2", "--out", str(tmp_path / "run"))
    assert first.returncode == 0, first.stderr
    record = json.loads((tmp_path / "run" / "config.json").read_text())
    assert record["config"]["loss"] == "old-zoo:mode-seeking+bcr"
    assert record["parts"]["loss"] == [
        {"name": "mode-seeking", "qualified": "old-zoo:mode-seeking", "plugin": "losses", "distribution": "old-zoo", "version": "0.1"},
        {"name": "bcr", "qualified": "old-zoo:bcr", "plugin": "losses", "distribution": "old-zoo", "version": "0.1"},
    ]
    assert record["parts"]["generator"][0]["qualified"] == "ganzoo:mlp"

    upgraded = _site(tmp_path / "upgraded", old_version="0.2")  # the part changed version: resuming says so, and goes on
    resumed = _ganzoo(upgraded, "train", *args, "--steps", "4", "--out", str(tmp_path / "run"), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    message = " ".join(resumed.stderr.split())
    assert "trained with other parts than the ones installed now; resuming it with the installed ones" in message
    assert "loss old-zoo:mode-seeking was version 0.1 and is now 0.2; loss old-zoo:bcr was version 0.1 and is now 0.2" in message

    from ganzoo.api import load  # loading without old-zoo installed: the generator loads, and the missing loss is named

    with pytest.warns(GanzooWarning, match=r"loading it with the installed ones: a part of the run is no longer available: .*'old-zoo:mode-seeking'"):
        model = load(tmp_path / "run", registry=build_registry())
    assert model is not None
