"""The recipe check: its parts fit together and it trains three steps on synthetic data of each of :data:`SHAPES`.

At (1, 28, 28) a recipe trains its own networks; at (3, 32, 32) and (3, 64, 64) the networks its
``by_resolution`` table picks for that side (or its own), narrowed to :data:`NARROW` where a part
takes those options, so that the check stays a matter of seconds on a CPU. A preset (a recipe
with a paper's card, fixed to one image side) trains on colour images of its own side, narrowed.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import torch

from ganzoo.data.dataset import DatasetSpec, ImageDataset
from ganzoo.discovery import get_registry
from ganzoo.registry import Registry
from ganzoo.testing.common import CheckResult, NUM_CLASSES, _check_all

#: The image shapes a recipe is trained on: MNIST's, and colour images at two of the papers' sides.
SHAPES = ((1, 28, 28), (3, 32, 32), (3, 64, 64))
#: Options that size the networks, set where a generator or discriminator takes them (colour shapes only).
NARROW = {"width": 8, "hidden": 64}


def synthetic_dataset(num_classes: int, shape: tuple[int, int, int] = (1, 28, 28), name: str = "conformance-synthetic") -> DatasetSpec:
    """A registrable dataset of 256 random uint8 images of ``shape`` (labels cycling over ``num_classes``): what the
    recipe check trains on, and what a speed measurement needs when the real data is not on the machine."""

    def load(root, split, download):
        generator = torch.Generator().manual_seed(0 if split == "train" else 1)
        images = torch.randint(0, 256, (256, *shape), dtype=torch.uint8, generator=generator)
        return ImageDataset(name, images, torch.arange(256) % num_classes, num_classes=num_classes)

    return DatasetSpec(name, load, shape, num_classes, "random images for the conformance kit")


def _narrowed(registry: Registry, config) -> dict[str, dict]:
    """``--set`` options that narrow the configured generator and discriminator (those of :data:`NARROW` each takes)."""
    from ganzoo.train.part_options import part_options, part_spec

    narrowed = {}
    for part in ("generator", "discriminator"):
        options, _ = part_options(part_spec(registry, part, getattr(config, part)))
        narrowed[part] = {k: v for k, v in NARROW.items() if k in options}
    return narrowed


def check_recipe(name: str, registry: Registry | None = None) -> list[CheckResult]:
    """Check that a recipe's parts exist and that it trains for a few steps."""
    from ganzoo.train import Trainer, resolve_config
    from ganzoo.train.checkpoint import list_checkpoints

    registry = (registry or get_registry()).copy()  # the synthetic dataset goes into a copy: the caller's registry is left alone
    recipe = registry.recipe(name)
    shapes = ((3, recipe.image_size, recipe.image_size),) if recipe.paper is not None and recipe.image_size else SHAPES

    def trains(shape: tuple[int, int, int]) -> str | None:
        registry.add("dataset", synthetic_dataset(NUM_CLASSES, shape), plugin="ganzoo.testing", override=True)
        settings = dict(steps=3, batch_size=8, log_every=1, sample_every=3, checkpoint_every=3, device="cpu")
        config = resolve_config(registry, "conformance-synthetic", name, **settings)
        if shape[0] != 1:  # colour: the networks the recipe picks for this side, narrowed
            config = resolve_config(registry, "conformance-synthetic", name, part_options=_narrowed(registry, config), **settings)
        with tempfile.TemporaryDirectory() as tmp:
            trainer = Trainer(config, Path(tmp) / "run", registry=registry, progress=False)
            result = trainer.fit()
            if result.step != 3:
                return f"stopped at step {result.step} of 3"
            if not all(torch.isfinite(p).all() for p in [*trainer.gan.G.parameters(), *trainer.gan.D.parameters()]):
                return "weights are not finite after 3 steps"
            if not list_checkpoints(Path(tmp) / "run"):
                return "no checkpoint was written"
        return None

    checks = [(f"trains 3 steps ({'x'.join(map(str, shape))})", lambda shape=shape: trains(shape)) for shape in shapes]
    return _check_all("recipe", name, checks)
