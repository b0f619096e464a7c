"""What a new user and a batch job see in the first hour (issue 15), each checked end to end."""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from ganzoo.cli import app
from ganzoo.discovery import get_registry
from ganzoo.errors import ConfigError
from ganzoo.registry import KINDS
from ganzoo.train.speed import images_per_s_of

TINY = ["--steps", "4", "--batch-size", "16", "--log-every", "2", "--sample-every", "2", "--checkpoint-every", "2",
        "-q"]  # fmt: skip


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args], terminal_width=400)


@pytest.fixture(scope="module")
def run(tmp_path_factory, data_root):
    path = tmp_path_factory.mktemp("first-hour") / "vanilla-mnist"
    result = invoke("train", "vanilla", "--data", "mnist", "--out", path, *TINY)
    assert result.exit_code == 0, result.output
    return path, result.output


# -- progress in a log, and the exit code of Ctrl-C / SIGTERM ----------------------------------
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_redirected_run_logs_progress_while_it_trains_and_a_signal_exits_130(tmp_path, data_root, signum):
    log, out = tmp_path / "train.log", tmp_path / "run"
    env = {**os.environ, "GANZOO_PROGRESS_SECONDS": "0.2", "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "ganzoo", "train", "vanilla", "--data", "mnist", "--steps", "100000",
               "--batch-size", "16", "--log-every", "5", "--sample-every", "100000", "--checkpoint-every", "100000",
               "--out", str(out)]  # fmt: skip
    with open(log, "w") as handle:
        process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 240
        # two lines: periodic, not once at exit
        while len(re.findall(r"^train step \d+/100000", log.read_text(), re.M)) < 2:
            assert process.poll() is None, log.read_text()  # still training
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        process.send_signal(signum)
        code = process.wait(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    text = log.read_text()
    assert code == 130, text
    line = r"train step \d+/100000 \(0%\)  loss_d \d\.\d{3}  loss_g \d\.\d{3}  \d+ images/s  elapsed \d:\d\d:\d\d  eta"
    assert re.search(line, text), text
    assert "stopped at step" in text and "continue with --resume" in text and "Traceback" not in text
    assert list((out / "checkpoints").glob("*.safetensors"))


# -- one speed ---------------------------------------------------------------------------------
def test_the_summary_shows_the_speed_of_metrics_jsonl_and_splits_the_wall_time(run):
    path, output = run
    shown = float(re.search(r"at (\d+) images/s", output).group(1))
    records = [json.loads(line) for line in (path / "metrics.jsonl").read_text().splitlines()]
    assert shown == pytest.approx(images_per_s_of(records), rel=0.02, abs=1)
    split = r"finished at step 4 in [\d.]+ s: start-up [\d.]+ s, training [\d.]+ s \(4 steps at \d+ images/s\)"
    assert re.search(split, output)


def test_resuming_a_finished_run_says_there_is_nothing_to_train(run):
    path, _ = run
    result = invoke("train", "vanilla", "--data", "mnist", "--out", path, "--resume", "-q")
    assert result.exit_code == 0, result.output
    assert "nothing to train: the run is already at step 4 of 4" in result.output and "images/s" not in result.output


# -- files respect the umask -------------------------------------------------------------------
@pytest.mark.parametrize("umask,mode", [(0o022, 0o644), (0o077, 0o600)])
def test_written_files_follow_the_umask(tmp_path, data_root, umask, mode):
    old = os.umask(umask)
    try:
        path = tmp_path / "run"
        assert invoke("train", "vanilla", "--data", "mnist", "--out", path, *TINY).exit_code == 0
        assert invoke("sample", path, "--out", tmp_path / "grid.png", "--n", "4").exit_code == 0
        assert invoke("sample", path, "--out", tmp_path / "x.safetensors", "--n", "4").exit_code == 0
    finally:
        os.umask(old)
    files = [p for p in path.rglob("*") if p.is_file()] + [tmp_path / "grid.png", tmp_path / "x.safetensors"]
    names = {p.name for p in files}
    assert {"config.json", "metrics.jsonl", "step-0000004.png", "step-0000004.safetensors"} <= names
    assert {p.relative_to(tmp_path).as_posix(): oct(stat.S_IMODE(p.stat().st_mode)) for p in files} == {
        p.relative_to(tmp_path).as_posix(): oct(mode) for p in files
    }


# -- sample and eval ---------------------------------------------------------------------------
def test_sample_writes_into_the_run_directory_by_default(run):
    path, _ = run
    result = invoke("sample", path, "--n", "4", "--seed", "7")
    assert result.exit_code == 0, result.output
    assert (path / "samples" / "sample-step0000004-seed7.png").is_file()
    assert "samples/sample-step0000004-seed7.png" in result.output


def test_eval_uses_n_reference_images_and_says_how_to_read_the_table(run):
    path, _ = run
    result = invoke("eval", path, "--n", "20", "--metrics", "fid,is")
    assert result.exit_code == 0, result.output
    record = json.loads((path / "evaluations.jsonl").read_text().splitlines()[-1])
    assert record["protocol"]["n_real"] == 20 and record["protocol"]["n_fake"] == 20  # "as many reference images"
    option = next(p for p in typer.main.get_command(app).commands["eval"].params if p.name == "n")
    assert "as many reference images" in option.help  # and docs/cli.md says the same:
    docs = (Path(__file__).parents[2] / "docs" / "cli.md").read_text()
    assert "generated samples, and as many reference images" in docs
    hint = [line for line in result.output.splitlines() if line.startswith("How to read:")]
    assert len(hint) == 1 and "collapsed" in hint[0]  # 4 steps of training: collapsed, and the line says so


def test_a_missing_run_directory_names_the_runs_nearby_before_anything_else(run):
    path, _ = run
    typo = path.parent / "vanila-mnist"
    resume = ("train", "vanilla", "--data", "mnist", "--out", typo, "--resume")
    for command in (("eval", typo), ("sample", typo), resume):
        result = invoke(*command)
        assert result.exit_code == 2
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: "), result.output  # no "evaluating ..." first
        assert f"Did you mean {path}?" in lines[0] and "does not exist" in lines[0]


# -- errors share one style; names are found whatever their case -------------------------------
@pytest.mark.parametrize(
    "args,fragment",
    [
        (("train", "vanilla", "--data", "mnist", "--stpes", "3"), "No such option: --stpes"),
        (("trian",), "No such command 'trian'. Did you mean 'train'?"),
        (("train",), "Missing option '--data'"),
        (("train", "vanilla", "--data", "mnist", "--steps", "many"), "Invalid value for '--steps'"),
        (("--bogus", "list"), "No such option: --bogus"),
        (("plugins", "check"), "Missing argument"),
    ],
)
def test_usage_errors_look_like_every_other_error(args, fragment):
    result = invoke(*args)
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], result.output
    assert "--help`." in lines[0] and "╭" not in result.output


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_suggests_the_lowercase_name(kind):
    registry = get_registry()
    for name in registry.names(kind):
        if name.upper() == name:
            continue
        with pytest.raises(ConfigError, match=f"Did you mean '{re.escape(name)}'"):
            registry.entry(kind, name.upper())


def test_data_in_capitals_gets_a_did_you_mean():
    result = invoke("train", "vanilla", "--data", "MNIST")
    assert result.exit_code == 2 and "Unknown dataset 'MNIST'. Did you mean 'mnist'" in result.output


# -- the README's first commands say what they do ----------------------------------------------
def test_the_readme_states_the_first_runs_steps_and_outputs_and_the_ci_docs_build():
    from ganzoo.train.config import TrainConfig

    repo = Path(__file__).parents[2]
    readme = " ".join((repo / "README.md").read_text().split())
    recipe, defaults = get_registry().recipe("vanilla"), TrainConfig("mnist", "g", "d", "l")
    assert "ganzoo train vanilla --data mnist" in readme
    assert f"{recipe.steps} generator steps of {recipe.batch_size} real images each" in readme
    assert f"lands in `runs/vanilla-mnist/samples/` every {defaults.sample_every} steps" in readme
    assert f"`runs/vanilla-mnist/checkpoints/` every {defaults.checkpoint_every}" in readme
    if "mkdocs build --strict" in (repo / ".ci" / "run").read_text():  # CI builds the docs: so does the README's set-up
        assert re.search(r"'\.\[test,docs[a-z,]*\]'", readme) and "mkdocs build --strict" in readme


def test_ci_runs_the_readmes_first_command_as_written_in_a_bare_install():
    repo = Path(__file__).parents[2]
    ci = (repo / ".ci" / "run").read_text()
    pattern = re.search(r"first=\$\(grep -m1 '([^']+)' README.md\)", ci).group(1)
    firsts = [line for line in (repo / "README.md").read_text().splitlines() if re.match(pattern, line)]
    assert firsts, "the README's first command no longer matches what .ci/run looks for"
    install = firsts[0].split("&&")[1].strip()
    assert install == ".venv/bin/pip install -e ." and "ganzoo train vanilla --data mnist" in firsts[0]  # bare: no extras
    assert 'bash -c "$first"' in ci and "step-0005000.png" in ci


def test_the_reading_hint_names_collapse_only_when_it_sees_it():
    from ganzoo.cli.evaluate import reading_hint

    collapsed = reading_hint({"fid": 250.0, "is": 1.0, "precision": 0.0, "recall": 0.0, "classes_covered": 1, "num_classes": 10})
    assert "classes covered 1/10" in collapsed and "IS 1.00" in collapsed and "precision and recall near 0" in collapsed
    healthy = reading_hint({"fid": 3.0, "is": 8.9, "precision": 0.7, "recall": 0.6, "classes_covered": 10, "num_classes": 10})
    assert "collapsed" not in healthy and healthy.startswith("How to read: lower FID")
    assert "\n" not in collapsed + healthy  # one line each
