"""What every benchmark script records alongside its results: the command, merged rows, a training's CPU time."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Hashable
from pathlib import Path


def invocation() -> str:
    """The running command as results files record it: ``python benchmarks/NAME.py ARGS``."""
    return " ".join(["python", f"benchmarks/{Path(sys.argv[0]).name}", *sys.argv[1:]])


def merged_rows(path: Path, rows: list[dict], key: Callable[[dict], Hashable]) -> list[dict]:
    """The rows of the results file ``path`` that ``rows`` do not redo (same ``key``), then ``rows``."""
    if not path.exists():
        return list(rows)
    redone = {key(row) for row in rows}
    return [row for row in json.loads(path.read_text())["rows"] if key(row) not in redone] + rows


def run_training(command: list[str], run: Path) -> tuple[list[str], float, float]:
    """Run ``ganzoo train`` ``command`` (``--out run``), with ``--resume`` when ``run`` holds checkpoints:
    the command as run, and its CPU seconds (the child's user + system) and wall seconds."""
    if (run / "checkpoints").is_dir() and any((run / "checkpoints").iterdir()):
        command = [*command, "--resume"]
    before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.time()
    subprocess.run(command, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return command, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), time.time() - start


def refuse_unknown_device(parser, device: str) -> None:
    """``parser.error`` (exit 2, one line) for a device ganzoo cannot train on here, before anything runs."""
    from ganzoo.errors import ConfigError
    from ganzoo.train.strategy import strategy_for

    try:
        strategy_for(device)
    except ConfigError as error:
        parser.error(str(error))
