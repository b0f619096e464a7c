"""Adversarial losses as plugins: each owns both phases of its objective, regularisers included.

Discriminators return raw scores (logits or critic values); every loss here works on those,
in fp32 (scores are cast before the objective, so the losses are safe under autocast).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ganzoo import hookimpl


def _scores(D: nn.Module, images: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
    return D(images, labels).float().reshape(-1)


def _score_stats(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> dict[str, torch.Tensor]:
    return {"d_real": real_scores.mean().detach(), "d_fake": fake_scores.mean().detach()}


class NonSaturatingLoss:
    """Goodfellow et al. 2014 with the non-saturating generator loss, from logits.

    D minimises ``softplus(-D(x)) + softplus(D(G(z)))`` (= BCE with logits: log D(x) + log(1 - D(G(z))) maximised);
    G minimises ``softplus(-D(G(z)))`` (= -log D(G(z))).
    """

    def discriminator_loss(self, D, real, fake, labels):
        real_scores, fake_scores = _scores(D, real, labels), _scores(D, fake, labels)
        loss = F.softplus(-real_scores).mean() + F.softplus(fake_scores).mean()
        return loss, _score_stats(real_scores, fake_scores)

    def generator_loss(self, D, fake, labels):
        return F.softplus(-_scores(D, fake, labels)).mean(), {}


class MinimaxLoss(NonSaturatingLoss):
    """Goodfellow et al. 2014's original, saturating objective: G minimises ``log(1 - D(G(z)))``.

    From logits, ``log(1 - sigmoid(s)) = -softplus(s)``. Its gradient vanishes when D confidently
    rejects the fakes, which is why the non-saturating ``bce`` loss is the usual choice.
    """

    def generator_loss(self, D, fake, labels):
        return (-F.softplus(_scores(D, fake, labels))).mean(), {}


class LeastSquaresLoss:
    """Mao et al. 2017 (LSGAN): D minimises ``½E[(D(x)-b)²] + ½E[(D(G(z))-a)²]``, G minimises ``½E[(D(G(z))-c)²]``.

    Defaults a=0, b=1, c=1 (the paper's 0-1 coding).
    """

    def __init__(self, a: float = 0.0, b: float = 1.0, c: float = 1.0):
        self.a, self.b, self.c = a, b, c

    def discriminator_loss(self, D, real, fake, labels):
        real_scores, fake_scores = _scores(D, real, labels), _scores(D, fake, labels)
        loss = 0.5 * (real_scores - self.b).pow(2).mean() + 0.5 * (fake_scores - self.a).pow(2).mean()
        return loss, _score_stats(real_scores, fake_scores)

    def generator_loss(self, D, fake, labels):
        return 0.5 * (_scores(D, fake, labels) - self.c).pow(2).mean(), {}


class HingeLoss:
    """Hinge loss (Lim & Ye 2017; Miyato et al. 2018): D minimises ``E[relu(1-D(x))] + E[relu(1+D(G(z)))]``, G minimises ``-E[D(G(z))]``."""

    def discriminator_loss(self, D, real, fake, labels):
        real_scores, fake_scores = _scores(D, real, labels), _scores(D, fake, labels)
        loss = F.relu(1 - real_scores).mean() + F.relu(1 + fake_scores).mean()
        return loss, _score_stats(real_scores, fake_scores)

    def generator_loss(self, D, fake, labels):
        return -_scores(D, fake, labels).mean(), {}


def gradient_penalty(D: nn.Module, real: torch.Tensor, fake: torch.Tensor, labels: torch.Tensor | None, target: float = 1.0) -> torch.Tensor:
    """Gulrajani et al. 2017: ``E[(||∇D(x̂)||₂ - target)²]`` on x̂ = αx + (1-α)G(z).

    α is drawn once per sample (not per pixel); the norm runs over all non-batch dimensions;
    the critic's pass and the gradient are computed in fp32 with autocast off, so the
    penalty is the same under bf16/fp16 training.
    """
    real, fake = real.detach().float(), fake.detach().float()
    alpha = torch.rand(real.size(0), *([1] * (real.dim() - 1)), device=real.device)
    mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    with torch.autocast(device_type=real.device.type, enabled=False):
        scores = D(mixed, labels).float()
        (gradient,) = torch.autograd.grad(scores.sum(), mixed, create_graph=True)
    norms = gradient.flatten(1).norm(2, dim=1)
    return (norms - target).pow(2).mean()


class WassersteinGPLoss:
    """WGAN-GP (Gulrajani et al. 2017): the critic minimises ``E[D(G(z))] - E[D(x)] + λ·GP``, G minimises ``-E[D(G(z))]``.

    λ = 10 by default. The critic must not use BatchNorm (the penalty is per sample); the
    configuration check warns when it does.
    """

    penalizes_gradients = True

    def __init__(self, gp_weight: float = 10.0):
        self.gp_weight = gp_weight

    def discriminator_loss(self, D, real, fake, labels):
        real_scores, fake_scores = _scores(D, real, labels), _scores(D, fake, labels)
        penalty = gradient_penalty(D, real, fake, labels)
        distance = real_scores.mean() - fake_scores.mean()
        loss = -distance + self.gp_weight * penalty
        return loss, {**_score_stats(real_scores, fake_scores), "gp": penalty.detach(), "wasserstein": distance.detach()}

    def generator_loss(self, D, fake, labels):
        return -_scores(D, fake, labels).mean(), {}


@hookimpl
def ganzoo_register(registry):
    registry.add_loss("bce", NonSaturatingLoss, description="non-saturating GAN loss (binary cross-entropy with logits)", reference="Goodfellow et al. 2014, sec. 3")
    registry.add_loss("minimax", MinimaxLoss, description="the original saturating minimax objective", reference="Goodfellow et al. 2014, eq. 1")
    registry.add_loss("lsgan", LeastSquaresLoss, description="least squares, a=0 b=1 c=1", reference="Mao et al. 2017, Least Squares GANs")
    registry.add_loss("hinge", HingeLoss, description="hinge loss", reference="Lim & Ye 2017; Miyato et al. 2018")
    registry.add_loss("wgan-gp", WassersteinGPLoss, description="Wasserstein loss with gradient penalty, lambda=10", reference="Gulrajani et al. 2017, Improved Training of Wasserstein GANs")
