"""Checks of losses and augmentations: both phases, gradients, random streams, and their state."""

from __future__ import annotations

from typing import Callable

import torch

from ganzoo.discovery import get_registry
from ganzoo.registry import Registry
from ganzoo.testing.agreement import _two_process_agreement
from ganzoo.testing.common import BATCH, CheckResult, SHAPES, _check_all
from ganzoo.testing.fixtures import _CurvedCritic, _LinearCritic, _batches, _scalar_problem, _stats_problem, _trainable_loss, phase_context
from ganzoo.testing.state import _Trial, _resume_round_trip, _unsaved_state


def _state_checks(trial: _Trial) -> list[tuple[str, Callable[[], str | None]]]:
    def isolated(check: Callable[[_Trial], str | None]) -> Callable[[], str | None]:
        def run() -> str | None:
            with torch.random.fork_rng(devices=[]):  # the caller's global generator is left as it was
                return check(trial)

        return run

    return [
        ("state carries what changes", isolated(_unsaved_state)),
        ("state round trip", isolated(_resume_round_trip)),
        ("state agrees across 2 processes", isolated(_two_process_agreement)),
    ]


def check_loss(name: str, registry: Registry | None = None) -> list[CheckResult]:
    """Check a registered loss (or regulariser) against the Loss contract on a small linear critic."""
    registry = registry or get_registry()
    declared = registry.loss(name)
    spec = _trainable_loss(registry, declared)

    def phases():
        loss = spec.factory()
        torch.manual_seed(0)
        D = _LinearCritic()
        real, fake = _batches()
        gap_before = (D(real) - D(fake)).mean().item()
        d_loss, d_stats = loss.discriminator_loss(phase_context("discriminator", D, real, fake))
        problem = _scalar_problem("discriminator", d_loss, d_stats)
        if problem:
            return problem
        d_loss.backward()
        with torch.no_grad():
            D.weight -= 0.01 * D.weight.grad
        if not (D(real) - D(fake)).mean().item() > gap_before:
            return "a gradient step on the discriminator loss does not separate real from fake scores"
        D.weight.grad = None
        fake = fake.clone().requires_grad_(True)
        g_loss, g_stats = loss.generator_loss(phase_context("generator", D, real, fake))
        problem = _scalar_problem("generator", g_loss, g_stats)
        if problem:
            return problem
        g_loss.backward()
        with torch.no_grad():
            moved = fake - 0.1 * fake.grad
            if not D(moved).mean() > D(fake).mean():
                return "moving the fakes against the generator loss's gradient does not raise their scores"
        return None

    def needs():
        loss = spec.factory()
        record: dict = {}
        D = _LinearCritic(record=record)
        with torch.no_grad():
            D.weight.fill_(0.1)
        real, fake = _batches()
        loss.discriminator_loss(phase_context("discriminator", D, real, fake))[0].backward()
        loss.generator_loss(phase_context("generator", D, real, fake.clone().requires_grad_(True)))[0].backward()
        if record.get("double_backward") and "double_backward" not in spec.needs:
            return (
                "backpropagates through D's input gradient but does not declare needs=('double_backward',) "
                "in its registry entry"
            )
        return None

    def seeded():
        """Both phases twice from the same context seeds, torch's global generator seeded differently."""
        results = []
        for global_seed in (1, 2):
            torch.manual_seed(global_seed)
            loss = spec.factory()
            D = _CurvedCritic()
            with torch.no_grad():  # uneven weights and a curved score, so that where a random draw moves a pixel matters
                D.weight.copy_(torch.linspace(-0.2, 0.3, len(D.weight)))
            real, fake = _batches()
            d_loss, _ = loss.discriminator_loss(phase_context("discriminator", D, real, fake))
            g_loss, _ = loss.generator_loss(phase_context("generator", D, real, fake.clone().requires_grad_(True)))
            results.append(torch.stack([d_loss.detach(), g_loss.detach()]))
        if not torch.equal(*results):
            return (
                "draws random numbers from torch's global generator: runs could not resume exactly nor depend on --seed; "
                "draw them from the phase context's stream ctx.rng (e.g. torch.rand(n, generator=ctx.rng, device=ctx.real.device))"
            )
        return None

    checks = [("phases and gradient directions", phases), ("declared needs", needs), ("randomness from ctx.rng only", seeded)]
    watched = (lambda loss: dict(loss.parts)[declared.name]) if declared.regularizer else (lambda loss: loss)
    checks += _state_checks(_Trial(spec.factory, watched, "loss"))
    return _check_all("loss", name, checks)


def check_augmentation(name: str, registry: Registry | None = None) -> list[CheckResult]:
    """Check a registered augmentation: shapes, differentiability, seeded randomness, adaptation, state."""
    registry = registry or get_registry()
    spec = registry.augmentation(name)

    def contract():
        augmentation = spec.factory()
        for shape in SHAPES:
            images = torch.rand(BATCH, *shape).mul(2).sub(1).requires_grad_(True)
            out = augmentation(images, torch.Generator().manual_seed(0))
            if tuple(out.shape) != tuple(images.shape) or not out.is_floating_point() or not torch.isfinite(out).all():
                return (
                    f"returned {out.dtype} of shape {tuple(out.shape)} for images of shape {tuple(images.shape)}; "
                    "expected finite floats of the same shape"
                )
            out.square().sum().backward()
            if images.grad is None or not torch.isfinite(images.grad).all():
                return "no finite gradient reaches the images: the generator could not be trained through it"
            again = augmentation(images.detach(), torch.Generator().manual_seed(0))
            if not torch.equal(out.detach(), again):
                return (
                    "the same generator seed gives different outputs: "
                    "randomness must come only from the generator argument"
                )
        return None

    def adapt(augmentation, step):
        if not hasattr(augmentation, "update"):
            return
        D = _LinearCritic()
        with torch.no_grad():
            D.weight.fill_(1.0)
        real, fake = _batches(step)
        seeded = lambda x: augmentation(x, torch.Generator().manual_seed(step))  # noqa: E731
        ctx = phase_context("discriminator", D, real, fake, step, augment=seeded)
        ctx.D(ctx.real)
        stats = augmentation.update(ctx) or {}
        problem = _stats_problem("update", stats)
        if problem:
            raise AssertionError(problem)

    def adapts():
        augmentation = spec.factory()
        for step in range(8):
            adapt(augmentation, step)
        return None

    checks = [("shapes, gradients, seeded randomness", contract), ("update", adapts)]
    checks += _state_checks(_Trial(spec.factory, lambda augmentation: augmentation, "augment", base_loss=registry.loss("bce").factory))
    return _check_all("augmentation", name, checks)
