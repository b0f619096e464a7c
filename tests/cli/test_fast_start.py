"""Help, version and the CLI's import start without torch (issue 15: `ganzoo --help` took 1.4 s)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("torch", "torchvision", "torch_fidelity")

# Runs the console script's entry point with ARGV and reports, at exit, which heavy modules were imported.
PROBE = """
import atexit, json, sys
atexit.register(lambda: sys.stderr.write("\\nIMPORTED=" + json.dumps(sorted({m.split('.')[0] for m in sys.modules} & set(%r)))))
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


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["train", "--help"], ["eval", "--help"], ["sample", "--help"], ["bench", "--help"]])
def test_help_and_version_do_not_import_torch(argv):
    code, imported = _heavy_imports(argv)
    assert code == 0 and imported == []


def test_the_public_api_still_resolves_lazily():
    import ganzoo

    assert ganzoo.Recipe.__name__ == "Recipe" and ganzoo.DatasetSpec.__name__ == "DatasetSpec"
    assert "ImageDataset" in dir(ganzoo)
    with pytest.raises(AttributeError):
        ganzoo.NoSuchName  # noqa: B018
