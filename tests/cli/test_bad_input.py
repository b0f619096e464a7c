"""The bad-input catalogue: every row exits 2 with one clear paragraph, no traceback, nothing lost.

docs/errors.md shows the same rows; a test below keeps the two in step.
"""

from __future__ import annotations

import errno
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from PIL import Image
from safetensors import SafetensorError
from typer.testing import CliRunner

from ganzoo.cli import app

DOCS = Path(__file__).resolve().parents[2] / "docs" / "errors.md"
TINY = ["--steps", "2", "--batch-size", "8", "--log-every", "1", "--sample-every", "2", "--checkpoint-every", "2", "-q"]


@dataclass(frozen=True)
class Case:
    input: str  # the row's first column in docs/errors.md
    args: tuple[str, ...]  # {run}: a trained unconditional run, {cond}: a conditional one, {tmp}: a scratch folder
    message: str  # a fragment of the error, also quoted in docs/errors.md
    inject: Callable[[pytest.MonkeyPatch], None] | None = None  # makes the environment refuse writes


def _failing_writes(code: int) -> Callable[[pytest.MonkeyPatch], None]:
    """Every atomic write (config, checkpoints, grids, sample outputs) fails with OSError(code)."""

    def inject(monkeypatch: pytest.MonkeyPatch) -> None:
        def refuse(path, write):
            raise OSError(code, errno.errorcode[code])

        monkeypatch.setattr("ganzoo.base.atomic._write_then_rename", refuse)

    return inject


def _disk_full_at_checkpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*args, **kwargs):
        raise SafetensorError("Error while serializing: I/O error: No space left on device (os error 28)")

    monkeypatch.setattr("ganzoo.train.checkpoint.save_file", full)


CATALOGUE = [
    Case("unknown recipe", ("train", "vanila", "--data", "mnist"), "Unknown recipe 'vanila'. Did you mean 'vanilla'?"),
    Case("unknown part", ("train", "vanilla", "--data", "mnist", "--generator", "mpl"), "Unknown generator 'mpl'. Did you mean 'mlp'?"),
    Case("unknown dataset", ("train", "vanilla", "--data", "mnits"), "Unknown dataset 'mnits'. Did you mean 'mnist'"),
    Case("recipe and parts both missing", ("train", "--data", "mnist", "--generator", "mlp"), "Name a recipe"),
    Case("steps ≤ 0", ("train", "vanilla", "--data", "mnist", "--steps", "0"), "--steps must be a positive whole number"),
    Case("batch size 0", ("train", "vanilla", "--data", "mnist", "--batch-size", "0"), "--batch-size must be a positive whole number"),
    Case("negative learning rate", ("train", "vanilla", "--data", "mnist", "--lr-d", "-0.1"), "--lr-d must be between 0 and 1"),
    Case("malformed betas", ("train", "vanilla", "--data", "mnist", "--betas", "0.5"), "--betas takes two numbers"),
    Case("unknown precision", ("train", "vanilla", "--data", "mnist", "--precision", "fp8"), "--precision must be one of fp32, bf16, fp16"),
    Case("data root without the files", ("train", "vanilla", "--data", "mnist", "--data-root", "{tmp}/empty"), "is missing files in {tmp}/empty/MNIST/raw"),
    Case("output directory holding another run", ("train", "vanilla", "--data", "mnist", "--out", "{run}", *TINY), "already holds a ganzoo run. Pass --resume"),
    Case("output directory holding other files", ("train", "vanilla", "--data", "mnist", "--out", "{tmp}", *TINY), "already holds files that are not a ganzoo run"),
    Case("unwritable output directory", ("train", "vanilla", "--data", "mnist", "--out", "{run}/config.json/run", *TINY), "Cannot write to the output directory"),
    Case("--resume and --overwrite together", ("train", "vanilla", "--data", "mnist", "--out", "{run}", "--resume", "--overwrite"), "--resume and --overwrite contradict"),
    Case("--resume without --out", ("train", "vanilla", "--data", "mnist", "--resume"), "--resume needs --out RUN_DIR"),
    Case("--resume changing the run", ("train", "vanilla", "--data", "mnist", "--out", "{run}", "--resume", "--batch-size", "4"), "--batch-size cannot change when resuming"),
    Case("--resume of another dataset", ("train", "vanilla", "--data", "fashion-mnist", "--out", "{run}", "--resume"), "resume it with the same recipe and --data"),
    Case("run directory that does not exist", ("sample", "{tmp}/nothing", "--out", "{tmp}/x.png"), "does not exist"),
    Case("folder that is not a run", ("sample", "{tmp}", "--out", "{tmp}/x.png"), "is not a ganzoo run directory"),
    Case("run directory without a checkpoint", ("sample", "{bare}", "--out", "{tmp}/x.png"), "holds no checkpoint"),
    Case("malformed config.json", ("sample", "{broken}", "--out", "{tmp}/x.png"), "Could not read the configuration"),
    Case("unknown output format", ("sample", "{run}", "--out", "{tmp}/x.jpg"), "--out must end in .png or .safetensors"),
    Case("--n ≤ 0", ("sample", "{run}", "--out", "{tmp}/x.png", "--n", "0"), "--n must be a positive whole number"),
    Case("--class on an unconditional run", ("sample", "{run}", "--out", "{tmp}/x.png", "--class", "3"), "--class needs a conditional run"),
    Case("class ≥ num_classes", ("sample", "{cond}", "--out", "{tmp}/x.png", "--class", "10"), "--class must be between 0 and 9"),
    Case("misspelt pretrained name", ("sample", "cgan-mnst", "--out", "{tmp}/x.png"), "Did you mean 'cgan-mnist'"),
    Case("--class beyond a pretrained model's classes", ("sample", "cgan-mnist", "--out", "{tmp}/x.png", "--class", "10"), "--class must be between 0 and 9"),
    Case("unknown kind", ("list", "optimizers", "*"), "Unknown kind 'optimizers'"),
    Case("folder dataset with non-image files", ("train", "dcgan", "--data", "folder:{junk}", "--out", "{tmp}/new"), "holds files that are not images: notes.txt"),
    Case("conditional run on an unlabelled dataset", ("train", "cgan", "--data", "folder:{imgs}", "--out", "{tmp}/new"), "has no labels"),
    Case("corrupt image in a folder dataset", ("train", "dcgan", "--data", "folder:{corrupt}", "--out", "{tmp}/new"), "holds 1 unreadable or corrupt image file(s): broken.png"),
    Case("conditional run on a one-class folder", ("train", "cgan", "--data", "folder:{oneclass}", "--out", "{tmp}/new"), "has one class only"),
    Case("incompatible parts", ("train", "dcgan", "--data", "mnist", "--discriminator", "projection", "--out", "{tmp}/new"), "needs class labels, but this run is unconditional"),
    Case(
        "batch that does not split into packs", ("train", "dcgan", "--data", "mnist", "--discriminator", "pacgan", "--set", "discriminator.pack=3", "--out", "{tmp}/new"),
        "needs batches of a multiple of 3 images",
    ),
    Case("pack out of range", ("train", "dcgan", "--data", "mnist", "--discriminator", "pacgan", "--set", "discriminator.pack=5", "--out", "{tmp}/new"), "pack must be 2, 3 or 4"),
    Case("unknown wrapped part", ("train", "dcgan", "--data", "mnist", "--discriminator", "pacgan", "--set", "discriminator.inner=infogam", "--out", "{tmp}/new"), "Unknown discriminator 'infogam'"),
    Case("grid with two budgets", ("bench", "--recipes", "vanilla", "--data", "mnist", "--steps", "4", "--images", "64", "--out", "{tmp}/grid"), "Give the grid's budget as at most one of --steps N"),
    Case("grid pattern matching no recipe", ("bench", "--recipes", "nothing-*", "--data", "mnist", "--steps", "2", "--out", "{tmp}/grid"), "--recipes pattern 'nothing-*' matches no recipe"),
    Case("grid re-run with other settings", ("bench", "--recipes", "vanilla", "--data", "mnist", "--steps", "3", "--seeds", "1", "--out", "{grid}"), "was started with other settings"),
    Case("leaderboard of a folder without results", ("leaderboard", "{tmp}", "--out", "{tmp}/board.md"), "holds no benchmark results"),
    Case(
        "disk full while writing a checkpoint", ("train", "vanilla", "--data", "mnist", "--out", "{tmp}/new", *TINY),
        "the disk is full (No space left on device", _disk_full_at_checkpoints,
    ),
    Case(
        "read-only file system", ("train", "vanilla", "--data", "mnist", "--out", "{tmp}/new", *TINY),
        "the file system is read-only (Read-only file system", _failing_writes(errno.EROFS),
    ),
    Case(
        "permission denied for the output", ("sample", "{run}", "--out", "{tmp}/x.png"),
        "permission was denied (Permission denied", _failing_writes(errno.EACCES),
    ),
]


def _invoke(*args):
    return CliRunner().invoke(app, list(args), terminal_width=400)


@pytest.fixture(scope="module")
def places(tmp_path_factory):
    base = tmp_path_factory.mktemp("catalogue")
    run, cond = base / "run", base / "cond"
    assert _invoke("train", "vanilla", "--data", "mnist", "--out", str(run), *TINY).exit_code == 0
    assert _invoke("train", "vanilla", "--data", "mnist", "--conditional", "--out", str(cond), *TINY).exit_code == 0
    bare = base / "bare"
    assert _invoke("train", "vanilla", "--data", "mnist", "--out", str(bare), *TINY).exit_code == 0
    for path in (bare / "checkpoints").iterdir():
        path.unlink()
    broken = base / "broken"
    assert _invoke("train", "vanilla", "--data", "mnist", "--out", str(broken), *TINY).exit_code == 0
    (broken / "config.json").write_text('{"config": {"dataset": "mnist",')
    imgs, junk = base / "imgs", base / "junk"
    for folder in (imgs, junk):
        folder.mkdir()
        Image.new("L", (28, 28), 128).save(folder / "a.png")
    (junk / "notes.txt").write_text("not an image")
    corrupt, oneclass = base / "corrupt", base / "oneclass"
    (oneclass / "cats").mkdir(parents=True)
    corrupt.mkdir()
    Image.new("L", (28, 28), 128).save(corrupt / "a.png")
    Image.new("L", (28, 28), 128).save(oneclass / "cats" / "a.png")
    (corrupt / "broken.png").write_bytes(b"not a png")
    grid = base / "grid"
    assert _invoke("bench", "--recipes", "vanilla", "--data", "mnist", "--steps", "2", "--seeds", "1", "--eval-n", "20", "--metrics", "fid", "--out", str(grid), "-q").exit_code == 0
    return {"run": run, "cond": cond, "bare": bare, "broken": broken, "imgs": imgs, "junk": junk, "corrupt": corrupt, "oneclass": oneclass, "grid": grid}


def _digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


@pytest.mark.parametrize("case", CATALOGUE, ids=[c.input for c in CATALOGUE])
def test_bad_input_exits_2_with_one_paragraph(case, places, tmp_path, monkeypatch):
    (tmp_path / "stray.txt").write_text("a file of the user's")
    names = {**{k: str(v) for k, v in places.items()}, "tmp": str(tmp_path)}
    before = {k: _digest(v) for k, v in places.items()}
    if case.inject:
        case.inject(monkeypatch)
    result = _invoke(*(a.format(**names) for a in case.args))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    if case.inject and lines[0].startswith("training "):  # failed after training started, announced first
        lines = lines[next(i for i, line in enumerate(lines) if line.startswith("error: ")) :]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output  # one paragraph
    assert case.message.format(**names) in lines[0]
    assert {k: _digest(v) for k, v in places.items()} == before  # nothing of an existing run changed
    assert (tmp_path / "stray.txt").read_text() == "a file of the user's"


def test_debug_shows_the_traceback():
    result = _invoke("--debug", "train", "vanila", "--data", "mnist")
    assert result.exit_code == 2 and "Traceback" in result.output


def test_every_catalogue_row_is_documented():
    text = DOCS.read_text()
    for case in CATALOGUE:
        assert f"| {case.input} |" in text, f"docs/errors.md lacks the row {case.input!r}"
        assert case.message.split("{")[0] in text, f"docs/errors.md lacks the message of {case.input!r}"
