"""A full disk, a denied permission or a read-only file system: exit 2 and one paragraph, not an internal error."""

from __future__ import annotations

import errno
import subprocess
import uuid
from pathlib import Path

import pytest
from PIL import Image
from safetensors import SafetensorError
from typer.testing import CliRunner

from ganzoo.base.atomic import write_atomically
from ganzoo.base.storage import environment_errno
from ganzoo.cli import app
from ganzoo.errors import StorageError
from ganzoo.train import checkpoint as checkpoint_module
from ganzoo.train import run_dir as run_dir_module
from ganzoo.train.checkpoint import list_checkpoints

TINY = ["--batch-size", "8", "--log-every", "1", "--sample-every", "2", "--checkpoint-every", "2", "-q"]
DISK_FULL = "Error while serializing: I/O error: No space left on device (os error 28)"  # as safetensors words it


def _train(out: Path, steps: int, *extra: str):
    args = ["train", "vanilla", "--data", "mnist", "--out", str(out), "--steps", str(steps), *TINY, *extra]
    return CliRunner().invoke(app, args, terminal_width=400)


def _one_paragraph(result) -> str:
    assert result.exit_code == 2, result.output
    assert "internal error" not in result.output and "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    errors = [i for i, line in enumerate(lines) if line.startswith("error: ")]
    assert errors == [len(lines) - 1], result.output  # one paragraph, the last
    assert lines[-1].startswith("error: Could not write "), result.output
    return lines[-1]


def test_which_errors_are_the_environments():
    assert environment_errno(OSError(errno.ENOSPC, "No space left on device")) == errno.ENOSPC
    assert environment_errno(PermissionError(errno.EACCES, "Permission denied")) == errno.EACCES
    assert environment_errno(OSError(errno.EROFS, "Read-only file system")) == errno.EROFS
    assert environment_errno(SafetensorError(DISK_FULL)) == errno.ENOSPC
    assert environment_errno(FileNotFoundError(errno.ENOENT, "No such file")) is None
    assert environment_errno(SafetensorError("Error while deserializing header: HeaderTooLarge")) is None
    assert environment_errno(ValueError("not an OS error")) is None


def test_an_atomic_write_that_fails_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "metrics.json"
    target.write_text("old")

    def full(tmp: Path) -> None:
        tmp.write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(StorageError, match=r"Could not write the thing .*metrics.json: the disk is full") as caught:
        write_atomically(target, full, "the thing")
    assert caught.value.errno == errno.ENOSPC and caught.value.path == target
    assert "free of" in str(caught.value)  # the free space of that file system
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["metrics.json"]

    with pytest.raises(ValueError):  # anything else is not the environment's: it passes through
        write_atomically(target, lambda tmp: (_ for _ in ()).throw(ValueError("a bug")))


def test_disk_full_while_writing_a_checkpoint_then_resume(tmp_path, monkeypatch):
    run = tmp_path / "run"
    real_save = checkpoint_module.save_file

    def fill_at_step_4(tensors, filename, metadata=None):
        if metadata["step"] == "4":
            Path(filename).write_bytes(b"\0" * 100)  # a partial file, as a full disk leaves one
            raise SafetensorError(DISK_FULL)
        real_save(tensors, filename, metadata=metadata)

    monkeypatch.setattr(checkpoint_module, "save_file", fill_at_step_4)
    line = _one_paragraph(_train(run, 6))
    assert f"Could not write the checkpoint of step 4 to {run / 'checkpoints' / 'step-0000004.safetensors'}" in line
    assert "the disk is full (" in line and "free of" in line
    assert f"The checkpoints already in {run / 'checkpoints'} are intact (newest: step 2)" in line
    assert f"`ganzoo train vanilla --data mnist --resume --out {run}`" in line
    assert [c.step for c in list_checkpoints(run)] == [2]
    assert not list((run / "checkpoints").glob(".*.tmp"))

    monkeypatch.setattr(checkpoint_module, "save_file", real_save)  # space freed
    assert _train(run, 6, "--resume").exit_code == 0
    assert list_checkpoints(run)[-1].step == 6


STRERROR = {errno.EROFS: "Read-only file system", errno.EACCES: "Permission denied", errno.ENOSPC: "No space left"}
REASON = {errno.EROFS: "read-only", errno.EACCES: "permission was denied", errno.ENOSPC: "disk is full"}


@pytest.mark.parametrize(
    "where, code, expect",
    [
        ("grid", errno.EROFS, "the sample grid"),
        ("metrics", errno.EACCES, "the metrics log"),
        ("config", errno.ENOSPC, "the run configuration"),
    ],
)
def test_other_writes_of_a_run(tmp_path, monkeypatch, where, code, expect):
    error = OSError(code, STRERROR[code])

    def refuse(*args, **kwargs):
        raise error

    if where == "grid":
        monkeypatch.setattr(Image.Image, "save", refuse)
    elif where == "metrics":
        def appending_refused(path, mode="r", *args, **kwargs):
            return refuse() if "a" in mode else open(path, mode, *args, **kwargs)

        monkeypatch.setattr(run_dir_module, "open", appending_refused, raising=False)
    else:
        real = run_dir_module.write_json_atomically
        failing = lambda path, _, what="": write_atomically(path, refuse, what)  # noqa: E731
        monkeypatch.setattr(run_dir_module, "write_json_atomically", failing)
    line = _one_paragraph(_train(tmp_path / "run", 4))
    assert f"Could not write {expect} to " in line and REASON[code] in line
    if where != "config":  # the run's config.json exists, no checkpoint yet
        assert "No checkpoint had been written yet" in line and "start the run again (--overwrite" in line
    if where == "config":
        assert "run the command again" in line  # the folder holds nothing of a run yet
        monkeypatch.setattr(run_dir_module, "write_json_atomically", real)
        assert _train(tmp_path / "run", 4).exit_code == 0  # nothing to clean up before starting again


def test_sample_output_on_a_read_only_place(tmp_path, monkeypatch):
    run = tmp_path / "run"
    assert _train(run, 2).exit_code == 0

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(Image.Image, "save", refuse)
    result = CliRunner().invoke(app, ["sample", str(run), "--out", str(tmp_path / "x.png")], terminal_width=400)
    line = _one_paragraph(result)
    assert "the sample grid" in line and "permission was denied" in line and "run the command again" in line
    assert not (tmp_path / "x.png").exists()


@pytest.fixture()
def small_disk(tmp_path):
    """A real 60 MiB tmpfs (tests run as root in CI); skipped where mounting is not permitted."""
    mount = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    command = ["mount", "-t", "tmpfs", "-o", "size=60m", "tmpfs", str(mount)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_real_full_disk_then_a_read_only_one(small_disk):
    run = small_disk / "run"  # a vanilla checkpoint is ~25 MB: the third one does not fit into 60 MiB
    line = _one_paragraph(_train(run, 20, "--keep", "0"))
    assert "the disk is full (" in line and "No space left on device" in line and "free of 60.0 MiB there" in line
    assert "are intact (newest: step 4)" in line
    assert [c.step for c in list_checkpoints(run)] == [2, 4]

    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    line = _one_paragraph(_train(run, 8, "--keep", "0", "--resume"))
    assert "the file system is read-only" in line and "remount it read-write" in line

    subprocess.run(["mount", "-o", "remount,rw,size=200m", str(small_disk)], check=True)
    assert _train(run, 8, "--keep", "0", "--resume").exit_code == 0
    assert [c.step for c in list_checkpoints(run)] == [2, 4, 6, 8]
