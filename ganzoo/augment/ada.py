"""Adaptive discriminator augmentation (Karras et al. 2020, "Training GANs with Limited Data"), simplified.

Each transform of a reduced pipeline — x-flip, integer translation (up to 1/8 of the side,
reflected border), brightness N(0, 0.2), contrast lognormal(0, (0.5 ln 2)²) and cutout (half
the side) — is applied to each image independently with probability ``p``. ``p`` starts at 0
and follows the overfitting heuristic r_t = E[sign(D(x_real))]: every ``interval``
discriminator updates, r_t over those updates is averaged across processes and ``p`` moves by
``images / (kimg·1000)`` towards more augmentation when r_t > ``target``, less otherwise
(images counted per process). ``p`` and the running sums are state that checkpoints carry.
"""

from __future__ import annotations

import math

import torch

from ganzoo.augment import ops
from ganzoo.errors import PluginError
from ganzoo.protocols import PhaseContext, Stats


class AdaptiveAugment:
    """ADA aiming at r_t = ``target``: ``p`` is adjusted every ``interval`` D updates, at a speed of 0 -> 1
    in ``kimg`` thousand images."""

    def __init__(
        self,
        target: float = 0.6,
        interval: int = 4,
        kimg: float = 100.0,
        p: float = 0.0,
        translation: float = 0.125,
        cutout: float = 0.5,
    ):
        if not (
            0 < target < 1
            and interval >= 1
            and kimg > 0
            and 0 <= p <= 1
            and 0 <= translation < 0.5
            and 0 <= cutout <= 1
        ):
            raise ValueError(
                "ada needs 0 < target < 1, interval >= 1, kimg > 0, 0 <= p <= 1, "
                "0 <= translation < 0.5 and 0 <= cutout <= 1"
            )
        self.target, self.interval, self.kimg = target, interval, kimg
        self.translation, self.cutout = translation, cutout
        self.p = float(p)
        self.rt = 0.0  # the last r_t measured
        self.sign_sum = torch.zeros((), dtype=torch.float64)  # sum of sign(D(x_real)) since the last adjustment
        self.count = 0  # real images behind sign_sum

    def __call__(self, images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        if self.p <= 0:
            return images
        n, p = len(images), self.p
        images = ops.flip_x(images, ops.chosen(generator, n, p))
        sh, sw = ops.shift_sizes(images, self.translation)
        move = ops.chosen(generator, n, p)
        dy, dx = ops.integers(generator, n, -sh, sh + 1) * move, ops.integers(generator, n, -sw, sw + 1) * move
        images = ops.translate(images, dy, dx, (sh, sw), mode="reflect")
        images = ops.shift_brightness(images, ops.normal(generator, n, 0.2) * ops.chosen(generator, n, p))
        contrast = torch.exp(ops.normal(generator, n, 0.5 * math.log(2)) * ops.chosen(generator, n, p))
        images = ops.scale_contrast(images, contrast)
        size = ops.shift_sizes(images, self.cutout)
        cy, cx = ops.integers(generator, n, 0, images.shape[2]), ops.integers(generator, n, 0, images.shape[3])
        return ops.cut_out(images, cy, cx, size, keep=~ops.chosen(generator, n, p))

    def update(self, ctx: PhaseContext) -> Stats:
        """After each discriminator update: accumulate sign(D(x_real)); every ``interval`` updates, adjust ``p``."""
        if ctx.real_scores is None:
            raise PluginError(
                "Augmentation 'ada' adapts to D's scores of the real batch, "
                "but the loss never called ctx.D(ctx.real, ...)."
            )
        scores = ctx.real_scores.detach().float()
        self.sign_sum = self.sign_sum.to(scores.device) + scores.sign().sum().double()
        self.count += scores.numel()
        if (ctx.d_step + 1) % self.interval == 0:
            rt = ctx.mean_across_processes(self.sign_sum / self.count)
            self.rt = float(rt)
            step = (
                math.copysign(self.count / (self.kimg * 1000), self.rt - self.target) if self.rt != self.target else 0.0
            )
            self.p = min(max(self.p + step, 0.0), 1.0)
            self.sign_sum, self.count = torch.zeros((), dtype=torch.float64, device=scores.device), 0
        return {"ada_p": torch.tensor(self.p), "ada_rt": torch.tensor(self.rt)}

    def state_dict(self) -> dict:
        """``p``, the last r_t and the sums since the last adjustment."""
        return {"p": self.p, "rt": self.rt, "sign_sum": self.sign_sum.detach().cpu().clone(), "count": self.count}

    def load_state_dict(self, state: dict) -> None:
        """Restore :meth:`state_dict`."""
        self.p, self.rt, self.count = float(state["p"]), float(state["rt"]), int(state["count"])
        self.sign_sum = state["sign_sum"].detach().cpu().to(torch.float64).clone()
