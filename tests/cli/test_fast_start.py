"""Help, version and the CLI's import start without torch (issue 15: `ganzoo --help` took 1.4 s)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import EntryPoint

import pytest

from ganzoo import catalogue
from ganzoo.discovery import PluginInfo
from ganzoo.registry import Registry

HEAVY = ("torch", "torchvision", "torch_fidelity")

# Runs the console script's entry point with ARGV and reports, at exit, which heavy modules were imported.
PROBE = """
import atexit, json, sys
imported = lambda: sorted({m.split('.')[0] for m in sys.modules} & set(%r))
atexit.register(lambda: sys.stderr.write("\\nIMPORTED=" + json.dumps(imported())))
sys.argv = ["ganzoo", *%r]
from ganzoo.cli import main
main()
"""


def _heavy_imports(argv: list[str]) -> tuple[int, list[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE % (HEAVY, argv)], capture_output=True, text=True, timeout=120)
    marker = done.stderr.rsplit("IMPORTED=", 1)
    assert len(marker) == 2, done.stderr
    return done.returncode, json.loads(marker[1])


def test_importing_the_cli_does_not_import_torch():
    code = f"import sys, ganzoo.cli, ganzoo; print([m for m in {HEAVY!r} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


HELP = [["--help"], ["--version"], ["train", "--help"], ["eval", "--help"], ["sample", "--help"], ["bench", "--help"]]


@pytest.mark.parametrize("argv", HELP)
def test_help_and_version_do_not_import_torch(argv):
    code, imported = _heavy_imports(argv)
    assert code == 0 and imported == []


def test_the_public_api_still_resolves_lazily():
    import ganzoo

    assert ganzoo.Recipe.__name__ == "Recipe" and ganzoo.DatasetSpec.__name__ == "DatasetSpec"
    assert "ImageDataset" in dir(ganzoo)
    with pytest.raises(AttributeError):
        ganzoo.NoSuchName  # noqa: B018


# -- `ganzoo list` reads a catalogue of the registry's metadata ------------------------------
def test_list_reads_the_catalogue_without_torch_and_shows_the_same(tmp_path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "COLUMNS": "200"}
    command = [sys.executable, "-m", "ganzoo", "list"]
    first = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert first.returncode == 0 and "vanilla" in first.stdout, first.stderr
    assert len(list((tmp_path / "ganzoo").glob("catalogue-*.json"))) == 1
    code = PROBE.replace("import atexit", "import os; os.environ['COLUMNS'] = '200'; import atexit") % (HEAVY, ["list"])
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert second.returncode == 0 and json.loads(second.stderr.rsplit("IMPORTED=", 1)[1]) == []
    assert second.stdout == first.stdout


def test_the_catalogue_holds_what_the_registry_holds(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    built = catalogue.listing_registry()  # builds the registry and writes the catalogue
    read = catalogue.listing_registry()  # reads it back
    assert read is not built and catalogue._encode(read) == catalogue._encode(built)
    with pytest.raises(RuntimeError, match="holds no code"):
        read.generator("mlp").factory(latent_dim=2, image_shape=(1, 4, 4))


def test_editing_a_plugin_changes_the_catalogue_key(tmp_path, monkeypatch):
    (tmp_path / "my_gan_plugin.py").write_text("# a plugin\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(catalogue, "_selected_entry_points", lambda: [EntryPoint("my-gan", "my_gan_plugin", "ganzoo")])
    before = catalogue.catalogue_key()
    stamp = (tmp_path / "my_gan_plugin.py").stat().st_mtime_ns + 10**9
    os.utime(tmp_path / "my_gan_plugin.py", ns=(stamp, stamp))
    assert catalogue.catalogue_key() != before


def test_no_catalogue_while_a_plugin_fails(tmp_path, monkeypatch):
    registry = Registry()
    registry.plugins.append(PluginInfo("broken", "broken-dist", "0.1", "broken", error="import failed: ImportError"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(catalogue, "get_registry", lambda: registry)
    assert catalogue.listing_registry() is registry
    assert not list(tmp_path.rglob("catalogue-*.json"))  # tried again next time
