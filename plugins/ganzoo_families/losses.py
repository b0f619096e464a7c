"""Adversarial losses as plugins: each owns both phases of the objective.

Discriminators return raw scores (logits or critic values); every loss here works on those.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ganzoo import hookimpl


def _scores(D: nn.Module, images: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
    return D(images, labels).float().reshape(-1)


class NonSaturatingLoss:
    """Goodfellow et al. 2014 with the non-saturating generator loss, from logits.

    D minimises ``softplus(-D(x)) + softplus(D(G(z)))`` (= BCE with logits), G minimises
    ``softplus(-D(G(z)))``.
    """

    def discriminator_loss(self, D, real, fake, labels):
        real_scores, fake_scores = _scores(D, real, labels), _scores(D, fake, labels)
        loss = F.softplus(-real_scores).mean() + F.softplus(fake_scores).mean()
        return loss, {"d_real": real_scores.mean().detach(), "d_fake": fake_scores.mean().detach()}

    def generator_loss(self, D, fake, labels):
        return F.softplus(-_scores(D, fake, labels)).mean(), {}


@hookimpl
def ganzoo_register(registry):
    registry.add_loss(
        "bce",
        NonSaturatingLoss,
        description="non-saturating GAN loss (binary cross-entropy with logits)",
        reference="Goodfellow et al. 2014, Generative Adversarial Nets, sec. 3",
    )
