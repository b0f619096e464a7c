"""A run directory on disk: config.json, metrics.jsonl, samples/, checkpoints/, trackers/."""

from __future__ import annotations

import json
import platform
import shutil
import tempfile
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from ganzoo.base.atomic import write_atomically, write_json_atomically
from ganzoo.base.jsonl import read_jsonl
from ganzoo.base.layout import CONFIG_FILE, LOCK_FILE, METRICS_FILE, OWNED, is_run
from ganzoo.base.storage import storage_guard, unwritable_output
from ganzoo.errors import GanzooError, GanzooWarning, RunError
from ganzoo.registry import split_qualified
from ganzoo.train.config import TrainConfig

if TYPE_CHECKING:
    from ganzoo.registry import Registry


def default_run_dir(base: Path, name: str) -> Path:
    """``base/name``, or ``base/name-2``, ``-3``... : the first that does not exist yet."""
    candidate, n = Path(base) / name, 1
    while candidate.exists():
        n += 1
        candidate = Path(base) / f"{name}-{n}"
    return candidate


def _check_writable(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as error:
        raise unwritable_output(path, error) from error


def check_new_run(path: Path, overwrite: bool) -> None:
    """Raise RunError when ``path`` cannot take a fresh run (changes nothing on disk)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise RunError(f"The output path {path} is a file, not a directory. Choose another --out.")
    if path.is_dir() and any(p.name != LOCK_FILE for p in path.iterdir()) and not overwrite:
        what = "a ganzoo run" if is_run(path) else "files that are not a ganzoo run"
        raise RunError(
            f"The output directory {path} already holds {what}. Pass --resume to continue that run, "
            "--overwrite to replace it, or choose another --out."
        )


def prepare_new_run(path: Path, overwrite: bool) -> None:
    """Make ``path`` ready for a fresh run; refuse to clobber an existing one unless asked."""
    path = Path(path)
    check_new_run(path, overwrite)
    if path.is_dir() and overwrite:
        with storage_guard(path, "the new run (clearing the previous one's files)"):
            for name in OWNED:
                target = path / name
                if target.is_dir():
                    shutil.rmtree(target)
                elif target.exists():
                    target.unlink()
    _check_writable(path)


def open_existing_run(path: Path) -> TrainConfig:
    """The configuration of the run in ``path``; RunError when it is not a run."""
    path = Path(path)
    if not path.is_dir():
        raise RunError(f"The run directory {path} does not exist.")
    if not is_run(path):
        raise RunError(f"{path} is not a ganzoo run directory (it has no {CONFIG_FILE}).")
    return TrainConfig.from_json_file(path / CONFIG_FILE)


def plugins_of(registry: "Registry", config: TrainConfig) -> dict[str, str]:
    """The plugin behind each part of ``config`` (and its dataset and recipe), by kind."""
    names = _part_names(registry, config)
    names.pop("augmentation", None)
    return {kind: registry.entry(kind, name).plugin for kind, name in names.items()}


def _part_names(registry: "Registry", config: TrainConfig) -> dict[str, str]:
    """The registry name of each part of ``config`` by kind; a dataset ``[DIST:]NAME:ARGUMENT`` by its ``[DIST:]NAME``."""
    distribution, rest = split_qualified(config.dataset)
    prefix = f"{distribution}:" if distribution is not None and distribution in registry.distributions() else ""
    dataset = prefix + (rest if prefix else config.dataset).partition(":")[0]
    names = {"generator": config.generator, "discriminator": config.discriminator, "loss": config.loss, "dataset": dataset}
    if config.augment is not None:
        names["augmentation"] = config.augment
    if config.recipe:
        names["recipe"] = config.recipe
    return names


def parts_of(registry: "Registry", config: TrainConfig) -> dict[str, list[dict[str, Any]]]:
    """Who provides each part of ``config``: by kind, one record per registered entry (two for ``bce+r1``)
    with its name, qualified name ``DIST:NAME``, plugin, distribution and version."""
    from ganzoo.combined_loss import SEPARATOR

    records: dict[str, list[dict[str, Any]]] = {}
    for kind, name in _part_names(registry, config).items():
        names = name.split(SEPARATOR) if kind == "loss" else [name]
        records[kind] = [registry.entry(kind, part).provenance() for part in names]
    return records


def part_changes(run_dir: Path, registry: "Registry", config: TrainConfig | None = None) -> list[str]:
    """How the parts of the run in ``run_dir`` differ from what ``registry`` provides now: one sentence
    per part whose qualified name (owner) or version changed. Empty for runs written before parts
    were recorded."""
    try:
        recorded = json.loads((Path(run_dir) / CONFIG_FILE).read_text()).get("parts")
    except (OSError, ValueError):
        return []
    if not isinstance(recorded, dict):
        return []
    config = config or open_existing_run(run_dir)
    try:
        current = parts_of(registry, config)
    except GanzooError as error:
        return [f"a part of the run is no longer available: {error}"]
    changes = []
    for kind, then in recorded.items():
        now = current.get(kind, [])
        for before, after in zip(then, now):
            if before.get("qualified") != after["qualified"]:
                changes.append(
                    f"{kind} {before.get('name')!r} was {before.get('qualified')} ({before.get('distribution')} {before.get('version')}) "
                    f"and is now {after['qualified']} ({after['distribution']} {after['version']})"
                )
            elif before.get("version") != after["version"]:
                changes.append(f"{kind} {after['qualified']} was version {before.get('version')} and is now {after['version']}")
    return changes


def warn_on_part_changes(run_dir: Path, registry: "Registry", action: str, config: TrainConfig | None = None) -> list[str]:
    """Warn (GanzooWarning) when the parts of the run in ``run_dir`` changed owner or version; ``action``
    says what is being done ("resuming", "loading"). Returns the changes."""
    changes = part_changes(run_dir, registry, config)
    if changes:
        warnings.warn(
            f"The run in {run_dir} was trained with other parts than the ones installed now; {action} it with the "
            f"installed ones: {'; '.join(changes)}. Name a part by its qualified name (DIST:NAME) to pick the one the run "
            "was trained with, or reinstall that version.",
            GanzooWarning,
            stacklevel=3,
        )
    return changes


#: The key of ``config.json`` that records what the networks were built for (:func:`data_record`).
DATA_KEY = "data"


def data_record(image_shape: tuple[int, int, int], num_classes: int, class_names: tuple[str, ...] = ()) -> dict[str, Any]:
    """What a run's networks were built for, as ``config.json`` records it: a run (and a pack made from
    it) then loads and draws without its dataset (:mod:`ganzoo.loading`)."""
    return {"image_shape": [int(v) for v in image_shape], "num_classes": int(num_classes), "class_names": list(class_names) if num_classes else []}


def write_config(
    path: Path, config: TrainConfig, plugins: dict[str, str], parts: dict[str, list[dict[str, Any]]] | None = None, data: dict[str, Any] | None = None
) -> None:
    """Write the resolved configuration with versions, the plugins that provided each part and, with
    ``parts`` (:func:`parts_of`), each part's qualified name, distribution and version; with ``data``
    (:func:`data_record`), the image shape and classes the networks were built for."""
    from ganzoo.base.version import __version__

    record: dict[str, Any] = {
        "config": config.to_dict(),
        "plugins": plugins,
        **({"parts": parts} if parts is not None else {}),
        **({DATA_KEY: data} if data is not None else {}),
        "versions": {"ganzoo": __version__, "torch": torch.__version__, "python": platform.python_version()},
        "written": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    write_json_atomically(Path(path) / CONFIG_FILE, record, "the run configuration")


class MetricsLog:
    """Appends one JSON object per line to ``RUN/metrics.jsonl`` (StorageError when the disk refuses)."""

    what = "the metrics log"

    def __init__(self, run_dir: Path):
        self.path = Path(run_dir) / METRICS_FILE

    def truncate_after(self, step: int) -> None:
        """Drop records of steps after ``step`` (they are redone when a run resumes)."""
        if not self.path.exists():
            return
        kept = [record for record in read_jsonl(self.path) if record.get("step", 0) <= step]
        write_atomically(self.path, lambda tmp: tmp.write_text("".join(json.dumps(record) + "\n" for record in kept)), self.what)

    def append(self, record: dict[str, Any]) -> None:
        """Add one record as a line."""
        with storage_guard(self.path, self.what), open(self.path, "a") as handle:
            handle.write(json.dumps(record) + "\n")

    def read(self) -> list[dict[str, Any]]:
        return read_jsonl(self.path, missing_ok=True)
