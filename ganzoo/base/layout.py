"""The files and folders of a run directory, named in this one place.

::

    RUN/config.json                   the resolved configuration (CONFIG_FILE; a pretrained pack has one too)
    RUN/metrics.jsonl                 one JSON record per logged step (METRICS_FILE)
    RUN/samples/step-NNNNNNN.png      the fixed-noise grids (SAMPLES_DIR, sample_grid_name)
    RUN/checkpoints/step-NNNNNNN.safetensors, .json   one checkpoint (CHECKPOINT_DIR, checkpoint_paths)
    RUN/trackers/                     the loggers' own files (TRACKERS_DIR) and their state.json (TRACKERS_STATE_FILE)
    RUN/profile.json                  written by --profile runs (PROFILE_FILE)
    RUN/evaluations.jsonl             one record per `ganzoo eval` of the run (EVALUATIONS_FILE)
    RUN/samples/sample-stepNNNNNNN-seedS.png   drawn by `ganzoo sample` (drawn_sample_name)
    RUN/.ganzoo.lock                  held by the process writing the run (LOCK_FILE)

Every other module imports these names from here. This module imports no torch and no other
ganzoo module, so that anything (storage errors, the CLI, the bench runner) can read a run's
layout without pulling in what writes it.
"""

from __future__ import annotations

import re
from pathlib import Path

CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.jsonl"
SAMPLES_DIR = "samples"
CHECKPOINT_DIR = "checkpoints"
TRACKERS_DIR = "trackers"  # the loggers' files (TensorBoard events, W&B offline runs) and their state file
TRACKERS_STATE_FILE = "state.json"  # in TRACKERS_DIR: each logger's state and how far it was sent the run
PROFILE_FILE = "profile.json"
EVALUATIONS_FILE = "evaluations.jsonl"
LOCK_FILE = ".ganzoo.lock"

#: What a fresh run with --overwrite clears from a directory that held an earlier run.
OWNED = (CONFIG_FILE, METRICS_FILE, SAMPLES_DIR, CHECKPOINT_DIR, TRACKERS_DIR, PROFILE_FILE, EVALUATIONS_FILE)

_STEP = "step-"  # a checkpoint's and a sample grid's name: step-NNNNNNN (seven digits) and a suffix
WEIGHTS_SUFFIX = ".safetensors"
META_SUFFIX = ".json"
GRID_SUFFIX = ".png"
SAMPLE_GRID_GLOB = f"{_STEP}*{GRID_SUFFIX}"
#: Temporary files an interrupted checkpoint write leaves in CHECKPOINT_DIR (see ganzoo.base.atomic).
PARTIAL_CHECKPOINT_GLOB = f".{_STEP}*.tmp"
_META_NAME = re.compile(rf"^{_STEP}(\d+){re.escape(META_SUFFIX)}$")


def step_name(step: int, suffix: str) -> str:
    """``step-0000005`` followed by ``suffix``: the name of step 5's checkpoint files and sample grid."""
    return f"{_STEP}{step:07d}{suffix}"


def step_of(path: Path) -> int:
    """The step in a checkpoint's or sample grid's file name (``step-0000005.png`` -> 5)."""
    return int(Path(path).name.split(".")[0].removeprefix(_STEP))


def sample_grid_name(step: int) -> str:
    """The name of step ``step``'s grid in SAMPLES_DIR."""
    return step_name(step, GRID_SUFFIX)


def drawn_sample_name(step: int, seed: int, label: int | None = None) -> str:
    """The default name of a grid drawn by ``ganzoo sample`` into SAMPLES_DIR (never matched by SAMPLE_GRID_GLOB)."""
    chosen = "" if label is None else f"-class{label}"
    return f"sample-step{step:07d}-seed{seed}{chosen}{GRID_SUFFIX}"


def checkpoint_paths(run_dir: Path, step: int) -> tuple[Path, Path]:
    """The weights file and the JSON file of the checkpoint of ``step``."""
    folder = Path(run_dir) / CHECKPOINT_DIR
    return folder / step_name(step, WEIGHTS_SUFFIX), folder / step_name(step, META_SUFFIX)


def checkpoint_steps(run_dir: Path) -> list[int]:
    """The steps of the checkpoints in ``run_dir`` whose JSON file exists, oldest first (by name only, not verified)."""
    folder = Path(run_dir) / CHECKPOINT_DIR
    if not folder.is_dir():
        return []
    return sorted(int(m.group(1)) for p in folder.iterdir() if (m := _META_NAME.match(p.name)))


def is_run(path: Path) -> bool:
    """True when ``path`` holds a ganzoo run (it has a config.json)."""
    return (Path(path) / CONFIG_FILE).is_file()
