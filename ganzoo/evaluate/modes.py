"""Modes of Stacked-MNIST-like data: a domain classifier reads each channel, the channels' classes make the mode.

Two counts, legible first. **Legible** (ganzoo's): a sample counts only when the classifier reads
every channel as it reads real digits (:class:`~ganzoo.evaluate.coverage.Legibility`: top softmax
probability at least :data:`~ganzoo.evaluate.coverage.LEGIBLE_THRESHOLD`, features as strong and block activity as typical as a real digit's);
``legible_fraction`` is the share of such samples, ``legible_modes`` the modes they cover and
``legible_kl`` the KL below over their modes alone. Real test triples are legible at the rate
docs/evaluation.md states; a generator of coloured blobs is not, however many modes argmax finds.

**Argmax** (the papers' protocol, kept for their tables: Srivastava et al. 2017, VEEGAN; Lin et
al. 2018, PacGAN): classify each of the three channels of 26,000 samples with a pretrained MNIST
classifier; the triple of digits is the sample's mode (0-999), whether the strokes are legible or
not. *Modes captured* (``modes``) is the number of modes at least one sample falls in; *KL*
(``kl``) is the divergence of the generated mode distribution from the uniform one,
``KL(p_gen || uniform) = sum_m p(m) log(p(m) * 1000)`` over the modes with p(m) > 0 (PacGAN's
``log_metrics``: the "reverse KL" of its tables). 0 for a perfectly uniform spread,
log(1000) = 6.91 when every sample is one mode.
"""

from __future__ import annotations

import math

import torch

from ganzoo.evaluate.classifier import DomainClassifier
from ganzoo.evaluate.coverage import Reading, read_classes


def read_channels(classifier: DomainClassifier, images: torch.Tensor) -> Reading:
    """The classifier's :class:`~ganzoo.evaluate.coverage.Reading` of each channel of uint8 images (N, C, H, W): (N, C) tensors."""
    read = [read_classes(classifier, images[:, channel : channel + 1]) for channel in range(images.shape[1])]
    return Reading(*(torch.stack(column, dim=1) for column in zip(*read)))


def channels_to_modes(classes: torch.Tensor, num_classes: int = 10) -> torch.Tensor:
    """(N, C) classes per channel -> (N,) modes: the channels' classes as one base-``num_classes`` number."""
    modes = torch.zeros(len(classes), dtype=torch.long)
    for channel in range(classes.shape[1]):
        modes = modes * num_classes + classes[:, channel]
    return modes


def read_modes(classifier: DomainClassifier, images: torch.Tensor, num_classes: int = 10) -> torch.Tensor:
    """The (argmax) mode of each uint8 image (N, C, H, W): its channels' predicted classes as one base-``num_classes`` number."""
    return channels_to_modes(read_channels(classifier, images).classes, num_classes)


def _spread(modes: torch.Tensor, num_modes: int) -> tuple[int, float]:
    """(modes holding at least one sample, KL of their distribution from uniform); (0, nan) for no samples."""
    if not len(modes):
        return 0, math.nan
    counts = torch.bincount(modes.cpu(), minlength=num_modes)[:num_modes].double()
    p = counts / counts.sum()
    seen = p > 0
    return int(seen.sum()), float((p[seen] * (p[seen] * num_modes).log()).sum())


def mode_metrics(modes: torch.Tensor, num_modes: int, requested: torch.Tensor | None = None, legible: torch.Tensor | None = None) -> dict[str, object]:
    """``modes`` (of ``num_modes``) captured, the KL divergence of their distribution from uniform,
    and with ``requested`` labels the fraction of samples that landed in the mode they were asked for.

    With ``legible`` (a bool per sample, :class:`~ganzoo.evaluate.coverage.Legibility` of :func:`read_channels`) the legible figures come first:
    ``legible_fraction``, ``legible_modes`` and ``legible_kl`` (the same KL over the legible samples;
    NaN when none is legible), and with ``requested`` ``legible_conditional_accuracy``."""
    modes = modes.cpu()
    result: dict[str, object] = {}
    if legible is not None:
        legible = legible.cpu()
        count, kl = _spread(modes[legible], num_modes)
        result.update(legible_fraction=float(legible.double().mean()) if len(legible) else 0.0, legible_modes=count, legible_kl=kl)
    count, kl = _spread(modes, num_modes)
    result.update(modes=count, kl=kl, num_modes=num_modes)
    if requested is not None:
        hits = modes == requested.cpu()
        if legible is not None:
            result["legible_conditional_accuracy"] = float((hits & legible).double().mean())
        result["conditional_accuracy"] = float(hits.double().mean())
    return result
