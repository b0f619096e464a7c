"""The built-in health signals and rules, registered through the same entry-point path as any plugin.

Signals (keys under ``"health"`` in ``metrics.jsonl``):

* ``discriminator``: ``d_acc_real`` and ``d_acc_fake`` (scores above / below 0), ``r_t`` (ADA's
  sign gap, the mean of sign(D(real))) and ``d_auc`` (the chance that D scores a real image above
  a fake one: loss-agnostic, 0.5 when D cannot tell, 1 when it separates them perfectly);
* ``grad-norm``: ``grad_norm_g`` and ``grad_norm_d``, the L2 norms of the gradients the last step
  left on G and D (no extra backward);
* ``held-out``: ``d_overfit``, how far D's scores of held-out (test-split) real images have moved
  from the training images' towards the fakes' (0: alike, 1: scored like fakes; loss-agnostic);
* ``diversity``: the mean pairwise distance of the samples of the fixed latent batch over that of
  the fixed real batch (about 1 for data-like spread, near 0 when G draws one image).

Rules (each raises an alert when an episode starts and when it is over; health checks before
step 100 are logged, not judged, since the networks are still near their initialisation):

* ``collapse``: diversity below 0.35 at 2 consecutive checks;
* ``coverage``: at an evaluation (``--eval-every``), the modes or classes the domain extractor finds
  fall below half of the best an earlier evaluation found;
* ``loss-explosion``: ``loss_d`` or ``loss_g`` above 10x its median so far (and above 1) at 2
  consecutive log records;
* ``grad-explosion``: a gradient norm above 10x its median so far, at 2 consecutive checks;
* ``d-saturation``: ``d_auc`` at least 0.995 at 3 consecutive checks (D wins outright; a
  saturating loss then gives G no gradient);
* ``d-overfit``: ``d_overfit`` at least 0.5 at 3 consecutive checks (D tells the images it trained
  on from unseen real ones: Karras et al. 2020, Fig. 1). ``r_t`` is logged, not judged: it is
  measured at 0, which means nothing to a loss whose scores are not logits (LSGAN targets 0 and 1).
"""

from __future__ import annotations

from typing import Any, Mapping

import torch

from ganzoo.health.core import HEALTH_KEY, Probe, SustainedRule, _number, median
from ganzoo.hookspecs import hookimpl

COLLAPSE_BELOW, COLLAPSE_OVER = 0.35, 0.5
EXPLOSION_FACTOR = 10.0
WARMUP_STEPS = 100  # health checks before this step are logged but not judged: the networks are still at their init
SATURATION_AUC = 0.995
OVERFIT_GAP = 0.5  # d_overfit at which D is taken to overfit
COVERAGE_FALL = 0.5  # coverage below half of the run's best so far


# -- signals -----------------------------------------------------------------------------------
class DiscriminatorSignal:
    """D's accuracy on real and fake, ADA's r_t and the real-over-fake AUC of its scores."""

    def measure(self, probe: Probe) -> dict[str, float]:
        real, fake = probe.d_real.detach().float().flatten(), probe.d_fake.detach().float().flatten()
        above = (real[:, None] > fake[None, :]).float().mean() + 0.5 * (real[:, None] == fake[None, :]).float().mean()
        return {
            "d_acc_real": (real > 0).float().mean().item(),
            "d_acc_fake": (fake < 0).float().mean().item(),
            "r_t": torch.sign(real).mean().item(),
            "d_auc": above.item(),
        }


class HeldOutSignal:
    """``d_overfit``: how far D's scores of held-out real images (the test split) have moved from
    those of the training images towards the fakes': (mean D(train) - mean D(held out)) /
    (mean D(train) - mean D(fake)). 0 when D scores unseen reals like the ones it trained on, 1 when
    like fakes; unchanged by any offset or scale of the scores, so it means the same for every loss.
    Left out when there is no test split, or when D does not score reals above fakes."""

    def measure(self, probe: Probe) -> dict[str, float]:
        if probe.d_held_out is None:
            return {}
        train, held, fake = (t.detach().float().mean().item() for t in (probe.d_real, probe.d_held_out, probe.d_fake))
        gap = train - fake
        if not gap > 1e-6:
            return {}
        return {"d_overfit": (train - held) / gap}


def _grad_norm(module: torch.nn.Module) -> float:
    grads = [p.grad.detach().float().norm() for p in module.parameters() if p.grad is not None]
    return torch.stack(grads).norm().item() if grads else 0.0


class GradNormSignal:
    """The gradient norms the last step left on G and D."""

    def measure(self, probe: Probe) -> dict[str, float]:
        return {"grad_norm_g": _grad_norm(probe.G), "grad_norm_d": _grad_norm(probe.D)}


def _spread(images: torch.Tensor) -> float:
    flat = images.detach().float().flatten(1)
    n = len(flat)
    if n < 2:
        return 0.0
    distances = torch.cdist(flat, flat)
    return (distances.sum() / (n * (n - 1))).item()


class DiversitySignal:
    """Mean pairwise distance of the fixed-latent samples over that of the fixed real batch."""

    def __init__(self) -> None:
        self._real_spread: float | None = None  # the real batch is fixed for the run

    def measure(self, probe: Probe) -> dict[str, float]:
        if self._real_spread is None:
            self._real_spread = _spread(probe.real)
        return {"diversity": _spread(probe.sample) / max(self._real_spread, 1e-12)}


# -- rules -------------------------------------------------------------------------------------
class _HealthValueRule(SustainedRule):
    key = ""

    def value(self, record: Mapping[str, Any]) -> float | None:
        health = record.get(HEALTH_KEY)
        if not isinstance(health, Mapping) or int(record.get("step", 0)) < WARMUP_STEPS:
            return None
        return _number(health.get(self.key))


class CollapseRule(_HealthValueRule):
    name, kind, key, patience = "collapse", "collapse", "diversity", 2
    remedy = "--discriminator pacgan (packing), the wgan-gp recipe, or a lower --lr-g; see the Mode collapse page."

    def bad(self, value, history):
        return value < COLLAPSE_BELOW

    def good(self, value, history):
        return value >= COLLAPSE_OVER

    def message(self, value, history):
        return f"sample diversity {value:.2f} of the real data's (below {COLLAPSE_BELOW}): the generator draws few distinct images."


class CoverageRule(SustainedRule):
    """At eval steps (``--eval-every``): the modes (Stacked-MNIST) or classes the domain extractor finds
    fall below half of the best an earlier evaluation of the run found."""

    name, kind, patience = "coverage", "collapse", 1
    remedy = "--discriminator pacgan (packing), the wgan-gp recipe, or a lower --lr-g; see the Mode collapse page."
    keys = ("modes", "classes_covered")

    def value(self, record):
        metrics = record.get("eval")
        if not isinstance(metrics, Mapping):
            return None
        for key in self.keys:
            if _number(metrics.get(key)) is not None:
                self.key = key
                return _number(metrics[key])
        return None

    def bad(self, value, history):
        return bool(history) and value < COVERAGE_FALL * max(history)

    def good(self, value, history):
        return value >= 0.8 * max(history)

    def message(self, value, history):
        return f"the evaluation finds {value:.0f} {self.key.replace('_', ' ')}, down from {max(history):.0f} at an earlier one."


class GradExplosionRule:
    """``grad_norm_g`` or ``grad_norm_d`` far above its own median so far (one baseline per network)."""

    name = "grad-explosion"

    def __init__(self) -> None:
        self._rules = [_GradOf("grad_norm_g"), _GradOf("grad_norm_d")]

    def observe(self, record):
        return [alert for rule in self._rules for alert in rule.observe(record)]


class _GradOf(_HealthValueRule):
    name, kind, patience = "grad-explosion", "divergence", 2
    remedy = "lower learning rates (--lr-g/--lr-d), --on-nan rollback, or a regulariser (--loss bce+r1)."

    def __init__(self, key: str):
        super().__init__()
        self.key = key

    def bad(self, value, history):
        return len(history) >= 3 and value > EXPLOSION_FACTOR * median(history)

    def good(self, value, history):
        return value <= 3 * median(history)

    def message(self, value, history):
        return f"{self.key} {value:.3g}, {value / median(history):.0f}x its median so far ({median(history):.3g})."


class LossExplosionRule:
    """``loss_d`` or ``loss_g`` far above its own median so far."""

    name = "loss-explosion"

    def __init__(self) -> None:
        self._rules = [_LossOf("loss_d"), _LossOf("loss_g")]

    def observe(self, record):
        return [alert for rule in self._rules for alert in rule.observe(record)]


class _LossOf(SustainedRule):
    name, kind, patience = "loss-explosion", "divergence", 2
    remedy = "lower learning rates (--lr-g/--lr-d), --on-nan rollback, fp32 precision, or another seed."

    def __init__(self, key: str):
        super().__init__()
        self.key = key

    def value(self, record):
        value = _number(record.get(self.key))
        return abs(value) if value is not None else None

    def bad(self, value, history):
        if value != value or value == float("inf"):
            return True
        return len(history) >= 5 and value > max(EXPLOSION_FACTOR * median(history[-50:]), 1.0)

    def good(self, value, history):
        return value <= 3 * max(median(history[-50:]), 1 / 3)

    def message(self, value, history):
        return f"|{self.key}| {value:.3g}, against a median of {median(history[-50:]):.3g} so far."


class SaturationRule(_HealthValueRule):
    name, kind, key, patience = "d-saturation", "divergence", "d_auc", 3
    remedy = "a non-saturating or Wasserstein loss (wgan-gp, hinge), --loss bce+r1, a lower --lr-d, or --augment diffaugment."

    def bad(self, value, history):
        return value >= SATURATION_AUC

    def good(self, value, history):
        return value < 0.98

    def message(self, value, history):
        return f"D separates real from fake almost perfectly (AUC {value:.3f}): the generator gets little gradient."


class OverfitRule(_HealthValueRule):
    name, kind, key, patience = "d-overfit", "overfitting", "d_overfit", 3
    remedy = "--augment ada or --augment diffaugment, more training images (--limit), or --loss bce+r1."

    def bad(self, value, history):
        return value >= OVERFIT_GAP

    def good(self, value, history):
        return value < 0.3

    def message(self, value, history):
        return (f"D scores held-out real images {value:.0%} of the way from the training images towards the fakes: "
                "it has learnt the training images rather than what real images look like.")  # fmt: skip


@hookimpl
def ganzoo_register(registry):
    """Register the built-in health signals and rules."""
    registry.add_health("discriminator", DiscriminatorSignal, role="signal", keys=("d_acc_real", "d_acc_fake", "r_t", "d_auc"),
                        description="D's accuracy on real and fake, ADA's sign gap r_t, the real-over-fake AUC of D's scores")  # fmt: skip
    registry.add_health("grad-norm", GradNormSignal, role="signal", keys=("grad_norm_g", "grad_norm_d"),
                        description="L2 norms of the gradients the last step left on G and D")  # fmt: skip
    registry.add_health("held-out", HeldOutSignal, role="signal", keys=("d_overfit",),
                        description="how far D's scores of held-out (test-split) reals moved from the training reals' towards the fakes'")  # fmt: skip
    registry.add_health("diversity", DiversitySignal, role="signal", keys=("diversity",),
                        description="mean pairwise distance of the fixed-latent samples over the fixed real batch's")  # fmt: skip
    registry.add_health("collapse", CollapseRule, keys=("diversity",), description=f"collapse: diversity below {COLLAPSE_BELOW} at 2 checks in a row")
    registry.add_health("coverage", CoverageRule, keys=("eval/modes", "eval/classes_covered"),
                        description="collapse: the modes or classes an evaluation finds fall below half of the run's best so far")  # fmt: skip
    registry.add_health("loss-explosion", LossExplosionRule, keys=("loss_d", "loss_g"),
                        description="divergence: a loss above 10x its median so far at 2 log records in a row")  # fmt: skip
    registry.add_health("grad-explosion", GradExplosionRule, keys=("grad_norm_g", "grad_norm_d"),
                        description="divergence: a gradient norm above 10x its median so far at 2 checks in a row")  # fmt: skip
    registry.add_health("d-saturation", SaturationRule, keys=("d_auc",), description=f"divergence: D's AUC at least {SATURATION_AUC} at 3 checks in a row")
    registry.add_health("d-overfit", OverfitRule, keys=("d_overfit",), description=f"D overfits: d_overfit at least {OVERFIT_GAP} at 3 checks in a row")
