"""Adversarial losses as plugins: each owns both phases of its objective, regularisers included.

Every phase receives a :class:`ganzoo.PhaseContext` and calls the discriminator as
``ctx.D(images, labels)`` (through the run's augmentation, if any). Discriminators return raw
scores (logits or critic values); every loss here works on those in fp32 (scores are cast
before the objective, so the losses are safe under autocast). ``r1`` is a regulariser: it is
trained on top of a loss by name, e.g. ``--loss bce+r1``; so is ``mode-seeking`` (``--loss bce+mode-seeking``).
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

from ganzoo import PhaseContext, hookimpl


def _scores(ctx: PhaseContext, images: torch.Tensor) -> torch.Tensor:
    return ctx.D(images, ctx.labels).float().reshape(-1)


def _both_scores(ctx: PhaseContext) -> tuple[torch.Tensor, torch.Tensor]:
    return _scores(ctx, ctx.real), _scores(ctx, ctx.fake)


def _score_stats(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> dict[str, torch.Tensor]:
    return {"d_real": real_scores.mean().detach(), "d_fake": fake_scores.mean().detach()}


class NonSaturatingLoss:
    """Goodfellow et al. 2014 with the non-saturating generator loss, from logits.

    D minimises ``softplus(-D(x)) + softplus(D(G(z)))`` (= BCE with logits: log D(x) + log(1 - D(G(z))) maximised);
    G minimises ``softplus(-D(G(z)))`` (= -log D(G(z))).
    """

    def discriminator_loss(self, ctx):
        real_scores, fake_scores = _both_scores(ctx)
        loss = F.softplus(-real_scores).mean() + F.softplus(fake_scores).mean()
        return loss, _score_stats(real_scores, fake_scores)

    def generator_loss(self, ctx):
        return F.softplus(-_scores(ctx, ctx.fake)).mean(), {}


class MinimaxLoss(NonSaturatingLoss):
    """Goodfellow et al. 2014's original, saturating objective: G minimises ``log(1 - D(G(z)))``.

    From logits, ``log(1 - sigmoid(s)) = -softplus(s)``. Its gradient vanishes when D confidently
    rejects the fakes, which is why the non-saturating ``bce`` loss is the usual choice.
    """

    def generator_loss(self, ctx):
        return (-F.softplus(_scores(ctx, ctx.fake))).mean(), {}


class LeastSquaresLoss:
    """Mao et al. 2017 (LSGAN).

    D minimises ``½E[(D(x)-b)²] + ½E[(D(G(z))-a)²]``, G minimises ``½E[(D(G(z))-c)²]``.

    Defaults a=0, b=1, c=1 (the paper's 0-1 coding).
    """

    def __init__(self, a: float = 0.0, b: float = 1.0, c: float = 1.0):
        self.a, self.b, self.c = a, b, c

    def discriminator_loss(self, ctx):
        real_scores, fake_scores = _both_scores(ctx)
        loss = 0.5 * (real_scores - self.b).pow(2).mean() + 0.5 * (fake_scores - self.a).pow(2).mean()
        return loss, _score_stats(real_scores, fake_scores)

    def generator_loss(self, ctx):
        return 0.5 * (_scores(ctx, ctx.fake) - self.c).pow(2).mean(), {}


class HingeLoss:
    """Hinge loss (Lim & Ye 2017; Miyato et al. 2018).

    D minimises ``E[relu(1-D(x))] + E[relu(1+D(G(z)))]``, G minimises ``-E[D(G(z))]``.
    """

    def discriminator_loss(self, ctx):
        real_scores, fake_scores = _both_scores(ctx)
        loss = F.relu(1 - real_scores).mean() + F.relu(1 + fake_scores).mean()
        return loss, _score_stats(real_scores, fake_scores)

    def generator_loss(self, ctx):
        return -_scores(ctx, ctx.fake).mean(), {}


class RelativisticAverageLoss:
    """RaGAN with the BCE form (Jolicoeur-Martineau 2018, "The relativistic discriminator", eq. 5-6).

    With ``r = D(x)`` and ``f = D(G(z))``, D minimises
    ``E[softplus(-(r - mean f))] + E[softplus(f - mean r)]``
    (= -log σ(r - mean f) - log(1 - σ(f - mean r))), and G minimises the same with the roles of
    real and fake swapped: ``E[softplus(-(f - mean r))] + E[softplus(r - mean f)]``. The
    generator phase needs the real batch, which its context carries.
    """

    @staticmethod
    def _relativistic(ctx: PhaseContext, winner: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        real_scores, fake_scores = _both_scores(ctx)
        real_vs_fake, fake_vs_real = real_scores - fake_scores.mean(), fake_scores - real_scores.mean()
        first, second = (real_vs_fake, fake_vs_real) if winner == "real" else (fake_vs_real, real_vs_fake)
        return F.softplus(-first).mean() + F.softplus(second).mean(), real_scores, fake_scores

    def discriminator_loss(self, ctx):
        loss, real_scores, fake_scores = self._relativistic(ctx, "real")
        return loss, _score_stats(real_scores, fake_scores)

    def generator_loss(self, ctx):
        loss, _, _ = self._relativistic(ctx, "fake")
        return loss, {}


def input_gradient(D: Callable[..., torch.Tensor], images: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
    """∇ₓ of the summed scores at ``images`` (a differentiable graph), computed in fp32 with autocast off.

    Each sample's score depends only on its own image (no BatchNorm in D), so row i is the
    gradient of D(xᵢ). Being fp32, a penalty on it is the same under bf16/fp16 training.
    """
    images = images.detach().float().requires_grad_(True)
    with torch.autocast(device_type=images.device.type, enabled=False):
        scores = D(images, labels).float()
        (gradient,) = torch.autograd.grad(scores.sum(), images, create_graph=True)
    return gradient


def gradient_penalty(
    D: Callable[..., torch.Tensor],
    real: torch.Tensor,
    fake: torch.Tensor,
    labels: torch.Tensor | None,
    target: float = 1.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Gulrajani et al. 2017: ``E[(||∇D(x̂)||₂ - target)²]`` on x̂ = αx + (1-α)G(z).

    α is drawn once per sample (not per pixel), from ``generator`` (a loss passes ``ctx.rng``);
    the norm runs over all non-batch dimensions; the critic's pass and the gradient are
    computed in fp32 (see :func:`input_gradient`).
    """
    real, fake = real.detach().float(), fake.detach().float()
    alpha = torch.rand(real.size(0), *([1] * (real.dim() - 1)), device=real.device, generator=generator)
    norms = input_gradient(D, alpha * real + (1 - alpha) * fake, labels).flatten(1).norm(2, dim=1)
    return (norms - target).pow(2).mean()


class WassersteinGPLoss:
    """WGAN-GP (Gulrajani et al. 2017).

    The critic minimises ``E[D(G(z))] - E[D(x)] + λ·GP``, G minimises ``-E[D(G(z))]``.

    λ = 10 by default. The critic must not use BatchNorm (the penalty is per sample); the
    configuration check warns when it does. Registered with ``needs=("double_backward",)``.
    """

    def __init__(self, gp_weight: float = 10.0):
        self.gp_weight = gp_weight

    def discriminator_loss(self, ctx):
        real_scores, fake_scores = _both_scores(ctx)
        penalty = gradient_penalty(ctx.D, ctx.real, ctx.fake, ctx.labels, generator=ctx.rng)
        distance = real_scores.mean() - fake_scores.mean()
        loss = -distance + self.gp_weight * penalty
        return loss, {
            **_score_stats(real_scores, fake_scores),
            "gp": penalty.detach(),
            "wasserstein": distance.detach(),
        }

    def generator_loss(self, ctx):
        return -_scores(ctx, ctx.fake).mean(), {}


class LazyR1:
    """R1 (Mescheder et al. 2018) with lazy regularisation (Karras et al. 2020, StyleGAN2 sec. 3.1).

    A regulariser, trained on top of a loss (``--loss bce+r1``): on every ``interval``-th
    discriminator update (``ctx.d_step % interval == 0``) it adds
    ``interval · γ/2 · E[||∇D(x)||²]`` on the real batch — the weight scaled by the interval
    so that the penalty's average strength does not depend on it — and nothing otherwise.
    When it fires follows from the run's step, so a resumed run fires exactly when an
    uninterrupted one would. Its state is the last measured ``E[||∇D(x)||²]`` (averaged over
    data-parallel processes, so that every process holds the same state), logged as ``r1`` at
    every step.
    """

    def __init__(self, gamma: float = 10.0, interval: int = 16):
        if gamma < 0 or interval < 1:
            raise ValueError(f"r1 needs gamma >= 0 and interval >= 1; got gamma={gamma}, interval={interval}")
        self.gamma, self.interval = gamma, interval
        self.last = torch.zeros(())

    def discriminator_loss(self, ctx):
        if ctx.d_step % self.interval:
            return torch.zeros((), device=ctx.real.device), {"r1": self.last.to(ctx.real.device)}
        penalty = input_gradient(ctx.D, ctx.real, ctx.labels).flatten(1).pow(2).sum(1).mean()
        self.last = ctx.mean_across_processes(penalty.detach()).cpu()  # the same state in every process
        return self.interval * self.gamma / 2 * penalty, {"r1": penalty.detach()}

    def generator_loss(self, ctx):
        return torch.zeros((), device=ctx.real.device), {}

    def state_dict(self) -> dict:
        """The last measured penalty (what the log shows until the next lazy evaluation)."""
        return {"last": self.last.clone()}

    def load_state_dict(self, state: dict) -> None:
        """Restore :meth:`state_dict`."""
        self.last = state["last"].detach().cpu().clone()


class ModeSeeking:
    """Mode-seeking regularisation (Mao et al. 2019, "Mode Seeking Generative Adversarial Networks
    for Diverse Image Synthesis", eq. 3), a regulariser: ``--loss bce+mode-seeking``.

    In the generator phase it pairs the first ``B/2`` fakes with ``B/2`` new images of the same
    labels from new latents (the run's seeded stream): one extra forward of ``B/2`` images,
    reusing the latents behind ``ctx.fake`` (``ctx.latents``). It adds
    ``weight / (mean|G(z1) - G(z2)| / mean|z1 - z2| + eps)``: the generator is pushed to map
    distant latents to distant images instead of collapsing them onto one mode. Weight 1 and
    eps 1e-5 as in the authors' DCGAN code. The ratio is logged as ``ms_ratio``. Made for
    conditional generators, whose label alone would otherwise fix the output; unconditional
    ones accept it too.
    """

    def __init__(self, weight: float = 1.0, eps: float = 1e-5):
        if weight < 0 or eps <= 0:
            raise ValueError(f"mode-seeking needs weight >= 0 and eps > 0; got weight={weight}, eps={eps}")
        self.weight, self.eps = weight, eps

    def discriminator_loss(self, ctx):
        return torch.zeros((), device=ctx.real.device), {}

    def generator_loss(self, ctx):
        pairs = max(1, len(ctx.fake) // 2)
        labels = ctx.labels[:pairs] if ctx.labels is not None else None
        if ctx.latents is not None:  # the first image of each pair is ctx.fake's own: one forward of B/2 images
            z1, first = ctx.latents[:pairs], ctx.fake[:pairs].float()
        else:
            z1 = ctx.sample_latents(pairs).to(ctx.fake.device)
            first = ctx.G(z1, labels).float()
        z2 = ctx.sample_latents(pairs).to(ctx.fake.device)
        second = ctx.G(z2, labels).float()
        ratio = (first - second).abs().mean() / (z1 - z2).float().abs().mean()
        return self.weight / (ratio + self.eps), {"ms_ratio": ratio.detach()}


@hookimpl
def ganzoo_register(registry):
    registry.add_loss(
        "bce",
        NonSaturatingLoss,
        description="non-saturating GAN loss (binary cross-entropy with logits)",
        reference="Goodfellow et al. 2014, sec. 3",
    )
    registry.add_loss(
        "minimax",
        MinimaxLoss,
        description="the original saturating minimax objective",
        reference="Goodfellow et al. 2014, eq. 1",
    )
    registry.add_loss(
        "lsgan",
        LeastSquaresLoss,
        description="least squares, a=0 b=1 c=1",
        reference="Mao et al. 2017, Least Squares GANs",
    )
    registry.add_loss("hinge", HingeLoss, description="hinge loss", reference="Lim & Ye 2017; Miyato et al. 2018")
    registry.add_loss(
        "wgan-gp",
        WassersteinGPLoss,
        description="Wasserstein loss with gradient penalty, lambda=10",
        reference="Gulrajani et al. 2017, Improved Training of Wasserstein GANs",
        needs=("double_backward",),
    )
    registry.add_loss(
        "ragan",
        RelativisticAverageLoss,
        description="relativistic average GAN loss (BCE form)",
        reference="Jolicoeur-Martineau 2018, The relativistic discriminator",
    )
    registry.add_loss(
        "r1",
        LazyR1,
        description="R1 gradient penalty on real images, gamma=10, lazy every 16 D updates; use as LOSS+r1",
        reference="Mescheder et al. 2018; Karras et al. 2020 (StyleGAN2), lazy regularisation",
        needs=("double_backward",),
        regularizer=True,
    )
    registry.add_loss(
        "mode-seeking",
        ModeSeeking,
        description="mode-seeking term: weight / (image distance / latent distance) of latent pairs, for conditional generators; use as LOSS+mode-seeking",
        reference="Mao et al. 2019, Mode Seeking GANs for Diverse Image Synthesis (MSGAN)",
        regularizer=True,
    )
