"""Every registered recipe under data parallelism: shared by tests/train/test_ddp.py and its torchrun workers.

``torchrun --nproc-per-node 2 tests/train/ddp_recipes.py OUT`` trains, in the same two gloo
processes and one recipe after another (tiny widths, a synthetic dataset, a few steps):

* ``OUT/RECIPE/ddp``: a fresh 2-process run of :data:`STEPS` steps;
* ``OUT/RECIPE/single``: a run the test trained in 1 process, resumed here to ``2 * STEPS``;
* for a loss that reports a gradient penalty (``gp``), the penalty and the critic's gradients
  computed by the 2 processes on the two halves of one batch, and by each process alone on
  the whole batch.

Each rank writes what it saw to ``OUT/rank-R.json``; the test compares the ranks.
"""

from __future__ import annotations

import copy
import hashlib
import inspect
import json
import os
import sys
from pathlib import Path
from typing import Any

import torch

from ganzoo.data.dataset import DatasetSpec, ImageDataset
from ganzoo.discovery import build_registry
from ganzoo.registry import Registry
from ganzoo.train import Trainer, resolve_config
from ganzoo.train.strategy import DataParallel

DATASET = "ddp-synthetic"
STEPS = 2
BATCH = 8  # per process
TINY_OPTIONS = {"width": 8, "hidden": (32, 16)}  # whichever of these a part's factory takes (hidden: int or widths)


def _load(root, split, download) -> ImageDataset:
    generator = torch.Generator().manual_seed(0 if split == "train" else 1)
    images = torch.randint(0, 256, (256, 1, 28, 28), dtype=torch.uint8, generator=generator)
    return ImageDataset(DATASET, images, torch.arange(256) % 10, num_classes=10)


def make_registry() -> Registry:
    """The installed plugins plus a small synthetic labelled dataset."""
    registry = build_registry()
    spec = DatasetSpec(DATASET, _load, (1, 28, 28), 10, "random images for the DDP tests")
    registry.add("dataset", spec, plugin="tests")
    return registry


def recipe_names(registry: Registry) -> list[str]:
    """The recipes the DDP tests train: every registered one but the presets (the same parts at the papers' budgets)."""
    return [name for name in registry.names("recipe") if registry.recipe(name).paper is None]


def _tiny(factory, options: dict[str, Any]) -> dict[str, Any]:
    accepted = inspect.signature(factory).parameters
    tiny = {k: v for k, v in TINY_OPTIONS.items() if k in accepted}
    if isinstance(accepted.get("hidden") and accepted["hidden"].default, int):  # one hidden layer's width
        tiny["hidden"] = TINY_OPTIONS["hidden"][0]
    return {**options, **tiny}


def tiny_config(registry: Registry, recipe: str, steps: int):
    """``recipe`` at tiny widths, at most 2 discriminator steps, batch 8, a checkpoint at the end."""
    base = registry.recipe(recipe)
    return resolve_config(
        registry, DATASET, recipe, steps=steps, batch_size=BATCH, d_steps=min(base.d_steps, 2), device="cpu",
        log_every=1, sample_every=1000, checkpoint_every=steps, seed=0,
        generator_options=_tiny(registry.generator(base.generator).factory, base.generator_options),
        discriminator_options=_tiny(registry.discriminator(base.discriminator).factory, base.discriminator_options),
    )  # fmt: skip


def digest(*modules: torch.nn.Module) -> str:
    """sha256 of the modules' parameters (buffers such as BatchNorm statistics are each rank's own)."""
    sha = hashlib.sha256()
    for module in modules:
        for p in module.parameters():
            sha.update(p.detach().cpu().contiguous().numpy().tobytes())
    return sha.hexdigest()


def discriminator_loss(gan, D, real, fake, labels):
    """The loss's discriminator phase through its public method, with the step's phase context of these tensors and ``D``."""
    return gan.loss.discriminator_loss(gan.context("discriminator", real, labels, fake, discriminator=D))


def penalty_check(trainer: Trainer) -> dict[str, Any] | None:
    """The penalty and critic gradients of 2 processes on two halves of a batch vs one process on all of it.

    Real and fake images are the same batch, so the interpolates are those images whatever the
    random interpolation weights (each process draws its own), and the Wasserstein term has no
    gradient: what is compared is exactly the gradient penalty. Returns None for a loss without one.
    """
    strategy, world = trainer.strategy, trainer.strategy.world_size
    shape, classes = trainer.shapes.image_shape, trainer.shapes.num_classes
    generator = torch.Generator().manual_seed(123)  # the same global batch in every process
    images = torch.rand(BATCH * world, *shape, generator=generator) * 2 - 1
    labels = torch.randint(0, classes, (BATCH * world,), generator=generator) if trainer.config.conditional else None
    reference = copy.deepcopy(trainer.gan.D)
    ref_loss, ref_stats = discriminator_loss(trainer.gan, reference, images, images, labels)
    if "gp" not in ref_stats:
        return None
    ref_loss.backward()
    part = slice(strategy.rank * BATCH, (strategy.rank + 1) * BATCH)
    mine = labels[part] if labels is not None else None
    loss, stats = discriminator_loss(trainer.gan, trainer.gan.D_train, images[part], images[part], mine)
    trainer.gan.D.zero_grad(set_to_none=True)
    loss.backward()  # DDP averages the critic's gradients over the processes
    pairs = zip(trainer.gan.D.parameters(), reference.parameters(), strict=True)
    gaps = [(p.grad - r.grad).abs().max().item() / (r.grad.abs().max().item() + 1e-12) for p, r in pairs]
    trainer.gan.D.zero_grad(set_to_none=True)
    return {
        "ddp": strategy.mean({"gp": float(stats["gp"])})["gp"],  # the mean of the processes' penalties
        "single": float(ref_stats["gp"]),
        "local": float(stats["gp"]),
        "max_relative_grad_gap": max(gaps),
    }


def main(out: Path) -> None:
    """Run every recipe in this process (one of a torchrun group) and write OUT/rank-R.json.

    A trainer releases the process group when it finishes, and torchrun's rendezvous does not
    support setting it up again in the same process; here the group stays up for all recipes
    and is released once at the end.
    """
    DataParallel.teardown = lambda self: None
    registry = make_registry()
    report: dict[str, Any] = {}
    for recipe in recipe_names(registry):
        folder = out / recipe
        trainer = Trainer(tiny_config(registry, recipe, STEPS), folder / "ddp", registry=registry, progress=False)
        trainer.setup()
        entry = {"world_size": trainer.strategy.world_size, "holds_lock": trainer.run_lock.held}
        entry["penalty"] = penalty_check(trainer)
        trainer.fit()
        entry["ddp"] = digest(trainer.gan.G, trainer.gan.D)
        config = tiny_config(registry, recipe, 2 * STEPS)
        resumed = Trainer(config, folder / "single", registry=registry, resume=True, progress=False)
        resumed.fit()
        entry["resumed"] = digest(resumed.gan.G, resumed.gan.D)
        entry["resumed_from"] = STEPS
        report[recipe] = entry
    rank = int(os.environ.get("RANK", "0"))
    (out / f"rank-{rank}.json").write_text(json.dumps(report, indent=1))
    torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
