"""The committed leaderboard is exactly what `ganzoo leaderboard` makes of the committed results."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from ganzoo.bench import load_results, write_leaderboard

REPO = Path(__file__).resolve().parents[2]
RESULTS = "benchmarks/results/leaderboard"
RECIPES = {"vanilla", "dcgan", "wgan-gp", "cgan", "lsgan", "sngan"}


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    if not list((REPO / RESULTS).glob("*/result.json")):
        pytest.skip("no committed leaderboard results")
    tmp = tmp_path_factory.mktemp("board")
    shutil.copy(REPO / "README.md", tmp / "README.md")
    write_leaderboard(REPO / RESULTS, tmp / "docs" / "leaderboard.md", readme=tmp / "README.md", source=RESULTS)
    return tmp


def test_every_cell_is_a_trained_model_under_one_protocol():
    """The grid (run in parts, see benchmarks/leaderboard.py) holds default-budget cells only, and every
    MNIST cell draws every digit class: a leaderboard of untrained models ranks nothing."""
    results = load_results(REPO / RESULTS)
    cells = {(r["cell"]["recipe"], r["cell"]["dataset"], r["cell"]["seed"]) for r in results}
    assert cells <= {(recipe, data, seed) for recipe in RECIPES for data in ("mnist", "fashion-mnist") for seed in range(3)}
    assert len({json.dumps(r["settings"], sort_keys=True) for r in results}) == 1  # one protocol
    assert all(r["settings"]["budget"] == {"recipe_default": True} for r in results)
    mnist = [r for r in results if r["cell"]["dataset"] == "mnist" and r["status"] == "done"]
    assert mnist and all(r["metrics"]["classes_covered"] >= 9 for r in mnist)


def test_docs_page_json_and_readme_block_are_regenerated_unchanged(regenerated):
    assert (regenerated / "docs" / "leaderboard.md").read_text() == (REPO / "docs" / "leaderboard.md").read_text()
    assert json.loads((regenerated / "docs" / "leaderboard.json").read_text()) == json.loads((REPO / "docs" / "leaderboard.json").read_text())
    assert (regenerated / "README.md").read_text() == (REPO / "README.md").read_text()


def test_every_image_of_the_page_is_committed(regenerated):
    page = (REPO / "docs" / "leaderboard.md").read_text()
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", page)
    board = json.loads((REPO / "docs" / "leaderboard.json").read_text())
    ranked = sum(len(table["ranked"]["rows"]) for table in board["datasets"].values() if table.get("ranked"))
    assert len(images) == 2 * ranked  # samples and losses, per ranked recipe and dataset
    assert all((REPO / "docs" / image).is_file() for image in images)
