"""Installed plugins that fail: reported by `ganzoo plugins`, while everything else keeps working.

The test installs two fake distributions on PYTHONPATH (a dist-info folder with entry points,
which is all that importlib.metadata needs) and runs the real console entry in a subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BROKEN_IMPORT = "raise ImportError('this plugin needs a package that is not installed')\n"
BAD_REGISTRATION = """
from ganzoo import Recipe, hookimpl

@hookimpl
def ganzoo_register(registry):
    registry.add_recipe(Recipe(name="Bad Name", generator="mlp", discriminator="mlp", loss="bce"))
"""
WRONG_PART = """
import torch
from torch import nn
from ganzoo import hookimpl

class Flat(nn.Module):
    def __init__(self, latent_dim, image_shape, num_classes=0):
        super().__init__()
        self.latent_dim, self.image_shape, self.num_classes = latent_dim, tuple(image_shape), num_classes
        self.fc = nn.Linear(latent_dim, 3)

    def forward(self, z, labels=None):
        return self.fc(z)

@hookimpl
def ganzoo_register(registry):
    registry.add_generator("flat", Flat)
"""

PICKY_PART = """
import torch
from torch import nn
from ganzoo import hookimpl

class Picky(nn.Module):
    def __init__(self, image_shape, num_classes=0):
        super().__init__()
        self.image_shape, self.num_classes = tuple(image_shape), num_classes
        self.fc = nn.Linear(int(torch.tensor(image_shape).prod()), 1)

    def forward(self, x, labels=None):
        if len(x) > 2 and len(x) % 3:
            raise ValueError(f"a batch of {len(x)} does not split into packs of 3")
        return self.fc(x.flatten(1)).view(-1)

@hookimpl
def ganzoo_register(registry):
    registry.add_discriminator("picky", Picky)
"""


def _distribution(root: Path, name: str, modules: dict[str, str], entry_points: dict[str, str]) -> None:
    info = root / f"{name.replace('-', '_')}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[ganzoo]\n" + "".join(f"{k} = {v}\n" for k, v in entry_points.items()))
    for module, source in modules.items():
        (root / f"{module}.py").write_text(source)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    _distribution(root, "broken-ganzoo-plugin", {"broken_at_import": BROKEN_IMPORT, "bad_registration": BAD_REGISTRATION}, {"broken-import": "broken_at_import", "bad-registration": "bad_registration"})
    _distribution(root, "flat-ganzoo-plugin", {"flat_plugin": WRONG_PART}, {"flat": "flat_plugin"})
    _distribution(root, "picky-ganzoo-plugin", {"picky_plugin": PICKY_PART}, {"picky": "picky_plugin"})
    return root


def _ganzoo(site, *args, **env):
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]), "COLUMNS": "250", **env}
    return subprocess.run([sys.executable, "-m", "ganzoo", *args], capture_output=True, text=True, env=environment, timeout=120)


def test_plugins_lists_failures_and_the_rest_works(site):
    done = _ganzoo(site, "plugins")
    assert done.returncode == 0, done.stderr
    lines = {line.split()[1]: line for line in done.stdout.splitlines() if line.startswith("│") and len(line.split()) > 2}
    assert "import failed: ImportError: this plugin needs a package" in lines["broken-import"]
    assert "registration failed" in lines["bad-registration"] and "names are lowercase" in done.stdout
    assert "ok" in lines["flat"] and "ok" in lines["vanilla"]
    listing = _ganzoo(site, "list", "recipes")
    assert listing.returncode == 0 and "vanilla" in listing.stdout
    assert "flat" in _ganzoo(site, "list", "generators").stdout


def test_plugins_check_fails_on_a_wrong_part_and_passes_the_builtins(site):
    done = _ganzoo(site, "plugins", "check", "flat-ganzoo-plugin")
    assert done.returncode == 1 and "FAIL" in done.stdout and "of shape (4, 3)" in done.stdout
    broken = _ganzoo(site, "plugins", "check", "broken-ganzoo-plugin")
    assert broken.returncode == 1 and "loads and registers" in broken.stdout


def test_autoload_switches(site):
    disabled = _ganzoo(site, "plugins", GANZOO_DISABLE_PLUGIN_AUTOLOAD="1")
    assert "broken-import" not in disabled.stdout and "flat" not in disabled.stdout and "vanilla" in disabled.stdout
    only = _ganzoo(site, "plugins", GANZOO_PLUGINS="flat-ganzoo-plugin")
    assert "flat" in only.stdout and "broken-import" not in only.stdout and "vanilla" in only.stdout


def test_an_exception_in_a_plugins_code_names_the_plugin_not_ganzoo(site, tmp_path):
    args = ("train", "vanilla", "--data", "mnist", "--discriminator", "picky", "--steps", "2", "--batch-size", "16")
    done = _ganzoo(site, *args, "--out", str(tmp_path / "run"), "-q")
    assert done.returncode == 1, done.stderr
    message = " ".join(done.stderr.split())
    assert "plugin error: ValueError: a batch of 16 does not split into packs of 3" in message
    assert "in Picky.forward of plugin 'picky' (distribution picky-ganzoo-plugin 0.1)" in message
    assert "not of ganzoo" in message and "please report it" not in message and "Traceback" not in done.stderr
    assert not (tmp_path / "run" / "config.json").exists()  # stopped by the build probe at the run's batch size, before training


def test_plugins_check_takes_options(site):
    refused = _ganzoo(site, "plugins", "check", "picky-ganzoo-plugin", "--set", "discriminator.pack=3")
    assert refused.returncode == 2 and "No discriminator of 'picky-ganzoo-plugin' takes discriminator.pack" in " ".join(refused.stderr.split())
    malformed = _ganzoo(site, "plugins", "check", "picky-ganzoo-plugin", "--set", "pack=3")
    assert malformed.returncode == 2 and "PART.OPTION=VALUE" in malformed.stderr


def test_the_kit_checks_a_part_with_options():
    from ganzoo.testing import run_checks
    from ganzoo.errors import ConfigError

    results = run_checks("discriminator", "pacgan", options={"pack": 3})
    assert results and all(r.ok for r in results), results
    with pytest.raises(ConfigError, match="pack must be 2, 3 or 4"):
        run_checks("discriminator", "pacgan", options={"pack": 7})
