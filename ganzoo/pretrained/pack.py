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
from safetensors.torch import save_file
from torch import nn

from ganzoo.base.atomic import write_atomically, write_json_atomically
from ganzoo.base.layout import CONFIG_FILE
from ganzoo.errors import CheckpointError, ConfigError
from ganzoo.pretrained.spec import CARD_FILE
from ganzoo.train.checkpoint import sha256_of

WEIGHTS_FILE = "generator.safetensors"
GRID_FILE = "samples.png"
CARD_TEXT_FILE = "README.md"
FORMAT = "ganzoo.pretrained/2"  # /2: int8 scales broadcast along each tensor's output-channel axis
READABLE_FORMATS = ("ganzoo.pretrained/1", FORMAT)  # /1 packs (scales along dim 0, all of them) still load
QUANTIZE_MIN_NUMEL = 4096
_SCALE = ":scale"  # suffix of a quantised tensor's scales (':' appears in no module's parameter name)
QUANTIZATIONS = ("int8", "fp16", "none")


def output_axes(module: nn.Module) -> dict[str, int]:
    """State-dict keys whose output channels are not on dim 0: a transposed convolution's weight is
    (in, out, k...), so its output channels are dim 1 (its spectral-norm or weight-norm copies too)."""
    transposed = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)
    axes = {}
    state = module.state_dict()
    for name, child in module.named_modules():
        if isinstance(child, transposed):
            prefix = f"{name}." if name else ""
            shape = tuple(child.weight.shape)
            axes.update({key: 1 for key, tensor in state.items() if key.startswith(prefix) and tuple(tensor.shape) == shape and key[len(prefix):].count(".") <= 2})
    return axes


def quantize_state(state: dict[str, torch.Tensor], quantization: str = "int8", axes: dict[str, int] | None = None) -> dict[str, torch.Tensor]:
    """The tensors to store for a generator's ``state_dict()`` (see the module's docstring).

    ``axes`` names the output-channel axis of tensors where it is not 0 (:func:`output_axes`); each
    int8 tensor's scales are stored in a shape that broadcasts along that axis.
    """
    if quantization not in QUANTIZATIONS:
        raise ConfigError(f"Unknown quantization {quantization!r}; choose one of: {', '.join(QUANTIZATIONS)}.")
    stored: dict[str, torch.Tensor] = {}
    for key, tensor in state.items():
        tensor = tensor.detach().cpu()
        big = tensor.is_floating_point() and tensor.dim() >= 2 and tensor.numel() >= QUANTIZE_MIN_NUMEL
        if big and quantization == "int8":
            axis = (axes or {}).get(key, 0)
            others = tuple(d for d in range(tensor.dim()) if d != axis)
            scale = tensor.float().abs().amax(dim=others, keepdim=True).clamp_min(1e-12) / 127.0
            stored[key] = torch.round(tensor.float() / scale).clamp(-127, 127).to(torch.int8)
            stored[key + _SCALE] = scale.contiguous()
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
        if scale is not None and scale.dim() == tensor.dim():
            tensor = tensor.float() * scale  # scales that broadcast along the output-channel axis
        elif scale is not None:  # a /1 pack: one scale per index of dim 0
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


def write_pack(
    out_dir: Path, generator: nn.Module, run_config: dict[str, Any], card: dict[str, Any], quantization: str = "int8"
) -> dict[str, Any]:
    """Write a pack folder: weights, the run's configuration record, the card (JSON and README.md).

    ``run_config`` is the run's ``config.json`` record; its machine-specific ``data_root`` is
    dropped (the pack is evaluated wherever the data lives). Returns the card as written, with
    the weights' file, size, sha256 and format filled in. The grid is drawn by the caller from
    the stored weights (:func:`ganzoo.loading.load_pack`), so that it shows what a user gets.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stored = quantize_state(generator.state_dict(), quantization, output_axes(generator))
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
