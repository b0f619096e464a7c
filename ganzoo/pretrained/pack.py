"""Reading and writing a pretrained pack's weights: 8-bit per output channel, checked by sha256.

Weights are stored as safetensors. A floating-point tensor of two or more dimensions with at
least :data:`QUANTIZE_MIN_NUMEL` elements (linear and convolution weights) is stored as int8
with one float32 scale per output channel (symmetric: ``w ≈ q * scale``); every other tensor
(biases, normalisation parameters and statistics, small embeddings) is stored as it is. The
pack's card records the scores measured with the stored weights beside the scores of the
full-precision run they came from.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn

from ganzoo.base.atomic import write_atomically, write_json_atomically
from ganzoo.base.layout import CONFIG_FILE
from ganzoo.errors import CheckpointError, ConfigError
from ganzoo.pretrained.spec import CARD_FILE, PretrainedSpec
from ganzoo.registry import Registry
from ganzoo.train.build import Shapes, build_generator, shapes_for
from ganzoo.train.checkpoint import sha256_of
from ganzoo.train.config import TrainConfig

WEIGHTS_FILE = "generator.safetensors"
GRID_FILE = "samples.png"
CARD_TEXT_FILE = "README.md"
FORMAT = "ganzoo.pretrained/1"
QUANTIZE_MIN_NUMEL = 4096
_SCALE = ":scale"  # suffix of a quantised tensor's scales (':' appears in no module's parameter name)
QUANTIZATIONS = ("int8", "fp16", "none")


def quantize_state(state: dict[str, torch.Tensor], quantization: str = "int8") -> dict[str, torch.Tensor]:
    """The tensors to store for a generator's ``state_dict()`` (see the module's docstring)."""
    if quantization not in QUANTIZATIONS:
        raise ConfigError(f"Unknown quantization {quantization!r}; choose one of: {', '.join(QUANTIZATIONS)}.")
    stored: dict[str, torch.Tensor] = {}
    for key, tensor in state.items():
        tensor = tensor.detach().cpu()
        big = tensor.is_floating_point() and tensor.dim() >= 2 and tensor.numel() >= QUANTIZE_MIN_NUMEL
        if big and quantization == "int8":
            rows = tensor.float().reshape(tensor.shape[0], -1)
            scale = rows.abs().amax(dim=1).clamp_min(1e-12) / 127.0
            stored[key] = torch.round(rows / scale[:, None]).clamp(-127, 127).to(torch.int8).reshape(tensor.shape)
            stored[key + _SCALE] = scale
        elif big and quantization == "fp16":
            stored[key] = tensor.half()
        else:
            stored[key] = tensor.contiguous()
    return stored


def dequantize_state(stored: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The float32 ``state_dict`` that :func:`quantize_state` stored."""
    state = {}
    for key, tensor in stored.items():
        if key.endswith(_SCALE):
            continue
        scale = stored.get(key + _SCALE)
        if scale is not None:
            tensor = (tensor.float().reshape(tensor.shape[0], -1) * scale[:, None]).reshape(tensor.shape)
        elif tensor.dtype == torch.float16:
            tensor = tensor.float()
        state[key] = tensor
    return state


def read_card(folder: str | Path) -> dict[str, Any]:
    """The model card (``card.json``) of a pack folder."""
    path = Path(folder) / CARD_FILE
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise CheckpointError(f"The model card {path} is missing or unreadable: {error}.") from error


def load_pretrained(spec: PretrainedSpec, registry: Registry, device: str | torch.device = "cpu") -> tuple[nn.Module, TrainConfig, Shapes, dict[str, Any]]:
    """Build the generator of a registered pack; returns ``(generator, config, shapes, card)``.

    The weights file is checked against the sha256 the entry records before it is read.
    """
    folder = Path(spec.path)
    weights = folder / WEIGHTS_FILE
    if not weights.is_file():
        raise CheckpointError(f"Pretrained {spec.name!r} has no weights file {weights}; reinstall the package that provides it.")
    if spec.sha256 and sha256_of(weights) != spec.sha256:
        raise CheckpointError(
            f"The weights of pretrained {spec.name!r} ({weights}) do not match their recorded sha256: the file is damaged "
            "or was replaced. Reinstall the package that provides it."
        )
    config = TrainConfig.from_json_file(folder / CONFIG_FILE)
    shapes = shapes_for(config, registry.dataset(config.dataset))
    generator = build_generator(registry, config, shapes)
    try:
        state = dequantize_state(load_file(str(weights)))
        generator.load_state_dict(state)
    except (SafetensorError, OSError, RuntimeError) as error:
        raise CheckpointError(f"The weights of pretrained {spec.name!r} do not fit generator {config.generator!r}: {error}") from error
    return generator.to(device).eval(), config, shapes, read_card(folder)


def write_pack(
    out_dir: Path, generator: nn.Module, run_config: dict[str, Any], card: dict[str, Any], quantization: str = "int8"
) -> dict[str, Any]:
    """Write a pack folder: weights, the run's configuration record, the card (JSON and README.md).

    ``run_config`` is the run's ``config.json`` record; its machine-specific ``data_root`` is
    dropped (the pack is evaluated wherever the data lives). Returns the card as written, with
    the weights' file, size, sha256 and format filled in. The grid is drawn by the caller from
    the stored weights (:func:`load_pretrained`), so that it shows what a user gets.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stored = quantize_state(generator.state_dict(), quantization)
    metadata = {"format": FORMAT, "quantization": quantization}
    write_atomically(out_dir / WEIGHTS_FILE, lambda tmp: save_file(stored, str(tmp), metadata=metadata), "the pack's weights")
    record = json.loads(json.dumps(run_config))
    record["config"]["data_root"] = None
    write_json_atomically(out_dir / CONFIG_FILE, record, "the pack's configuration")
    card = {
        **card,
        "weights": {
            "file": WEIGHTS_FILE,
            "bytes": (out_dir / WEIGHTS_FILE).stat().st_size,
            "sha256": sha256_of(out_dir / WEIGHTS_FILE),
            "parameters": sum(p.numel() for p in generator.parameters()),
            "quantization": quantization,
        },
        "grid": GRID_FILE,
    }
    write_card(out_dir, card)
    return card


def write_card(out_dir: Path, card: dict[str, Any]) -> None:
    """Write ``card.json`` and its text, ``README.md``."""
    write_json_atomically(Path(out_dir) / CARD_FILE, card, "the model card")
    write_atomically(Path(out_dir) / CARD_TEXT_FILE, lambda tmp: tmp.write_text(card_text(card)), "the model card")


def _row(scores: dict[str, Any], keys: tuple[str, ...]) -> str:
    cells = []
    for key in keys:
        value = scores.get(key)
        cells.append("–" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value))
    return " | ".join(cells)


def card_text(card: dict[str, Any]) -> str:
    """The model card as Markdown: what it is, how it was trained, what it scores."""
    training, weights = card.get("training", {}), card.get("weights", {})
    keys = ("fid", "kid", "is", "classes_covered", "conditional_accuracy", "intra_fid")
    lines = [
        f"# {card['name']}",
        "",
        card.get("description", ""),
        "",
        f"![samples]({card.get('grid', GRID_FILE)})",
        "",
        "## Training",
        "",
        f"- command: `{training.get('command', '?')}`",
        f"- steps: {training.get('steps', '?')}, batch size {training.get('batch_size', '?')}, seed {card.get('seed', '?')}",
        f"- parts: {training.get('generator', '?')} x {training.get('discriminator', '?')} x {training.get('loss', '?')}"
        + (" (EMA weights)" if card.get("ema") else ""),
        f"- training time: {training.get('train_s', '?')} s at {training.get('images_per_s', '?')} images/s on {training.get('hardware', '?')}",
        "",
        "## Scores",
        "",
        f"Protocol: {card.get('protocol', '')}",
        "",
        "| weights | " + " | ".join(keys) + " |",
        "|---|" + "---|" * len(keys),
    ]
    for label, scores in card.get("scores", {}).items():
        lines.append(f"| {label} | {_row(scores, keys)} |")
    lines += [
        "",
        "## Weights",
        "",
        f"`{weights.get('file', WEIGHTS_FILE)}`: {weights.get('parameters', '?')} parameters, {weights.get('bytes', '?')} bytes, "
        f"{weights.get('quantization', '?')} (tensors of two or more dimensions; the rest float32), sha256 `{weights.get('sha256', '?')}`.",
        "",
    ]
    return "\n".join(lines)


def copy_grid(source: Path, out_dir: Path) -> None:
    """Copy a grid PNG into the pack."""
    shutil.copyfile(source, Path(out_dir) / GRID_FILE)
