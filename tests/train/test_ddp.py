"""Data-parallel training with 2 CPU processes under torchrun (gloo): the CLI, and every registered recipe."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ddp_recipes  # noqa: E402

from ganzoo.train import Trainer  # noqa: E402

RECIPES = ddp_recipes.recipe_names(ddp_recipes.make_registry())  # every installed recipe (the example plugin's too) but the presets

ARGS = ["--batch-size", "16", "--log-every", "2", "--sample-every", "100", "--checkpoint-every", "2", "-q"]


def _run(out, steps, nproc=1, *extra):
    ganzoo = ["-m", "ganzoo", "train", "vanilla", "--data", "mnist", "--out", str(out), "--steps", str(steps), *ARGS, *extra]
    if nproc > 1:
        command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", str(nproc), *ganzoo]
    else:
        command = [sys.executable, *ganzoo]
    env = {**os.environ, "GANZOO_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def _meta(out, step):
    return json.loads((out / "checkpoints" / f"step-{step:07d}.json").read_text())


@pytest.mark.slow
def test_two_processes_agree_and_resume_across_world_sizes(tmp_path):
    run = tmp_path / "ddp"
    done = _run(run, 4, 2)
    assert done.stdout.count("finished at step 4") == 1  # only rank 0 reports
    meta = _meta(run, 4)
    assert meta["world_size"] == 2 and meta["ranks_agree"] is True
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [2, 4]  # one writer, no duplicated lines

    _run(run, 6, 1, "--resume")  # written by 2 processes, continued by 1
    assert _meta(run, 6)["world_size"] == 1

    single = tmp_path / "single"
    _run(single, 2, 1)
    _run(single, 4, 2, "--resume")  # written by 1 process, continued by 2
    meta = _meta(single, 4)
    assert meta["world_size"] == 2 and meta["ranks_agree"] is True


def test_torchrun_without_out_is_refused(monkeypatch):
    from typer.testing import CliRunner

    from ganzoo.cli import app

    monkeypatch.setenv("WORLD_SIZE", "2")
    result = CliRunner().invoke(app, ["train", "vanilla", "--data", "mnist"])
    assert result.exit_code == 2 and "Under torchrun, pass --out" in result.output


@pytest.fixture(scope="module")
def every_recipe(tmp_path_factory):
    """One torchrun launch of 2 processes that trains every recipe (see ddp_recipes.py), with the
    1-process halves of the resume checks around it; returns (OUT, each rank's report)."""
    out = tmp_path_factory.mktemp("ddp-recipes")
    registry = ddp_recipes.make_registry()
    steps = ddp_recipes.STEPS
    for recipe in RECIPES:  # written by 1 process, to be continued by 2
        config = ddp_recipes.tiny_config(registry, recipe, steps)
        Trainer(config, out / recipe / "single", registry=registry, progress=False).fit()
    script = Path(ddp_recipes.__file__)
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2", str(script)]
    command.append(str(out))
    env = {**os.environ, "GANZOO_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for recipe in RECIPES:  # written by 2 processes, continued by 1
        config = ddp_recipes.tiny_config(registry, recipe, 2 * steps)
        Trainer(config, out / recipe / "ddp", registry=registry, resume=True, progress=False).fit()
    reports = [json.loads((out / f"rank-{rank}.json").read_text()) for rank in (0, 1)]
    return out, reports


@pytest.mark.slow
@pytest.mark.parametrize("recipe", RECIPES)
def test_every_recipe_under_ddp(every_recipe, recipe):
    out, (rank0, rank1) = every_recipe
    steps = ddp_recipes.STEPS
    assert rank0[recipe]["world_size"] == rank1[recipe]["world_size"] == 2
    assert rank0[recipe]["holds_lock"] and not rank1[recipe]["holds_lock"]  # rank 0 holds the run's lock
    # the ranks agree on every weight after training, and after resuming a 1-process checkpoint in 2
    assert rank0[recipe]["ddp"] == rank1[recipe]["ddp"]
    assert rank0[recipe]["resumed"] == rank1[recipe]["resumed"]
    meta = _meta(out / recipe / "ddp", steps)
    assert meta["world_size"] == 2 and meta["ranks_agree"] is True
    records = [json.loads(line) for line in (out / recipe / "ddp" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == list(range(1, 2 * steps + 1))  # one writer; 2 steps by 2 processes, 2 by 1
    assert _meta(out / recipe / "ddp", 2 * steps)["world_size"] == 1  # written by 2 processes, resumed in 1
    assert _meta(out / recipe / "single", steps)["world_size"] == 1
    resumed = _meta(out / recipe / "single", 2 * steps)  # written by 1 process, resumed in 2
    assert resumed["world_size"] == 2 and resumed["ranks_agree"] is True


@pytest.mark.slow
def test_gradient_penalty_under_ddp_equals_one_process_on_the_global_batch(every_recipe):
    _, (rank0, rank1) = every_recipe
    checked = {recipe: report["penalty"] for recipe, report in rank0.items() if report["penalty"] is not None}
    assert "wgan-gp" in checked  # every recipe whose loss reports a penalty ("gp") is checked
    for recipe, penalty in checked.items():
        assert penalty["ddp"] == pytest.approx(penalty["single"], rel=1e-5), recipe
        assert penalty["local"] != pytest.approx(penalty["single"], rel=1e-3), "the halves should differ from the whole"
        assert penalty["max_relative_grad_gap"] < 1e-4, recipe  # the averaged critic gradients
        assert rank1[recipe]["penalty"]["ddp"] == penalty["ddp"]
        assert rank1[recipe]["penalty"]["max_relative_grad_gap"] < 1e-4, recipe
