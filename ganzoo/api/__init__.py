"""ganzoo's public Python API: train, load, sample, evaluate, list. The CLI is a shell over it.

::

    from ganzoo import api

    run = api.train("vanilla", data="mnist", steps=500, out="runs/vanilla")  # a Run
    model = api.load("cgan-mnist")                # a pretrained name, or a run directory
    sevens = model.generate(16, label=7)          # uint8 (16, 1, 28, 28)
    scores = api.evaluate(model, n=5000)          # the numbers `ganzoo eval` prints
    api.list_entries("pretrained")                # the registry as data
    api.plot_runs(["runs/a", "runs/b"], "ab.png") # loss curves and FID over steps, side by side

Names are imported on first use, so ``import ganzoo.api`` does not import torch.
"""

from __future__ import annotations

from ganzoo.lazy import lazy_names

from typing import TYPE_CHECKING

_LAZY = {
    "train": "ganzoo.api.training",
    "configure": "ganzoo.api.training",
    "prepare": "ganzoo.api.training",
    "Run": "ganzoo.api.training",
    "load": "ganzoo.api.model",
    "GanModel": "ganzoo.api.model",
    "evaluate": "ganzoo.api.evaluation",
    "list_entries": "ganzoo.api.catalogue",
    "list_options": "ganzoo.api.catalogue",
    "plot_runs": "ganzoo.api.plotting",
}

if TYPE_CHECKING:
    from ganzoo.api.catalogue import list_entries, list_options
    from ganzoo.api.evaluation import evaluate
    from ganzoo.api.model import GanModel, load
    from ganzoo.api.plotting import plot_runs
    from ganzoo.api.training import Run, configure, prepare, train


__getattr__, __dir__ = lazy_names(__name__, _LAZY)


__all__ = ["GanModel", "Run", "configure", "evaluate", "list_entries", "list_options", "load", "plot_runs", "prepare", "train"]
