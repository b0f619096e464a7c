"""How many discriminator and generator forwards a step of a loss + regulariser costs, with and without shared work.

    python benchmarks/forward_counts.py

Within a phase, ``ctx.D(ctx.real)`` and ``ctx.D(ctx.fake)`` run once and a regulariser that asks
again gets the base loss's scores (same augmentation draw, same graph); ``ctx.latents`` are the
latents behind ``ctx.fake``. This script counts the forwards of one training step (one
discriminator phase, one generator phase, batch 8) through a counting discriminator and generator,
once as ganzoo trains today and once with the sharing switched off (every ``ctx.D`` call runs the
network, as before the sharing existed), for:

* ``bce+r1`` (lazy R1 on every step, interval 1): its penalty needs its own forward of a copy of the
  real batch that requires grad, so sharing saves nothing there;
* ``hinge+lecam``: LeCam regularisation (Tseng et al. 2021), a penalty on D(real) and D(fake)
  against EMAs of the other side's scores: it reuses both forwards;
* ``bce+bcr``: balanced consistency regularisation (Zhao et al. 2020), ``|D(x) - D(T(x))|²`` for
  real and fake with random translations T drawn from ``ctx.rng``: it reuses D(x), not D(T(x));
* ``bce+mode-seeking``: one extra generator forward of B/2 images instead of B.

LeCam and bCR are written here as a plugin author would (``LeCam``, ``BalancedConsistency``),
registered as regularisers; the results table goes to ``results/forward_counts.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import Iterator

import torch
import torch.nn.functional as F
from torch import nn

from ganzoo.base.atomic import write_atomically
from ganzoo.discovery import build_registry
from ganzoo.protocols import PartSpec, PhaseContext

RESULTS = Path(__file__).resolve().parent / "results" / "forward_counts.md"
COMBINATIONS = ("bce+r1", "hinge+lecam", "bce+bcr", "bce+mode-seeking")


class LeCam:
    """LeCam regularisation: ``weight * (|D(x) - ema_fake|² + |D(G(z)) - ema_real|²)`` in the D phase."""

    def __init__(self, weight: float = 0.3, decay: float = 0.99):
        self.weight, self.decay = weight, decay
        self.ema_real, self.ema_fake = torch.zeros(()), torch.zeros(())

    def discriminator_loss(self, ctx: PhaseContext):
        real, fake = ctx.D(ctx.real, ctx.labels).float(), ctx.D(ctx.fake, ctx.labels).float()
        means = ctx.mean_across_processes(torch.stack([real.detach().mean(), fake.detach().mean()])).cpu()
        self.ema_real = self.decay * self.ema_real + (1 - self.decay) * means[0]
        self.ema_fake = self.decay * self.ema_fake + (1 - self.decay) * means[1]
        term = (real - self.ema_fake.to(real.device)).pow(2).mean() + (fake - self.ema_real.to(fake.device)).pow(2).mean()
        return self.weight * term, {"lecam": term.detach()}

    def generator_loss(self, ctx: PhaseContext):
        return torch.zeros((), device=ctx.real.device), {}

    def state_dict(self) -> dict:
        return {"ema_real": self.ema_real.clone(), "ema_fake": self.ema_fake.clone()}

    def load_state_dict(self, state: dict) -> None:
        self.ema_real, self.ema_fake = state["ema_real"].clone(), state["ema_fake"].clone()


def translate(images: torch.Tensor, generator: torch.Generator, shift: int = 2) -> torch.Tensor:
    """Each image moved by a random whole-pixel offset in [-shift, shift]², zero-padded."""
    n, _, h, w = images.shape
    offsets = torch.randint(-shift, shift + 1, (n, 2), generator=generator, device=generator.device).to(images.device)
    padded = F.pad(images, (shift, shift, shift, shift))
    rows = (torch.arange(h, device=images.device)[None, :] + shift - offsets[:, :1]).clamp(0, h + 2 * shift - 1)
    cols = (torch.arange(w, device=images.device)[None, :] + shift - offsets[:, 1:]).clamp(0, w + 2 * shift - 1)
    index = torch.arange(n, device=images.device)[:, None, None, None]
    channel = torch.arange(images.shape[1], device=images.device)[None, :, None, None]
    return padded[index, channel, rows[:, None, :, None], cols[:, None, None, :]]


class BalancedConsistency:
    """bCR: ``weight * (|D(x) - D(T(x))|² + |D(G(z)) - D(T(G(z)))|²)`` in the D phase, T from ``ctx.rng``."""

    def __init__(self, weight: float = 10.0):
        self.weight = weight

    def discriminator_loss(self, ctx: PhaseContext):
        terms = []
        for images in (ctx.real, ctx.fake):
            scores = ctx.D(images, ctx.labels).float()
            moved = ctx.D(translate(images, ctx.rng), ctx.labels).float()
            terms.append((scores - moved).pow(2).mean())
        term = terms[0] + terms[1]
        return self.weight * term, {"bcr": term.detach()}

    def generator_loss(self, ctx: PhaseContext):
        return torch.zeros((), device=ctx.real.device), {}


class Counting(nn.Module):
    """Wraps a network and counts its forward calls and the images they saw."""

    def __init__(self, inner: nn.Module):
        super().__init__()
        self.inner, self.calls, self.images = inner, 0, 0
        for name in ("latent_dim", "image_shape", "num_classes"):
            if hasattr(inner, name):
                setattr(self, name, getattr(inner, name))

    def forward(self, *args, **kwargs):
        self.calls += 1
        self.images += len(args[0])
        return self.inner(*args, **kwargs)


def _unshared_D(self: PhaseContext, images, labels=None):
    """PhaseContext.D as it was before scores were shared: every call runs the network."""
    scores = self.discriminator(self.augment(images), labels)
    if images is self.real:
        self.real_scores = scores.detach()
    return scores


@contextlib.contextmanager
def unshared(gan) -> Iterator[None]:
    """Within: every ``ctx.D`` call runs D, and ``gan``'s contexts offer no latents behind ``ctx.fake``."""
    original, context = PhaseContext.D, gan.context
    PhaseContext.D = _unshared_D
    gan.context = lambda *a, **k: context(*a, **{**k, "latents": None})
    try:
        yield
    finally:
        PhaseContext.D, gan.context = original, context


def registry_with_regularisers():
    """ganzoo's registry plus ``lecam`` and ``bcr`` registered as regularisers, as a plugin would."""
    registry = build_registry()
    registry.add("loss", PartSpec("lecam", LeCam, "LeCam regularisation", regularizer=True), plugin="benchmark")
    registry.add("loss", PartSpec("bcr", BalancedConsistency, "balanced consistency regularisation", regularizer=True), plugin="benchmark")
    return registry


def count(registry, loss_name: str, shared: bool, options: dict | None = None) -> dict[str, int]:
    """D and G forwards (calls and images) of one training step of ``loss_name`` on the kit's tiny networks."""
    from ganzoo.testing import kit_step

    loss = registry.build_part("loss", loss_name, **(options or {}))
    gan = kit_step(loss, seed=0)
    gan.D = gan.D_train = gan.D_eval = Counting(gan.D)
    gan.G = gan.G_train = Counting(gan.G)
    with contextlib.nullcontext() if shared else unshared(gan):
        gan.step()
    return {"d_calls": gan.D.calls, "d_images": gan.D.images, "g_calls": gan.G.calls, "g_images": gan.G.images}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    registry = registry_with_regularisers()
    options = {"bce+r1": {"interval": 1}}
    lines = [
        "# Forwards per training step: shared work within a phase",
        "",
        "<!-- generated by `python benchmarks/forward_counts.py`; edit the script, not this page -->",
        "",
        "One step = one discriminator phase + one generator phase, batch 8 (the kit's tiny networks). "
        "*Before*: every `ctx.D` call runs the network (no sharing); *after*: as ganzoo trains today.",
        "",
        "| loss | D forwards before | D forwards after | D images before | D images after | G forwards before | G forwards after | G images before | G images after |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in COMBINATIONS:
        before, after = count(registry, name, False, options.get(name)), count(registry, name, True, options.get(name))
        cells = [before["d_calls"], after["d_calls"], before["d_images"], after["d_images"], before["g_calls"], after["g_calls"], before["g_images"], after["g_images"]]
        lines.append(f"| `{name}` | " + " | ".join(str(c) for c in cells) + " |")
        print(f"{name}: before {before}, after {after}", flush=True)
    lines += [
        "",
        "`bce+r1` (interval 1): R1 differentiates D at a copy of the real batch that requires grad, a forward of its own. "
        "`bce+mode-seeking` before: today's code without `ctx.latents`, which generates both images of its B/2 pairs "
        "(B images, as the former code did, though in two calls where it made one); after: it pairs the first B/2 fakes "
        "with B/2 new images.",
    ]
    write_atomically(args.out, lambda tmp: tmp.write_text("\n".join(lines) + "\n"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
