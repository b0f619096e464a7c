"""``ganzoo bench``: the grid runs, records one result per cell, skips, resumes and survives failures."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ganzoo import Recipe
from ganzoo.bench import Budget, Cell, GridRunner, Settings, expand_grid, match_recipes
from ganzoo.bench import runner as runner_module
from ganzoo.cli import app
from ganzoo.discovery import get_registry, reset_registry
from ganzoo.errors import ConfigError

TINY = ["--steps", "4", "--eval-n", "40", "--metrics", "fid,kid", "-q"]


def invoke(*args):
    return CliRunner().invoke(app, ["bench", *map(str, args)])


def result_of(out, cell_id):
    return json.loads((out / cell_id / "result.json").read_text())


def test_budget_in_steps_images_or_each_recipes_default():
    assert Budget(steps=7).steps_for(64, 5, 3000) == 7
    assert Budget(images=6400).steps_for(64, 1, 3000) == 100
    assert Budget(images=6400).steps_for(64, 5, 3000) == 20  # a 5-critic-step recipe: same real images, fewer G steps
    assert Budget().steps_for(64, 5, 3000) == 3000 and Budget().recipe_default  # what `ganzoo train RECIPE` trains
    assert Budget().to_dict() == {"recipe_default": True} and "default" in Budget().describe()
    with pytest.raises(ConfigError, match="at most one"):
        Budget(steps=1, images=1)
    with pytest.raises(ConfigError, match="positive"):
        Budget(steps=0)


def test_grid_expansion_and_recipe_patterns():
    registry = get_registry()
    assert match_recipes(registry, "vanilla,*gan") == ["vanilla"] + [n for n in registry.names("recipe", "*gan") if n != "vanilla"]
    with pytest.raises(ConfigError, match="matches no recipe"):
        match_recipes(registry, "nothing-*")
    with pytest.raises(ConfigError, match="Unknown recipe"):
        match_recipes(registry, "dcgna")
    cells = expand_grid(["a", "b"], ["mnist", "folder:/x/my images"], [0, 1])
    assert len(cells) == 8 and cells[0] == Cell("a", "mnist", 0) and cells[-1] == Cell("b", "folder:/x/my images", 1)
    assert Cell("a", "folder:/x/my images", 1).id == "a--folder_x_my_images--seed1"


def test_a_grid_writes_one_result_per_cell_and_a_rerun_skips_them(tmp_path):
    out = tmp_path / "results"
    result = invoke("--recipes", "vanilla", "--data", "mnist,fashion-mnist", "--seeds", "2", "--out", out, *TINY)
    assert result.exit_code == 0, result.output
    ids = ["vanilla--mnist--seed0", "vanilla--mnist--seed1", "vanilla--fashion-mnist--seed0", "vanilla--fashion-mnist--seed1"]
    assert sorted(p.name for p in out.iterdir()) == sorted(ids)
    first = result_of(out, ids[0])
    assert first["status"] == "done" and first["cell"] == {"id": ids[0], "recipe": "vanilla", "dataset": "mnist", "seed": 0}
    assert first["training"]["steps"] == 4 and first["training"]["batch_size"] == 64 and first["training"]["precision"] == "fp32"
    assert set(first["metrics"]) >= {"fid", "kid", "classes_covered"} and first["metrics"]["fid"] > 0
    assert first["protocol"]["n_fake"] == 40 and first["protocol"]["feature_extractor"] == "ganzoo-mnist"
    assert result_of(out, ids[2])["protocol"]["feature_extractor"] == "ganzoo-fashion-mnist"
    assert first["images_per_s"] > 0 and first["train_wall_s"] > 0 and first["versions"]["torch"] and first["hardware"]["cpu_count"]
    assert (out / ids[0] / "samples.png").is_file() and (out / ids[0] / "metrics.jsonl").is_file()
    seeds_differ = result_of(out, ids[0])["metrics"]["fid"] != result_of(out, ids[1])["metrics"]["fid"]
    assert seeds_differ
    before = {i: (out / i / "result.json").read_text() for i in ids}
    again = invoke("--recipes", "vanilla", "--data", "mnist,fashion-mnist", "--seeds", "2", "--out", out, *TINY)
    assert again.exit_code == 0, again.output
    assert "4 already done" in again.output and "running" not in again.output
    assert {i: (out / i / "result.json").read_text() for i in ids} == before


def test_a_failing_cell_is_recorded_and_the_grid_goes_on(tmp_path):
    get_registry().add("recipe", Recipe(name="broken", generator="mlp", discriminator="mlp", loss="bce", generator_options={"no_such_option": 1}))
    try:
        out = tmp_path / "results"
        result = invoke("--recipes", "broken,vanilla", "--data", "mnist", "--seeds", "1", "--out", out, *TINY)
        assert result.exit_code == 1, result.output
        failed = result_of(out, "broken--mnist--seed0")
        assert failed["status"] == "failed" and "no_such_option" in failed["error"] and "Traceback" in failed["traceback"]
        assert result_of(out, "vanilla--mnist--seed0")["status"] == "done"
        assert "1 cells failed" in result.output and "Traceback" not in result.output
    finally:
        reset_registry()


def test_changed_settings_are_refused_before_anything_runs(tmp_path):
    out = tmp_path / "results"
    assert invoke("--recipes", "vanilla", "--data", "mnist", "--seeds", "1", "--out", out, *TINY).exit_code == 0
    before = (out / "vanilla--mnist--seed0" / "result.json").read_text()
    result = invoke("--recipes", "vanilla", "--data", "mnist", "--seeds", "1", "--out", out, *TINY[:-1], "-q", "--steps", "5")
    assert result.exit_code == 2 and "other settings" in result.output and "Traceback" not in result.output
    assert (out / "vanilla--mnist--seed0" / "result.json").read_text() == before


@pytest.mark.parametrize(
    "args, message",
    [
        (["--data", "mnist", "--steps", "4", "--images", "64"], "at most one"),
        (["--data", "nonexistent", "--steps", "4"], "Unknown dataset"),
        (["--data", "mnist", "--steps", "4", "--seeds", "0"], "at least 1"),
        (["--data", "mnist", "--steps", "4", "--seed-list", "1,x"], "integers"),
        (["--data", "mnist", "--steps", "4", "--precision", "fp8"], "--precision"),
        (["--data", "mnist", "--steps", "4", "--metrics", "fid,xyz"], "xyz"),
    ],
)
def test_bad_grid_input_is_one_paragraph_and_exit_2(tmp_path, args, message):
    result = invoke("--recipes", "vanilla", "--out", tmp_path / "r", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "r").exists()


class _StopAtStep2(runner_module.Trainer):
    """A trainer that asks itself to stop at step 2, as Ctrl-C would."""

    def setup(self):
        super().setup()
        self.callbacks.append(lambda trainer, step: trainer.request_stop() if step == 2 else None)


def test_a_stopped_cell_resumes_from_its_checkpoint(tmp_path, monkeypatch):
    registry = get_registry()
    settings = Settings(Budget(steps=8), eval_n=40, metrics=("fid",))
    cells = [Cell("vanilla", "mnist", 0), Cell("vanilla", "mnist", 1)]
    monkeypatch.setattr(runner_module, "Trainer", _StopAtStep2)
    outcomes = GridRunner(registry, cells, settings, tmp_path, progress=False).run()
    assert [o.status for o in outcomes] == ["stopped"]  # the grid stops with the cell
    assert not (tmp_path / cells[0].id / "result.json").exists()
    assert runner_module.cell_state(tmp_path / cells[0].id) == "partial"
    monkeypatch.setattr(runner_module, "Trainer", _StopAtStep2.__mro__[1])
    outcomes = GridRunner(registry, cells, settings, tmp_path, progress=False).run()
    assert [o.status for o in outcomes] == ["done", "done"]
    resumed = result_of(tmp_path, cells[0].id)
    assert resumed["training"]["resumed"] is True and result_of(tmp_path, cells[1].id)["training"]["resumed"] is False
    steps = [json.loads(line)["step"] for line in (tmp_path / cells[0].id / "metrics.jsonl").read_text().splitlines()]
    assert steps[-1] == 8 and steps == sorted(set(steps))


def test_a_cell_finished_by_another_grid_after_the_check_is_not_trained_again(tmp_path, monkeypatch):
    """Two `ganzoo bench` on one folder: the second checked the cell while the first was still training it."""
    registry = get_registry()
    settings = Settings(Budget(steps=2), eval_n=20, metrics=("fid",))
    cells = [Cell("vanilla", "mnist", 0)]
    (first,) = GridRunner(registry, cells, settings, tmp_path, progress=False).run()
    assert first.status == "done"
    before = (tmp_path / cells[0].id / "result.json").read_text()
    late = GridRunner(registry, cells, settings, tmp_path, progress=False)
    monkeypatch.setattr(late, "check", lambda: {cells[0].id: "pending"})  # its view before the first grid finished
    (second,) = late.run()
    assert second.status == "skipped" and (tmp_path / cells[0].id / "result.json").read_text() == before
