"""What ``ganzoo sample`` and ``ganzoo eval`` write: a grid or tensor file of drawn images, and a run's evaluation record.

The CLI calls these and prints their result; a notebook can call them the same way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ganzoo.api.evaluation import evaluate
from ganzoo.api.model import GanModel, load
from ganzoo.base.atomic import write_atomically
from ganzoo.base.layout import EVALUATIONS_FILE, SAMPLES_DIR, drawn_sample_name
from ganzoo.errors import ConfigError
from ganzoo.evaluate.evaluator import EvaluationResult
from ganzoo.evaluate.metrics import parse_metrics
from ganzoo.train.images import save_grid
from ganzoo.train.progress import Heartbeat

SAMPLE_SUFFIXES = (".png", ".safetensors")


@dataclass(frozen=True)
class DrawnSamples:
    """What :func:`sample_to_file` wrote: where, how many images, and from which weights."""

    path: Path
    count: int
    step: int
    ema: bool


def sample_to_file(source: str, out: str | Path | None = None, *, n: int = 64, seed: int = 0, label: int | None = None, ema: bool = True) -> DrawnSamples:
    """Draw ``n`` images from a run directory or a pretrained name into ``out``.

    ``.png`` writes a grid; ``.safetensors`` writes ``images`` (uint8 NxCxHxW) and ``labels``
    (int64 N, -1 when unconditional). Without ``out``: ``RUN/samples/sample-stepSTEP-seedSEED.png``
    for a run, ``NAME-seedSEED.png`` here for a pretrained name. Bad values are ConfigErrors.
    """
    import torch
    from safetensors.torch import save_file

    out = Path(out) if out is not None else None
    suffix = out.suffix.lower() if out is not None else ".png"
    if suffix not in SAMPLE_SUFFIXES:
        raise ConfigError(f"--out must end in .png or .safetensors; got {out.name!r}.")
    if n <= 0:
        raise ConfigError(f"--n must be a positive whole number; got {n}.")
    model = load(source, ema=ema)
    _check_label(model, source, label)
    if out is None and model.card is None:
        out = Path(source) / SAMPLES_DIR / drawn_sample_name(model.step, seed, label)
    elif out is None:
        out = Path(f"{source}-seed{seed}{'' if label is None else f'-class{label}'}.png")
    if suffix == ".png":
        images, nrow = model.grid_images(n, seed=seed, label=label)
        save_grid(images, out, nrow=nrow)
    else:
        labels = model.labels_for(n, label)
        images = model.generate(n, seed=seed, labels=labels)
        stored = labels if labels is not None else torch.full((len(images),), -1, dtype=torch.long)
        metadata = {"source": source, "step": str(model.step), "ema": str(model.ema), "seed": str(seed)}
        write_atomically(out, lambda tmp: save_file({"images": images.contiguous(), "labels": stored.contiguous()}, str(tmp), metadata=metadata))
    return DrawnSamples(out, len(images), model.step, model.ema)


def _check_label(model: GanModel, source: str, label: int | None) -> None:
    if label is not None and not model.num_classes:
        raise ConfigError(f"--class needs a conditional run or model, but {source} ({model.config.recipe or 'custom'} on {model.dataset}) is unconditional.")
    if label is not None and not 0 <= label < model.num_classes:
        raise ConfigError(f"--class must be between 0 and {model.num_classes - 1} for {model.dataset}; got {label}.")


def evaluate_and_record(source: str, *, ema: bool = True, progress: Any = None, **options: Any) -> tuple[GanModel, EvaluationResult]:
    """Evaluate a run or a pretrained name as ``ganzoo eval`` does, and append a run's result to
    ``RUN/evaluations.jsonl``. ``options`` go to :func:`ganzoo.api.evaluate`; ``progress`` is a rich
    console that shows a heartbeat while it runs (``None``: silent)."""
    if "metrics" in options:
        options["metrics"] = parse_metrics(options["metrics"])  # a bad list fails before anything loads
    model = load(source, ema=ema)  # bad input fails here, before "evaluating ..." is printed
    n = options.get("n")
    count = f"{n} samples" if n else "its dataset's number of samples"
    with Heartbeat(f"evaluating {source} on {count}", console=progress, enabled=progress is not None):
        result = evaluate(model, **options)
    if model.card is None:  # a run directory: keep a record beside it
        log = Path(source) / EVALUATIONS_FILE
        previous = log.read_text() if log.exists() else ""
        write_atomically(log, lambda tmp: tmp.write_text(previous + json.dumps(result.to_json()) + "\n"))
    return model, result
