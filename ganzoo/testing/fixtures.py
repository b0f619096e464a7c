"""Small critics, a tiny generator and a real GanStep (:func:`kit_step`) that the loss and state checks train."""

from __future__ import annotations

import dataclasses
import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from ganzoo.data.dataset import ImageDataset
from ganzoo.protocols import PartSpec, PhaseContext
from ganzoo.registry import Registry
from ganzoo.train.state_io import flatten_state, unflatten_state

if TYPE_CHECKING:
    from ganzoo.train.step import GanStep
    from ganzoo.train.strategy import SingleProcess


class _RecordedScore(torch.autograd.Function):
    """x . w that notes when its backward runs with ``create_graph=True``: a double backward through D."""

    @staticmethod
    def forward(ctx, x, w, record):
        ctx.save_for_backward(x, w)
        ctx.record = record
        return x @ w

    @staticmethod
    def backward(ctx, grad):
        if torch.is_grad_enabled():  # only true inside a backward asked to build a graph of its own
            ctx.record["double_backward"] = True
        x, w = ctx.saved_tensors
        return grad[:, None] * w[None, :], x.t() @ grad, None


class _LinearCritic(nn.Module):
    """score = w . flatten(x), starting from w = 0: the simplest discriminator, for loss checks.

    ``record`` notes in ``record["double_backward"]`` whether a loss differentiated through its
    input gradient, which a compiled discriminator cannot do.
    """

    def __init__(self, shape=(1, 4, 4), record: dict | None = None):
        super().__init__()
        self.image_shape, self.num_classes, self.record = shape, 0, record
        self.weight = nn.Parameter(torch.zeros(int(torch.tensor(shape).prod())))  # scores start at 0, inside every margin

    def forward(self, x, labels=None):
        flat = x.flatten(1)
        return flat @ self.weight if self.record is None else _RecordedScore.apply(flat, self.weight, self.record)


class _CurvedCritic(_LinearCritic):
    """score = w . (x + x²): its input gradient depends on the input, so where a loss evaluates it
    (e.g. a gradient penalty's random interpolates) changes the loss."""

    def forward(self, x, labels=None):
        flat = x.flatten(1)
        return (flat + flat * flat) @ self.weight


class _TinyGenerator(nn.Module):
    """z (B, 16) -> (B, 1, 4, 4) images in [-1, 1], for losses that call ``ctx.G``."""

    latent_dim, image_shape, num_classes = 16, (1, 4, 4), 0

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 16)

    def forward(self, z, labels=None):
        return torch.tanh(self.fc(z)).view(-1, 1, 4, 4)


def kit_step(
    loss: object = None,
    D: nn.Module | None = None,
    *,
    seed: int = 0,
    augment=None,
    batch: int = 8,
    strategy: "SingleProcess | None" = None,
) -> "GanStep":
    """A :class:`~ganzoo.train.step.GanStep` on the kit's tiny networks: a (1, 4, 4) linear critic
    (or ``D``), a 16-d generator whose weights follow ``seed``, and 8 synthetic images; its random
    streams (latents, ``ctx.rng``) are seeded from ``seed``. Torch's global generator is left alone.

    ``strategy`` (e.g. :class:`~ganzoo.train.strategy.DataParallel`) runs it in a process group:
    each process then gets images of its own (drawn from ``seed`` and its rank), as each
    process of a data-parallel run sees its own batches."""
    from ganzoo.train.config import TrainConfig
    from ganzoo.train.step import GanStep

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        G = _TinyGenerator()
        D = D if D is not None else _LinearCritic()
    rank = strategy.rank if strategy is not None else 0
    images = torch.randint(0, 256, (batch, 1, 4, 4), dtype=torch.uint8, generator=torch.Generator().manual_seed(seed + 7919 * rank))
    config = TrainConfig("kit", "kit", "kit", "kit", seed=seed, latent_dim=G.latent_dim, batch_size=batch, ema_decay=0.0)
    return GanStep(config, G, D, loss, ImageDataset("kit", images), augment=augment, strategy=strategy)


def phase_context(phase: str, D: nn.Module, real: torch.Tensor, fake: torch.Tensor, step: int = 0, labels: torch.Tensor | None = None, **fields) -> PhaseContext:
    """A phase context of step ``step`` with these tensors and discriminator ``D`` (the kit's
    critic when None), built by the training step (:func:`kit_step`, its streams seeded by
    ``step``) as the trainer builds its own; ``fields`` replace some of its fields (e.g.
    ``augment=``). For unit tests of a loss: ``loss.discriminator_loss(phase_context("discriminator", D, real, fake))``."""
    gan = kit_step(seed=step)
    gan.count = step
    ctx = gan.context(phase, real, labels, fake, discriminator=D)
    return dataclasses.replace(ctx, **fields) if fields else ctx


def _batches(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    real = torch.full((8, 1, 4, 4), 0.5) + 0.05 * torch.randn(8, 1, 4, 4, generator=generator)
    fake = torch.full((8, 1, 4, 4), -0.5) + 0.05 * torch.randn(8, 1, 4, 4, generator=generator)
    return real, fake


def _stats_problem(phase: str, stats: dict) -> str | None:
    bad = [k for k, v in stats.items() if not (isinstance(v, torch.Tensor) and v.dim() == 0 and not v.requires_grad)]
    return f"stats {bad} of the {phase} phase are not detached scalar tensors" if bad else None


def _scalar_problem(phase: str, value: torch.Tensor, stats: dict) -> str | None:
    if not isinstance(value, torch.Tensor) or value.dim() != 0 or not torch.isfinite(value):
        return f"the {phase} loss is not a finite scalar tensor: {value!r}"
    return _stats_problem(phase, stats)


def _trainable_loss(registry: Registry, spec: PartSpec) -> PartSpec:
    """The entry the kit trains: the loss itself, or ``bce+NAME`` for a regulariser."""
    return registry.loss(f"bce+{spec.name}") if spec.regularizer else spec


def _through_checkpoint(state) -> object:
    """``state`` after the trip a checkpoint makes: tensors through safetensors, the rest through JSON."""
    tensors, tree = flatten_state(state, "part")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "state.safetensors"
        save_file(tensors, str(path))
        return unflatten_state(json.loads(json.dumps(tree)), load_file(str(path)))


def _same_state(a, b) -> bool:
    tensors_a, tree_a = flatten_state(a, "part")
    tensors_b, tree_b = flatten_state(b, "part")
    same_keys = tree_a == tree_b and tensors_a.keys() == tensors_b.keys()
    return same_keys and all(torch.equal(tensors_a[k], tensors_b[k]) for k in tensors_a)
