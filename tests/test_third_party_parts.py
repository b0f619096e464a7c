"""A third-party plugin with a RaGAN loss, a lazy R1 regulariser and an augmentation, trained from the CLI.

The plugin's module is the example in docs/plugins.md, installed as a fake distribution on
PYTHONPATH (a dist-info folder with entry points, as tests/test_broken_plugins.py does), so the
documented API is what is tested. A run split by --resume between two lazy R1 evaluations ends
with the same weights as an uninterrupted one.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from ganzoo.train.checkpoint import load_checkpoint

DOCS = Path(__file__).resolve().parent.parent / "docs" / "plugins.md"
MARKER = "<!-- example: losses-and-augmentation -->"


def documented_example() -> str:
    """The python block right after the marker in the plugin guide."""
    text = DOCS.read_text()
    match = re.search(re.escape(MARKER) + r"\s*```python\n(.*?)```", text, re.S)
    assert match, f"docs/plugins.md lost its example after {MARKER}"
    return match.group(1)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    info = root / "ganzoo_relativistic-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ganzoo-relativistic\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[ganzoo]\nrelativistic = ganzoo_relativistic\n")
    (root / "ganzoo_relativistic.py").write_text(documented_example())
    return root


def _ganzoo(site, *args):
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]),
        "COLUMNS": "250",
        "OMP_NUM_THREADS": "1",
    }
    return subprocess.run([sys.executable, "-m", "ganzoo", *args], capture_output=True, text=True, env=env, timeout=300)


ARGS = [
    "vanilla",
    "--data",
    "mnist",
    "--loss",
    "my-ragan+my-r1",
    "--augment",
    "my-shift",
    "--batch-size",
    "16",
    "--log-every",
    "1",
    "--checkpoint-every",
    "3",
    "-q",
]


def test_the_documented_plugin_passes_the_kit_and_trains_from_the_cli(site, tmp_path):
    check = _ganzoo(site, "plugins", "check", "ganzoo-relativistic")
    assert check.returncode == 0 and "0 failure(s)" in check.stdout, check.stdout + check.stderr
    assert "my-ragan" in _ganzoo(site, "list", "losses").stdout

    straight = _ganzoo(site, "train", *ARGS, "--steps", "6", "--out", str(tmp_path / "straight"))
    assert straight.returncode == 0, straight.stderr
    # my-r1 runs every 16 D updates: at step 0 only; the split run resumes at step 3
    first = _ganzoo(site, "train", *ARGS, "--steps", "3", "--out", str(tmp_path / "split"))
    assert first.returncode == 0, first.stderr
    resumed = _ganzoo(site, "train", *ARGS, "--steps", "6", "--out", str(tmp_path / "split"), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    a = load_file(str(tmp_path / "straight" / "checkpoints" / "step-0000006.safetensors"))
    b = load_file(str(tmp_path / "split" / "checkpoints" / "step-0000006.safetensors"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    _, state, _ = load_checkpoint(tmp_path / "split")
    assert state["loss"] == {"my-r1": {"evaluations": 1}}  # the plugin's own state, through the checkpoint


def test_an_undeclared_double_backward_fails_the_kit(tmp_path):
    root = tmp_path / "site"
    root.mkdir()
    info = root / "ganzoo_undeclared-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ganzoo-undeclared\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[ganzoo]\nundeclared = ganzoo_undeclared\n")
    source = documented_example().replace('regularizer=True, needs=("double_backward",)', "regularizer=True")
    assert source != documented_example()
    (root / "ganzoo_undeclared.py").write_text(source)
    check = _ganzoo(root, "plugins", "check", "ganzoo-undeclared")
    assert check.returncode == 1 and "does not declare" in check.stdout and "needs=('double_backward',)" in check.stdout
