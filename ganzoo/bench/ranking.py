"""Ranking benchmark results: cells grouped per dataset, then by protocol, each group ranked by mean FID.

The largest group of a dataset is ranked; cells under any other protocol are listed apart and
never ranked with it. Within a group each recipe's seeds are summarised as mean ± standard
deviation. Nothing here renders: :mod:`ganzoo.bench.leaderboard` draws the page from a
:class:`Leaderboard`.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ganzoo.bench.grid import RESULT_FILE
from ganzoo.bench.runner import read_result
from ganzoo.errors import ConfigError

#: Protocol fields that legitimately differ between the cells of one table.
PER_CELL_FIELDS = {"seed", "image_size", "generator", "step", "run"}
#: Metric columns: (key, heading, lower is better). The ranking uses the first three; of the coverage
#: figures the legible ones (samples the classifier reads as it reads real data) come before the
#: papers' argmax ones, which count every sample (a table shows only the columns its results hold).
COLUMNS = (
    ("fid", "FID ↓", True),
    ("kid", "KID ↓", True),
    ("is", "IS ↑", False),
    ("legible_fraction", "legible ↑", False),
    ("legible_classes_covered", "legible classes ↑", False),
    ("legible_modes", "legible modes ↑", False),
    ("legible_kl", "legible KL ↓", True),
    ("classes_covered", "classes covered (argmax) ↑", False),
    ("modes", "modes (argmax) ↑", False),
    ("kl", "KL (argmax) ↓", True),
    ("legible_conditional_accuracy", "legible cond. accuracy ↑", False),
    ("conditional_accuracy", "cond. accuracy ↑", False),
    ("intra_fid", "intra-FID ↓", True),
)
@dataclass
class Row:
    """One recipe's seeds under one protocol on one dataset."""

    recipe: str
    results: list[dict[str, Any]]
    failed: list[dict[str, Any]] = field(default_factory=list)

    def values(self, key: str) -> list[float]:
        return [r["metrics"][key] for r in self.results if isinstance(r["metrics"].get(key), (int, float))]

    def summary(self, key: str) -> dict[str, float] | None:
        values = self.values(key)
        if not values:
            return None
        return {"mean": statistics.fmean(values), "std": statistics.stdev(values) if len(values) > 1 else 0.0, "n": len(values)}

    def mean_of(self, key: str) -> float | None:
        values = [r[key] for r in self.results if isinstance(r.get(key), (int, float))]
        return statistics.fmean(values) if values else None

    @property
    def seeds(self) -> list[int]:
        return sorted(r["cell"]["seed"] for r in self.results)


@dataclass
class Group:
    """Cells of one dataset under one protocol."""

    protocol: dict[str, Any]
    rows: list[Row]


def load_results(results_dir: Path) -> list[dict[str, Any]]:
    """Every cell result under ``results_dir`` (``*/result.json``), each with its folder in ``_dir``."""
    results_dir = Path(results_dir)
    if not results_dir.is_dir():
        raise ConfigError(f"The results folder {results_dir} does not exist. Run `ganzoo bench ... --out {results_dir}` first.")
    found = []
    for path in sorted(results_dir.glob(f"*/{RESULT_FILE}")):
        result = read_result(path.parent)
        if result is not None:
            result["_dir"] = path.parent
            found.append(result)
    if not found:
        raise ConfigError(f"{results_dir} holds no benchmark results (no */{RESULT_FILE} written by `ganzoo bench`).")
    return found


def protocol_of(result: dict[str, Any]) -> dict[str, Any]:
    """What must be equal for two cells to be ranked together."""
    evaluation = {k: v for k, v in result.get("protocol", {}).items() if k not in PER_CELL_FIELDS}
    return {**result["settings"], "evaluation": evaluation}


def protocol_key(protocol: dict[str, Any]) -> str:
    return json.dumps(protocol, sort_keys=True)


def group_dataset(results: list[dict[str, Any]]) -> tuple[list[Group], list[dict[str, Any]]]:
    """(groups, largest first; failed cells) of one dataset's results."""
    done = [r for r in results if r.get("status") == "done"]
    failed = [r for r in results if r.get("status") == "failed"]
    by_key: dict[str, list[dict[str, Any]]] = {}
    for result in done:
        by_key.setdefault(protocol_key(protocol_of(result)), []).append(result)
    groups = []
    for key in sorted(by_key, key=lambda k: (-len(by_key[k]), k)):
        members = by_key[key]
        recipes = sorted({r["cell"]["recipe"] for r in members})
        rows = [Row(name, [r for r in members if r["cell"]["recipe"] == name]) for name in recipes]
        groups.append(Group(protocol_of(members[0]), _ranked(rows)))
    if groups:
        for row in groups[0].rows:
            row.failed = [r for r in failed if r["cell"]["recipe"] == row.recipe]
    return groups, failed


def _ranked(rows: list[Row]) -> list[Row]:
    for key, _, lower_better in COLUMNS[:3]:
        if all(row.summary(key) for row in rows):
            sign = 1 if lower_better else -1
            return sorted(rows, key=lambda row: (sign * row.summary(key)["mean"], row.recipe))
    return rows


class Leaderboard:
    """Results grouped per dataset and protocol, each group ranked (the page is drawn by :mod:`ganzoo.bench.leaderboard`)."""

    def __init__(self, results: list[dict[str, Any]], source: str):
        self.source = source
        self.count = len(results)
        first_finished: dict[str, str] = {}
        for r in results:  # datasets in the order the grid ran them
            name = r["cell"]["dataset"]
            first_finished[name] = min(first_finished.get(name, r.get("finished_at", "")), r.get("finished_at", ""))
        datasets = sorted(first_finished, key=lambda name: (first_finished[name], name))
        self.datasets = {name: group_dataset([r for r in results if r["cell"]["dataset"] == name]) for name in datasets}

    def to_json(self) -> dict[str, Any]:
        def row_json(rank: int, row: Row) -> dict[str, Any]:
            return {
                "rank": rank,
                "recipe": row.recipe,
                "seeds": row.seeds,
                "failed_seeds": sorted(r["cell"]["seed"] for r in row.failed),
                "metrics": {key: row.summary(key) for key, _, _ in COLUMNS if row.summary(key)},
                "images_per_s": row.mean_of("images_per_s"),
                "train_wall_s": row.mean_of("train_wall_s"),
                "cells": [r["cell"]["id"] for r in row.results],
            }

        datasets = {}
        for dataset, (groups, failed) in self.datasets.items():
            datasets[dataset] = {
                "ranked": {"protocol": groups[0].protocol, "rows": [row_json(i, r) for i, r in enumerate(groups[0].rows, 1)]} if groups else None,
                "other_protocols": [{"protocol": g.protocol, "rows": [row_json(i, r) for i, r in enumerate(g.rows, 1)]} for g in groups[1:]],
                "failed": [{"cell": r["cell"]["id"], "error": r.get("error")} for r in failed],
            }
        return {"schema": "ganzoo.leaderboard/1", "source": self.source, "results": self.count, "datasets": datasets}
