"""Runs and packs describe themselves: they load and draw with their dataset gone; pack formats are checked."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from PIL import Image
from safetensors.torch import load_file, save_file
from torch import nn

from ganzoo import CheckpointError, api
from ganzoo.discovery import get_registry
from ganzoo.loading import load_pack
from ganzoo.pretrained import PretrainedSpec
from ganzoo.pretrained.pack import dequantize_state, output_axes, quantize_state


def _colour_folder(root: Path) -> Path:
    generator = torch.Generator().manual_seed(0)
    for label in ("cats", "dogs"):
        (root / label).mkdir(parents=True)
        for index in range(12):
            pixels = torch.randint(0, 256, (20, 20, 3), dtype=torch.uint8, generator=generator).numpy()
            Image.fromarray(pixels, "RGB").save(root / label / f"{index}.png")
    return root


def test_a_run_samples_after_its_folder_is_deleted(tmp_path):
    folder = _colour_folder(tmp_path / "images")
    run = api.train("vanilla", data=f"folder:{folder}", out=tmp_path / "run", steps=2, batch_size=8, log_every=1, sample_every=2, checkpoint_every=2)
    record = json.loads((run.dir / "config.json").read_text())
    assert record["data"] == {"image_shape": [3, 20, 20], "num_classes": 0, "class_names": []}
    shutil.rmtree(folder)
    model = api.load(run.dir)
    images = model.generate(3, seed=1)
    assert images.shape == (3, 3, 20, 20) and images.dtype == torch.uint8


def test_transposed_convolutions_are_quantised_per_output_channel():
    torch.manual_seed(0)
    net = nn.Sequential(nn.ConvTranspose2d(64, 32, 4), nn.Conv2d(32, 48, 3))
    with torch.no_grad():
        net[0].weight[:, 5] *= 100  # one output channel far larger than the others
    state = net.state_dict()
    assert output_axes(net) == {"0.weight": 1}
    stored = quantize_state(state, axes=output_axes(net))
    assert stored["0.weight:scale"].shape == (1, 32, 1, 1) and stored["1.weight:scale"].shape == (48, 1, 1, 1)
    restored = dequantize_state(stored)
    for key, axis in (("0.weight", 1), ("1.weight", 0)):
        original = state[key].movedim(axis, 0).reshape(state[key].shape[axis], -1)
        error = (restored[key] - state[key]).movedim(axis, 0).reshape(state[key].shape[axis], -1).abs().amax(dim=1)
        assert torch.all(error <= original.abs().amax(dim=1) / 127 / 2 + 1e-6)  # within half a step of its own channel's scale
    small = (restored["0.weight"] - state["0.weight"])[:, :5].abs().max()
    along_dim0 = dequantize_state(quantize_state(state))["0.weight"]  # the old axis: channel 5 inflates every scale
    assert small < (along_dim0 - state["0.weight"])[:, :5].abs().max() / 10


def _repacked(tmp_path: Path, metadata: dict[str, str]) -> PretrainedSpec:
    spec = get_registry().pretrained("vanilla-mnist")
    folder = tmp_path / "pack"
    shutil.copytree(spec.path, folder)
    weights = folder / "generator.safetensors"
    save_file(load_file(str(weights)), str(weights), metadata=metadata)
    return PretrainedSpec(spec.name, str(folder))


def test_a_pack_of_another_format_is_refused_and_the_first_format_still_loads(tmp_path):
    with pytest.raises(CheckpointError, match="pack format 'ganzoo.pretrained/99'"):
        load_pack(_repacked(tmp_path / "a", {"format": "ganzoo.pretrained/99"}), get_registry())
    loaded = load_pack(_repacked(tmp_path / "b", {"format": "ganzoo.pretrained/1", "quantization": "int8"}), get_registry())
    assert loaded.shapes.image_shape == (1, 28, 28)
