"""Modes of Stacked-MNIST-like data: a domain classifier reads each channel, the channels' classes make the mode.

The protocol of Srivastava et al. 2017 (VEEGAN) and Lin et al. 2018 (PacGAN): classify each of the
three channels of 26,000 samples with a pretrained MNIST classifier; the triple of digits is the
sample's mode (0-999). *Modes captured* is the number of modes at least one sample falls in; *KL*
is the divergence of the generated mode distribution from the uniform one,
``KL(p_gen || uniform) = sum_m p(m) log(p(m) * 1000)`` over the modes with p(m) > 0 (PacGAN's
``log_metrics``: the "reverse KL" of its tables). 0 for a perfectly uniform spread,
log(1000) = 6.91 when every sample is one mode.
"""

from __future__ import annotations

import torch

from ganzoo.evaluate.classifier import DomainClassifier
from ganzoo.evaluate.coverage import classify


@torch.no_grad()
def read_modes(classifier: DomainClassifier, images: torch.Tensor, num_classes: int = 10) -> torch.Tensor:
    """The mode of each uint8 image (N, C, H, W): its channels' predicted classes as one base-``num_classes`` number."""
    modes = torch.zeros(len(images), dtype=torch.long)
    for channel in range(images.shape[1]):
        modes = modes * num_classes + classify(classifier, images[:, channel : channel + 1]).cpu()
    return modes


def mode_metrics(modes: torch.Tensor, num_modes: int, requested: torch.Tensor | None = None) -> dict[str, object]:
    """``modes`` (of ``num_modes``) captured, the KL divergence of their distribution from uniform,
    and with ``requested`` labels the fraction of samples that landed in the mode they were asked for."""
    counts = torch.bincount(modes.cpu(), minlength=num_modes)[:num_modes].double()
    p = counts / counts.sum()
    seen = p > 0
    kl = float((p[seen] * (p[seen] * num_modes).log()).sum())
    result: dict[str, object] = {"modes": int(seen.sum()), "kl": kl, "num_modes": num_modes}
    if requested is not None:
        result["conditional_accuracy"] = float((modes.cpu() == requested.cpu()).double().mean())
    return result
