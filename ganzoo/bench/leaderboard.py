"""Turn a folder of benchmark results into a ranked leaderboard: Markdown, JSON and PNG assets.

Cells are grouped per dataset, then by protocol (budget, precision, evaluation protocol).
The largest group of a dataset is ranked; cells under any other protocol are listed apart,
marked, and never ranked with it. Within a group each recipe's seeds are summarised as
mean ± standard deviation and recipes are ranked by mean FID (lower is better).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ganzoo.base.atomic import write_atomically, write_json_atomically
from ganzoo.base.jsonl import read_jsonl
from ganzoo.base.layout import METRICS_FILE
from ganzoo.bench.grid import RESULT_FILE
from ganzoo.bench.plot import loss_chart
from ganzoo.bench.runner import read_result
from ganzoo.errors import ConfigError

#: Protocol fields that legitimately differ between the cells of one table.
PER_CELL_FIELDS = {"seed", "image_size", "generator", "step", "run"}
#: Metric columns: (key, heading, lower is better).
COLUMNS = (
    ("fid", "FID ↓", True),
    ("kid", "KID ↓", True),
    ("is", "IS ↑", False),
    ("classes_covered", "classes covered ↑", False),
    ("modes", "modes ↑", False),
    ("kl", "KL ↓", True),
    ("conditional_accuracy", "cond. accuracy ↑", False),
    ("intra_fid", "intra-FID ↓", True),
)
#: Digits shown per metric (2 by default).
DIGITS = {"classes_covered": 1, "modes": 1, "kl": 3, "conditional_accuracy": 3}
README_START, README_END = "<!-- leaderboard:start -->", "<!-- leaderboard:end -->"
LITERATURE_NOTE = (
    "These numbers are not comparable with published ones. FID, KID and IS here use ganzoo's own "
    "domain classifier as the feature extractor (not Inception-v3), a short CPU budget, and the "
    "sample counts stated above; large-scale studies such as Lucic et al. 2018 (\"Are GANs Created "
    "Equal?\") report MNIST and Fashion-MNIST FIDs with Inception features after far longer training. "
    "Compare rows within one table only."
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


def _key(protocol: dict[str, Any]) -> str:
    return json.dumps(protocol, sort_keys=True)


def group_dataset(results: list[dict[str, Any]]) -> tuple[list[Group], list[dict[str, Any]]]:
    """(groups, largest first; failed cells) of one dataset's results."""
    done = [r for r in results if r.get("status") == "done"]
    failed = [r for r in results if r.get("status") == "failed"]
    by_key: dict[str, list[dict[str, Any]]] = {}
    for result in done:
        by_key.setdefault(_key(protocol_of(result)), []).append(result)
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


def _fmt(summary: dict[str, float] | None, digits: int = 2) -> str:
    if summary is None:
        return "–"
    if summary["n"] == 1:
        return f"{summary['mean']:.{digits}f}"
    return f"{summary['mean']:.{digits}f} ± {summary['std']:.{digits}f}"


def _differences(protocol: dict[str, Any], reference: dict[str, Any], prefix: str = "") -> list[str]:
    found = []
    for k in sorted(set(protocol) | set(reference)):
        a, b = protocol.get(k), reference.get(k)
        if isinstance(a, dict) and isinstance(b, dict):
            found += _differences(a, b, f"{prefix}{k}.")
        elif a != b:
            found.append(f"{prefix}{k} = {json.dumps(a)} (ranked table: {json.dumps(b)})")
    return found


def _budget_text(budget: dict[str, int]) -> str:
    if budget.get("recipe_default"):
        return "each recipe's default run (its own generator steps, the budget of `ganzoo train RECIPE`; see the steps column)"
    if "steps" in budget:
        return f"{budget['steps']} generator steps per run"
    return f"{budget['images']} real images through the discriminator per run (generator steps = images / (batch size × discriminator steps))"


class Leaderboard:
    """Results grouped and ranked; renders Markdown, JSON, charts and a README excerpt."""

    def __init__(self, results: list[dict[str, Any]], source: str):
        self.source = source
        self.count = len(results)
        first_finished: dict[str, str] = {}
        for r in results:  # datasets in the order the grid ran them
            name = r["cell"]["dataset"]
            first_finished[name] = min(first_finished.get(name, r.get("finished_at", "")), r.get("finished_at", ""))
        datasets = sorted(first_finished, key=lambda name: (first_finished[name], name))
        self.datasets = {name: group_dataset([r for r in results if r["cell"]["dataset"] == name]) for name in datasets}

    # -- the page ---------------------------------------------------------------------------
    def markdown(self, assets: str) -> list[str]:
        lines = [
            "# Leaderboard",
            "",
            f"<!-- generated by `ganzoo leaderboard {self.source}`; edit the results, not this page -->",
            "",
            f"Generated by `ganzoo leaderboard {self.source}` from {self.count} result files written by `ganzoo bench`. "
            "Rows are ranked by mean FID over seeds (mean ± sample standard deviation); only runs under the same protocol share a table.",
            "",
        ]
        lines += self._protocol_section()
        for dataset, (groups, failed) in self.datasets.items():
            lines += [f"## {dataset}", ""]
            if not groups:
                lines += ["No finished runs.", ""]
            for index, group in enumerate(groups):
                if index == 0:
                    lines += [f"Features: `{group.protocol['evaluation'].get('feature_extractor', '?')}`.", ""]
                else:
                    lines += [f"### Not ranked with the table above: different protocol ({index})", "", "Differs in: " + "; ".join(_differences(group.protocol, groups[0].protocol)) + ".", ""]
                lines += self._table(group)
                lines.append("")
            if failed:
                lines += ["Failed runs (re-running `ganzoo bench` tries them again):", ""]
                lines += [f"- {r['cell']['recipe']} seed {r['cell']['seed']}: {r.get('error', 'unknown error')}" for r in failed]
                lines.append("")
            if groups:
                lines += [f"### {dataset}: final samples and loss curves", "", "| recipe | samples (lowest seed) | losses (every seed) |", "|---|---|---|"]
                for row in groups[0].rows:
                    stem = f"{assets}/{_slug(dataset)}/{row.recipe}"
                    lines.append(f"| {row.recipe} | ![{row.recipe} samples]({stem}-samples.png) | ![{row.recipe} losses]({stem}-losses.png) |")
                lines.append("")
        return lines

    def _protocol_section(self) -> list[str]:
        tops = [groups[0] for groups, _ in self.datasets.values() if groups]
        if not tops:
            return []
        settings = tops[0].protocol
        evaluation = settings["evaluation"]
        seeds = sorted({s for groups, _ in self.datasets.values() for g in groups[:1] for row in g.rows for s in row.seeds})
        hardware = sorted({_hardware_text(r) for groups, _ in self.datasets.values() for g in groups[:1] for row in g.rows for r in row.results})
        lines = [
            "## Protocol",
            "",
            f"- Budget: {_budget_text(settings['budget'])}; each recipe's own batch size, learning rates and architecture (`ganzoo list recipes`).",
            f"- Precision: {settings['precision']}. Seeds: {', '.join(map(str, seeds))}.",
            f"- Evaluation: {', '.join(m.upper() for m in settings['metrics'])} through torch-fidelity {evaluation.get('torch_fidelity', '?')} "
            f"on {evaluation.get('n_fake', '?')} generated images against {evaluation.get('n_real', '?')} images of the `{settings['split']}` split, "
            f"features of each dataset's domain classifier at {evaluation.get('extractor_input_size', '?')} px; "
            "classes covered counts the classes holding at least 20% of their uniform share of the samples.",
            f"- Hardware: {'; '.join(hardware)}.",
        ]
        if any(row.summary("modes") for g in tops for row in g.rows):
            lines.append("- Modes (Stacked-MNIST) counts the digit triples, of 1000, holding at least one sample; KL is the divergence of their distribution from uniform.")
        if any(g.protocol["evaluation"].get("feature_extractor", "").startswith("ganzoo-") for g in tops):
            lines.append(f"- {LITERATURE_NOTE}")
        if any(_key({**g.protocol, "evaluation": {}}) != _key({**settings, "evaluation": {}}) for g in tops):
            lines.append("- The datasets' ranked tables do not all share this budget and precision; see each table.")
        return lines + [""]

    def _table(self, group: Group) -> list[str]:
        shown = [c for c in COLUMNS if any(row.summary(c[0]) for row in group.rows)]
        lines = ["| rank | recipe | " + " | ".join(h for _, h, _ in shown) + " | steps | images/s | train (s) | seeds |", "|---" * (len(shown) + 6) + "|"]
        for rank, row in enumerate(group.rows, 1):
            cells = [_fmt(row.summary(key), DIGITS.get(key, 2)) for key, _, _ in shown]
            seeds = f"{len(row.results)}" + (f" ({len(row.failed)} failed)" if row.failed else "")
            rate, wall = row.mean_of("images_per_s"), row.mean_of("train_wall_s")
            steps = sorted({r.get("training", {}).get("steps") for r in row.results} - {None})
            speed = ["/".join(map(str, steps)) or "–", f"{rate:.0f}" if rate else "–", f"{wall:.0f}" if wall else "–"]
            lines.append(f"| {rank} | {row.recipe} | " + " | ".join(cells + speed + [seeds]) + " |")
        return lines

    # -- charts, JSON, README ---------------------------------------------------------------
    def write_assets(self, folder: Path) -> list[Path]:
        """Copy each ranked recipe's sample grid and draw its loss curves; returns the files."""
        written = []
        for dataset, (groups, _) in self.datasets.items():
            if not groups:
                continue
            for row in groups[0].rows:
                stem = folder / _slug(dataset) / row.recipe
                stem.parent.mkdir(parents=True, exist_ok=True)
                first = min(row.results, key=lambda r: r["cell"]["seed"])
                samples = Path(first["_dir"]) / first.get("samples", "samples.png")
                target = stem.with_name(f"{row.recipe}-samples.png")
                write_atomically(target, lambda tmp, source=samples: shutil.copyfile(source, tmp))
                curves: dict[str, list] = {}
                for result in sorted(row.results, key=lambda r: r["cell"]["seed"]):
                    log = Path(result["_dir"]) / result.get("log", METRICS_FILE)
                    records = read_jsonl(log, missing_ok=True)
                    for name in sorted({k for rec in records for k in rec if k.startswith("loss_")}):
                        curves.setdefault(name, []).append([(rec["step"], rec[name]) for rec in records if name in rec])
                chart = stem.with_name(f"{row.recipe}-losses.png")
                loss_chart(curves, f"{row.recipe} on {dataset}: losses, seeds {', '.join(map(str, row.seeds))}", chart)
                written += [target, chart]
        return written

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

    def readme_block(self, link: str, top: int = 3) -> list[str]:
        lines = [README_START, f"Top {top} per dataset from the [leaderboard]({link}) (generated by `ganzoo leaderboard`; mean ± std over seeds, lower FID is better):", ""]
        for dataset, (groups, _) in self.datasets.items():
            if not groups:
                continue
            lines += [f"**{dataset}**", ""] + self._table(Group(groups[0].protocol, groups[0].rows[:top])) + [""]
        return lines + [README_END]


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)


def _hardware_text(result: dict[str, Any]) -> str:
    hw = result.get("hardware", {})
    text = f"{hw.get('gpu') or hw.get('cpu', '?')} ({hw.get('cpu_count', '?')} cores, torch threads: {hw.get('torch_threads', '?')}, {hw.get('device', '?')})"
    return f"{text}, torch {result.get('versions', {}).get('torch', '?')}"


def write_leaderboard(results_dir: Path, out: Path, json_out: Path | None = None, readme: Path | None = None, source: str | None = None) -> Leaderboard:
    """Read ``results_dir``, write ``out`` (Markdown), its assets folder, JSON and optionally a README block."""
    out = Path(out)
    if out.suffix != ".md":
        raise ConfigError(f"--out must name a Markdown file ending in .md; got {out}.")
    board = Leaderboard(load_results(results_dir), source or str(results_dir))
    readme_text = None
    if readme is not None:
        try:
            readme_text = Path(readme).read_text()
        except OSError as error:
            raise ConfigError(f"Cannot read --readme {readme}: {error.strerror or error}.") from error
        if README_START not in readme_text or README_END not in readme_text:
            raise ConfigError(f"{readme} has no leaderboard block: add the two lines {README_START} and {README_END} where the top rows should go.")
    assets = out.with_suffix("")
    written = set(board.write_assets(assets))
    for stale in assets.rglob("*.png"):  # charts of recipes no longer in the results
        if stale not in written:
            stale.unlink()
    page = "\n".join(board.markdown(assets.name)) + "\n"
    write_atomically(out, lambda tmp: tmp.write_text(page))
    write_json_atomically(Path(json_out) if json_out else out.with_suffix(".json"), board.to_json())
    if readme is not None and readme_text is not None:
        head, rest = readme_text.split(README_START, 1)
        _, tail = rest.split(README_END, 1)
        link = os.path.relpath(out.resolve(), Path(readme).resolve().parent)
        block = "\n".join(board.readme_block(Path(link).as_posix()))
        write_atomically(Path(readme), lambda tmp: tmp.write_text(head + block + tail))
    return board
