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
RECIPES = {"vanilla", "dcgan", "wgan-gp", "cgan", "lsgan"}


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    if not list((REPO / RESULTS).glob("*/result.json")):
        pytest.skip("no committed leaderboard results")
    tmp = tmp_path_factory.mktemp("board")
    shutil.copy(REPO / "README.md", tmp / "README.md")
    write_leaderboard(REPO / RESULTS, tmp / "docs" / "leaderboard.md", readme=tmp / "README.md", source=RESULTS)
    return tmp


def test_the_grid_covers_five_recipes_two_datasets_three_seeds():
    results = load_results(REPO / RESULTS)
    cells = {(r["cell"]["recipe"], r["cell"]["dataset"], r["cell"]["seed"]) for r in results}
    assert cells == {(recipe, data, seed) for recipe in RECIPES for data in ("mnist", "fashion-mnist") for seed in range(3)}
    assert len({json.dumps(r["settings"], sort_keys=True) for r in results}) == 1  # one protocol


def test_docs_page_json_and_readme_block_are_regenerated_unchanged(regenerated):
    assert (regenerated / "docs" / "leaderboard.md").read_text() == (REPO / "docs" / "leaderboard.md").read_text()
    assert json.loads((regenerated / "docs" / "leaderboard.json").read_text()) == json.loads((REPO / "docs" / "leaderboard.json").read_text())
    assert (regenerated / "README.md").read_text() == (REPO / "README.md").read_text()


def test_every_image_of_the_page_is_committed(regenerated):
    page = (REPO / "docs" / "leaderboard.md").read_text()
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", page)
    assert len(images) == 2 * len(RECIPES) * 2  # samples and losses, per recipe and dataset
    assert all((REPO / "docs" / image).is_file() for image in images)
