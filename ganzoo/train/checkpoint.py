"""Checkpoints: safetensors for tensors, JSON for everything else, never pickle.

A checkpoint of step N is two files in ``RUN/checkpoints/``: ``step-0000N.safetensors`` (all
tensors: weights, optimiser moments, RNG states) and ``step-0000N.json`` (step, the JSON tree
of the non-tensor state, and the size and sha256 of the safetensors file). Both are written
atomically and the JSON last, so it marks a complete checkpoint; a checkpoint whose file does
not match its recorded size or hash is skipped with a warning in favour of the previous one.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, TypeVar

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file

from ganzoo.base.atomic import write_atomically, write_json_atomically
from ganzoo.base.layout import CHECKPOINT_DIR, PARTIAL_CHECKPOINT_GLOB, checkpoint_paths, checkpoint_steps
from ganzoo.base.storage import storage_guard
from ganzoo.errors import CheckpointError, GanzooWarning
from ganzoo.train.state_io import flatten_state, unflatten_state

FORMAT_VERSION = 1
T = TypeVar("T")


@dataclass(frozen=True)
class CheckpointFiles:
    """The two files of one checkpoint."""

    step: int
    weights: Path
    meta: Path


def _files(run_dir: Path, step: int) -> CheckpointFiles:
    return CheckpointFiles(step, *checkpoint_paths(run_dir, step))


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def list_checkpoints(run_dir: Path) -> list[CheckpointFiles]:
    """Checkpoints of a run whose JSON exists, oldest first (not yet verified)."""
    return [_files(run_dir, s) for s in checkpoint_steps(run_dir)]


def save_checkpoint(run_dir: Path, step: int, state: dict[str, Any], meta: dict[str, Any], keep: int = 3) -> CheckpointFiles:
    """Write ``state`` (name -> nested state with tensors) and ``meta`` as the checkpoint of ``step``.

    Keeps the newest ``keep`` checkpoints (0 keeps all). A full disk, a denied permission or a
    read-only file system raises StorageError; the earlier checkpoints stay as they were.
    """
    files = _files(run_dir, step)
    what = f"the checkpoint of step {step}"
    with storage_guard(files.weights, what):
        for stale in files.weights.parent.glob(PARTIAL_CHECKPOINT_GLOB) if files.weights.parent.is_dir() else ():
            stale.unlink(missing_ok=True)  # left by a process killed while writing
    tensors: dict[str, torch.Tensor] = {}
    trees: dict[str, Any] = {}
    for name, part in state.items():
        part_tensors, trees[name] = flatten_state(part, name)
        tensors.update(part_tensors)
    metadata = {"format": "ganzoo-checkpoint", "step": str(step)}
    write_atomically(files.weights, lambda tmp: save_file(tensors, str(tmp), metadata=metadata), what)
    record = {
        "format": FORMAT_VERSION,
        "step": step,
        "weights_file": files.weights.name,
        "bytes": files.weights.stat().st_size,
        "sha256": sha256_of(files.weights),
        **meta,
        "state": trees,
    }
    write_json_atomically(files.meta, record, what)
    if keep > 0:
        for old in list_checkpoints(run_dir)[:-keep]:
            old.meta.unlink(missing_ok=True)
            old.weights.unlink(missing_ok=True)
    return files


def _read_meta(files: CheckpointFiles) -> dict[str, Any]:
    """The verified metadata of ``files``; FileNotFoundError when a running writer removed them meanwhile."""
    try:
        meta = json.loads(files.meta.read_text())
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as error:
        raise CheckpointError(f"{files.meta} is not readable JSON ({error}).") from error
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_VERSION:
        raise CheckpointError(f"{files.meta} is not a ganzoo checkpoint of format {FORMAT_VERSION}.")
    if not files.weights.is_file():
        if not files.meta.exists():
            raise FileNotFoundError(files.meta)  # both removed since the JSON was read: rotated away
        raise CheckpointError(f"{files.weights} is missing.")
    if files.weights.stat().st_size != meta.get("bytes") or sha256_of(files.weights) != meta.get("sha256"):
        raise CheckpointError(f"{files.weights} does not match the size and sha256 recorded in {files.meta.name}; it is truncated or corrupted.")
    return meta


def _read_newest(run_dir: Path, read: Callable[[CheckpointFiles, dict[str, Any]], T], attempts: int = 5) -> T:
    """``read(files, meta)`` of the newest intact checkpoint.

    A run being trained removes old checkpoints (``keep``) while a reader (``ganzoo sample``,
    ``eval``) reads them; a checkpoint that disappears meanwhile is replaced by the newest again.
    """
    for attempt in range(attempts):
        try:
            return read(*_latest_valid(run_dir))
        except FileNotFoundError as error:
            if attempt == attempts - 1:
                folder = Path(run_dir) / CHECKPOINT_DIR
                message = f"The checkpoints in {folder} vanished while being read ({error}); try again."
                raise CheckpointError(message) from error
    raise AssertionError("unreachable")  # pragma: no cover


def latest_valid_checkpoint(run_dir: Path) -> tuple[CheckpointFiles, dict[str, Any]]:
    """The newest checkpoint that verifies, and its metadata; earlier bad ones are warned about."""
    return _read_newest(run_dir, lambda files, meta: (files, meta))


def _latest_valid(run_dir: Path) -> tuple[CheckpointFiles, dict[str, Any]]:
    candidates = list_checkpoints(run_dir)
    if not candidates:
        raise CheckpointError(f"{run_dir} holds no checkpoint (expected files in {Path(run_dir) / CHECKPOINT_DIR}). Train it first, or point at another run directory.")
    problems = []
    for files in reversed(candidates):
        try:
            meta = _read_meta(files)
        except CheckpointError as error:
            problems.append(str(error))
            continue
        for problem in problems:
            warnings.warn(f"Skipped a bad checkpoint: {problem} Using step {files.step} instead.", GanzooWarning, stacklevel=2)
        return files, meta
    raise CheckpointError(f"No checkpoint in {Path(run_dir) / CHECKPOINT_DIR} is intact: " + " ".join(problems))


def load_checkpoint(run_dir: Path) -> tuple[int, dict[str, Any], dict[str, Any]]:
    """Return ``(step, state, meta)`` of the newest intact checkpoint of a run."""

    def read(files: CheckpointFiles, meta: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, Any]]:
        try:
            tensors = load_file(str(files.weights))
        except FileNotFoundError:
            raise
        except (SafetensorError, OSError) as error:
            raise CheckpointError(f"Could not read {files.weights}: {error}") from error
        state = {name: unflatten_state(tree, tensors) for name, tree in meta["state"].items()}
        return files.step, state, meta

    return _read_newest(run_dir, read)


def load_module_weights(run_dir: Path, prefix: str) -> tuple[int, dict[str, torch.Tensor], dict[str, Any]]:
    """Only the tensors of one module (``prefix`` such as ``"generator"``) from the newest checkpoint."""

    def read(files: CheckpointFiles, meta: dict[str, Any]) -> tuple[int, dict[str, torch.Tensor], dict[str, Any]]:
        if prefix not in meta["state"]:
            raise CheckpointError(f"{files.meta} holds no {prefix!r} state.")
        tensors = {}
        with safe_open(str(files.weights), framework="pt") as handle:
            for key in handle.keys():
                if key.startswith(prefix + "."):
                    tensors[key] = handle.get_tensor(key)
        return files.step, unflatten_state(meta["state"][prefix], tensors), meta

    return _read_newest(run_dir, read)


def check_identity(meta: dict[str, Any], current: dict[str, Any], step: int, run_dir: Path) -> None:
    """Raise CheckpointError when the checkpoint's recorded identity (recipe, parts, dataset, options
    fixed on resume, shapes) differs from the run's now; a change of precision is allowed."""
    saved = meta.get("identity", {})
    different = {k: (saved[k], v) for k, v in current.items() if k != "precision" and k in saved and saved[k] != v}
    if different:
        detail = "; ".join(f"{k}: checkpoint {a!r}, now {b!r}" for k, (a, b) in different.items())
        raise CheckpointError(f"The checkpoint of step {step} in {run_dir} was made for another model ({detail}). Resume with the run's own configuration.")
