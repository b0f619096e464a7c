"""Quality over time without a tracker: loss curves and periodic evaluations of runs, read from their
``metrics.jsonl``, drawn into one PNG with matplotlib (the ``plot`` extra: ``pip install 'ganzoo[plot]'``).

``ganzoo plot RUN [RUN...]`` calls :func:`plot_runs`.
"""

from __future__ import annotations

import io
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Sequence

from ganzoo.base.atomic import write_atomically
from ganzoo.base.layout import METRICS_FILE
from ganzoo.errors import ConfigError, RunError

#: The evaluation metrics drawn, each in its own panel, when a run has them (``--eval-every``).
EVAL_PANELS = {"fid": "FID (lower is better)", "kid": "KID (lower is better)", "classes_covered": "classes covered",
               "conditional_accuracy": "conditional accuracy"}  # fmt: skip
LOSS_STYLES = ("-", "--", ":", "-.")  # loss_d, loss_g, then any other loss_* term
PANEL = (6.0, 4.2)  # inches (at 100 dpi) of one panel

Series = list[tuple[int, float]]  # (step, value) points


def curves(records: Sequence[dict[str, Any]]) -> dict[str, Series]:
    """The ``loss_*`` series and the evaluation series (``eval/fid``...) of a run's metrics records, by name."""
    found: dict[str, Series] = {}
    for record in records:
        step = record.get("step")
        if not isinstance(step, int) or record.get("event"):
            continue
        for key, value in record.items():
            if key.startswith("loss_") and isinstance(value, (int, float)):
                found.setdefault(key, []).append((step, float(value)))
        for key, value in (record.get("eval") or {}).items():
            if key in EVAL_PANELS and isinstance(value, (int, float)):
                found.setdefault(f"eval/{key}", []).append((step, float(value)))
    return found


def _labels(paths: Sequence[Path]) -> list[str]:
    """Each run's folder name, or its path where two runs share a name."""
    names = [p.name for p in paths]
    return [str(p) if names.count(p.name) > 1 else p.name for p in paths]


def plot_runs(runs: Sequence[str | Path], out: str | Path = "curves.png", *, title: str | None = None) -> Path:
    """Draw the loss curves of ``runs`` (run directories) and, when any has them, FID, KID, classes covered
    and conditional accuracy over steps (FID and KID on a log scale), one panel each, two a row, one colour
    per run; write the PNG ``out``.

    ConfigError when matplotlib is missing or no run has a record yet; RunError when a path is not a run.
    """
    from ganzoo.api.training import Run

    if not runs:
        raise ConfigError("Name at least one run directory to plot.")
    if find_spec("matplotlib") is None:
        raise ConfigError("`ganzoo plot` draws with matplotlib, which is not installed. Install it with: pip install 'ganzoo[plot]'")
    opened = [Run.open(path) for path in runs]
    series = [curves(run.metrics) for run in opened]
    empty = [str(run.dir) for run, found in zip(opened, series) if not found]
    if empty:
        raise RunError(f"{', '.join(empty)} {'has' if len(empty) == 1 else 'have'} no logged losses yet ({METRICS_FILE} is empty).")
    panels = ["losses"] + [f"eval/{key}" for key in EVAL_PANELS if any(f"eval/{key}" in found for found in series)]
    figure = _draw(panels, series, _labels([run.dir for run in opened]), title)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    out = Path(out)
    write_atomically(out, lambda tmp: tmp.write_bytes(buffer.getvalue()), "the plot")
    return out


def _draw(panels: list[str], series: list[dict[str, Series]], labels: list[str], title: str | None):
    from matplotlib.figure import Figure  # no pyplot: no global state, no display backend
    from matplotlib.ticker import MaxNLocator

    columns = min(len(panels), 2)  # two panels a row: readable when the page scales the picture down
    rows = -(-len(panels) // columns)
    figure = Figure(figsize=(PANEL[0] * columns, PANEL[1] * rows), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).flatten()
    for unused in axes[len(panels) :]:
        unused.set_visible(False)
    colors = [f"C{i % 10}" for i in range(len(series))]
    losses = sorted({k for found in series for k in found if k.startswith("loss_")}, key=lambda k: (k not in ("loss_d", "loss_g"), k))
    for ax, panel in zip(axes, panels):
        for found, label, color in zip(series, labels, colors):
            if panel == "losses":
                for key, style in zip(losses, LOSS_STYLES * len(losses)):
                    if key in found:
                        steps, values = zip(*found[key])
                        ax.plot(steps, values, style, color=color, linewidth=1.2, label=f"{label} {key}")
            elif panel in found:
                steps, values = zip(*found[panel])
                ax.plot(steps, values, "o-", color=color, linewidth=1.5, markersize=4, label=label)
        ax.set_title("losses" if panel == "losses" else EVAL_PANELS[panel.split("/", 1)[1]])
        ax.set_xlabel("step")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if panel in ("eval/fid", "eval/kid") and all(v > 0 for found in series for _, v in found.get(panel, [])):
            ax.set_yscale("log")  # an early collapse (FID in the thousands) would flatten the rest of the curve
        if panel in ("eval/classes_covered", "eval/conditional_accuracy"):  # counts and shares: from 0, so a collapse shows
            ax.set_ylim(bottom=0, top=max(ax.get_ylim()[1], 1.05))
            if panel == "eval/classes_covered":
                ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    if title:
        figure.suptitle(title)
    return figure
