"""One loader for trained generators, from a run directory or a pretrained pack.

Both describe themselves: ``config.json`` holds the resolved configuration and, since runs record
it, the ``data`` the networks were built for (image shape, classes, class names), so a run or a
pack loads and draws with its dataset gone. Older runs and packs, which lack that record, take it
from their dataset's registry entry as before. A pack's weights are checked against the sha256
its entry records and against the pack format this ganzoo reads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file
from torch import nn

from ganzoo.base.layout import CONFIG_FILE
from ganzoo.base.specs import PretrainedSpec
from ganzoo.errors import CheckpointError, ConfigError
from ganzoo.pretrained.pack import READABLE_FORMATS, WEIGHTS_FILE, dequantize_state, read_card
from ganzoo.registry import Registry
from ganzoo.train.build import Shapes, build_generator, shapes_for
from ganzoo.train.checkpoint import load_module_weights, sha256_of
from ganzoo.train.config import TrainConfig
from ganzoo.train.run_dir import DATA_KEY, open_existing_run, warn_on_part_changes


@dataclass
class LoadedGenerator:
    """A generator rebuilt from a run or a pack, with what it was trained on."""

    generator: nn.Module  # in eval mode, on the requested device
    config: TrainConfig
    shapes: Shapes  # what the networks were built for, read from the artifact
    step: int
    ema: bool  # the EMA weights were loaded
    class_names: tuple[str, ...] = ()
    card: dict[str, Any] | None = field(default=None, repr=False)  # a pack's model card; None for a run


def recorded_shapes(folder: Path, config: TrainConfig, registry: Registry) -> tuple[Shapes, tuple[str, ...]]:
    """The shapes and class names ``folder/config.json`` records; from the dataset's entry when it records none."""
    try:
        record = json.loads((Path(folder) / CONFIG_FILE).read_text())
    except (OSError, ValueError) as error:
        raise ConfigError(f"Could not read the configuration {Path(folder) / CONFIG_FILE}: {error}.") from error
    data = record.get(DATA_KEY)
    if isinstance(data, dict):
        try:
            shape = tuple(int(v) for v in data["image_shape"])
            shapes = Shapes(shape, int(data["num_classes"]), config.latent_dim)  # type: ignore[arg-type]
        except (KeyError, TypeError, ValueError) as error:
            raise ConfigError(f"{Path(folder) / CONFIG_FILE} has an unreadable '{DATA_KEY}' record: {error}.") from error
        if len(shape) != 3:
            raise ConfigError(f"{Path(folder) / CONFIG_FILE} records image shape {list(shape)}; expected [channels, height, width].")
        return shapes, tuple(str(name) for name in data.get("class_names", ()))
    spec = registry.dataset(config.dataset)  # a run or pack from before ganzoo recorded its data
    return shapes_for(config, spec), ()


def _with_weights(registry: Registry, config: TrainConfig, shapes: Shapes, state: dict[str, torch.Tensor], what: str) -> nn.Module:
    generator = build_generator(registry, config, shapes)
    try:
        generator.load_state_dict(state)
    except RuntimeError as error:
        raise CheckpointError(f"{what} does not fit generator {config.generator!r}: {error}") from error
    return generator


def load_run(run_dir: str | Path, registry: Registry, *, use_ema: bool = True, device: str | torch.device = "cpu") -> LoadedGenerator:
    """The generator of a run's newest intact checkpoint (its EMA weights when it has them and ``use_ema``)."""
    run_dir = Path(run_dir)
    config = open_existing_run(run_dir)
    warn_on_part_changes(run_dir, registry, "loading", config)
    shapes, class_names = recorded_shapes(run_dir, config, registry)
    prefix = "generator_ema" if use_ema and config.ema_decay > 0 else "generator"
    step, state, _ = load_module_weights(run_dir, prefix)
    generator = _with_weights(registry, config, shapes, state, f"The checkpoint of step {step} in {run_dir}")
    return LoadedGenerator(generator.to(device).eval(), config, shapes, step, prefix == "generator_ema", class_names)


def pack_format(weights: Path) -> str | None:
    """The ``format`` a pack's weights file was written with (its safetensors metadata), or None."""
    with safe_open(str(weights), framework="pt") as handle:
        return (handle.metadata() or {}).get("format")


def load_pack(spec: PretrainedSpec, registry: Registry, *, device: str | torch.device = "cpu") -> LoadedGenerator:
    """The generator of a registered pack, its weights checked against the recorded sha256 and the pack format."""
    folder = Path(spec.path)
    weights = folder / WEIGHTS_FILE
    if not weights.is_file():
        raise CheckpointError(f"Pretrained {spec.name!r} has no weights file {weights}; reinstall the package that provides it.")
    if spec.sha256 and sha256_of(weights) != spec.sha256:
        raise CheckpointError(
            f"The weights of pretrained {spec.name!r} ({weights}) do not match their recorded sha256: the file is damaged "
            "or was replaced. Reinstall the package that provides it."
        )
    try:
        written = pack_format(weights)
        state = dequantize_state(load_file(str(weights)))
    except (SafetensorError, OSError) as error:
        raise CheckpointError(f"The weights of pretrained {spec.name!r} ({weights}) are unreadable: {error}") from error
    if written not in READABLE_FORMATS:
        raise CheckpointError(
            f"Pretrained {spec.name!r} was written in pack format {written!r}; this ganzoo reads {' and '.join(map(repr, READABLE_FORMATS))}. "
            "Install the ganzoo version the pack was made for, or a pack made for this one."
        )
    config = TrainConfig.from_json_file(folder / CONFIG_FILE)
    shapes, class_names = recorded_shapes(folder, config, registry)
    generator = _with_weights(registry, config, shapes, state, f"The weights of pretrained {spec.name!r}")
    card = read_card(folder)
    return LoadedGenerator(generator.to(device).eval(), config, shapes, int(card.get("step", 0)), bool(card.get("ema")), class_names, card)
