"""Shared work within a phase: a regulariser reuses the base loss's D scores (same augmentation draw,
same graph) and the latents behind ctx.fake; the step's results are those of unshared work."""

from __future__ import annotations

import contextlib
import importlib.util
from pathlib import Path

import pytest
import torch

from ganzoo.testing import kit_step, phase_context

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "forward_counts.py"


@pytest.fixture(scope="module")
def counts():
    spec = importlib.util.spec_from_file_location("forward_counts", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "loss, before, after",
    [
        ("hinge+lecam", {"d_calls": 5}, {"d_calls": 3}),  # D phase 4 -> 2, plus the generator phase's one
        ("bce+bcr", {"d_calls": 7}, {"d_calls": 5}),  # D phase 6 -> 4
        ("bce+r1", {"d_calls": 4}, {"d_calls": 4}),  # R1's forward is of its own copy of the real batch
        ("bce+mode-seeking", {"g_images": 16}, {"g_images": 12}),  # B/2 extra images instead of B
    ],
)
def test_forward_counts_before_and_after_sharing(counts, loss, before, after):
    registry = counts.registry_with_regularisers()
    options = {"interval": 1} if loss == "bce+r1" else None
    assert counts.count(registry, loss, shared=False, options=options).items() >= before.items()
    assert counts.count(registry, loss, shared=True, options=options).items() >= after.items()


def _trained_weights(counts, shared: bool) -> list[torch.Tensor]:
    registry = counts.registry_with_regularisers()
    gan = kit_step(registry.build_part("loss", "hinge+lecam"), seed=3)
    with contextlib.nullcontext() if shared else counts.unshared(gan):
        for _ in range(3):
            gan.step()
    return [p.detach().clone() for p in [*gan.G.parameters(), *gan.D.parameters()]]


def test_sharing_changes_no_number(counts):
    """Three steps of hinge+lecam end with the same weights whether D's scores are shared or recomputed."""
    for a, b in zip(_trained_weights(counts, True), _trained_weights(counts, False), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6)


def test_a_regulariser_sees_the_base_losss_augmentation_draw():
    """With an augmentation, the scores a regulariser gets for ctx.real are those of the base loss's draw."""
    D = torch.nn.Linear(16, 1, bias=False)
    critic = lambda x, labels=None: D(x.flatten(1)).squeeze(1)  # noqa: E731
    real, fake = torch.randn(4, 1, 4, 4), torch.randn(4, 1, 4, 4)
    draws = torch.Generator().manual_seed(0)
    ctx = phase_context("discriminator", critic, real, fake, augment=lambda x: x + torch.randn(x.shape, generator=draws))
    base = ctx.D(ctx.real)
    assert ctx.D(ctx.real) is base  # the regulariser's call: same tensor, same draw, same graph
    assert not torch.equal(ctx.D(ctx.real.clone()), base)  # another tensor gets its own forward and draw
    with torch.no_grad():
        assert ctx.D(ctx.real).grad_fn is None  # a no-grad call does not hand out (or take) the graph
