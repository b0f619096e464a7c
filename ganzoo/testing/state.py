"""The state walker: does a loss or an augmentation carry in ``state_dict()`` everything that changes between steps?"""

from __future__ import annotations

import functools
import types
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

import torch
from torch import nn

from ganzoo.testing.fixtures import _CurvedCritic, _same_state, _through_checkpoint, kit_step

if TYPE_CHECKING:
    from ganzoo.train.step import GanStep


#: Steps the state checks train before they compare: a multiple of ADA's default interval (4
#: discriminator updates), at which its per-process sums are averaged and reset. State that is
#: averaged every k updates agrees only at multiples of k, so a checkpoint taken in between keeps
#: rank 0's share only.
STATE_STEPS = 4


_MISSING = object()


_WALK_DEPTH = 6


_SKIPPED_VALUES = (types.FunctionType, types.MethodType, types.BuiltinFunctionType, functools.partial, type, types.ModuleType, torch.Generator)


@dataclass(frozen=True)
class _Trial:
    """How the state checks build a part and train it.

    ``build()`` returns what the trainer would hold (the loss, ``bce+NAME`` for a regulariser, or
    the augmentation), ``watched(built)`` the part whose attributes are inspected (the regulariser
    inside ``bce+NAME``), ``slot`` its key in :meth:`GanStep.state_dict` ("loss" or "augment").
    """

    build: Callable[[], Any]
    watched: Callable[[Any], Any]
    slot: str
    base_loss: Callable[[], Any] | None = None  # the loss an augmentation is trained under

    def gan(self, part: Any, *, before_generator_phase: Callable[[], None] | None = None, strategy=None) -> "GanStep":
        """A kit step training ``part``; ``before_generator_phase`` runs as each generator phase begins."""
        loss = part if self.slot == "loss" else self.base_loss()
        if before_generator_phase is not None:
            loss = _PhaseWatch(loss, before_generator_phase)
        # a curved critic: its input gradient differs from image to image, so a penalty on it
        # (R1's, a gradient penalty's) differs between processes unless the part averages it
        critic = _CurvedCritic()
        with torch.no_grad():  # uneven from the first step: a lazy penalty may fire only at d_step 0
            critic.weight.copy_(torch.linspace(-0.2, 0.3, len(critic.weight)))
        return kit_step(loss, critic, augment=part if self.slot == "augment" else None, strategy=strategy)


class _PhaseWatch:
    """A loss that calls ``hook`` when the generator phase begins (after the discriminator phase and
    the augmentation's ``update``), then hands both phases to ``loss``. It has no state of its own."""

    def __init__(self, loss: Any, hook: Callable[[], None]):
        self.loss, self.hook = loss, hook

    def discriminator_loss(self, ctx):
        return self.loss.discriminator_loss(ctx)

    def generator_loss(self, ctx):
        self.hook()
        return self.loss.generator_loss(ctx)


def _attribute_values(part: Any) -> dict[str, Any]:
    """What ``part`` holds, by attribute path (``ema_real``, ``history.0``, ``net.weight``).

    Walks ``vars(part)`` into dicts, lists, tuples, nested objects and modules (their state dict
    and public attributes). Leaves are tensors (CPU copies), numbers (as float64 tensors, so that
    a tensor restored as a float compares by value), strings and None; functions, classes and
    torch generators are left out (a part's random stream is ``ctx.rng``, which the step carries).
    """
    values: dict[str, Any] = {}
    seen: set[int] = set()

    def walk(value: Any, path: str, depth: int) -> None:
        if isinstance(value, torch.Tensor):
            values[path] = value.detach().cpu().clone()
        elif isinstance(value, (bool, int, float)):
            values[path] = torch.tensor(float(value), dtype=torch.float64)
        elif value is None or isinstance(value, str):
            values[path] = value
        elif depth < _WALK_DEPTH and id(value) not in seen and not isinstance(value, _SKIPPED_VALUES):
            seen.add(id(value))
            join = (lambda key: f"{path}.{key}") if path else str
            if isinstance(value, nn.Module):
                items = [*value.state_dict().items(), *((k, v) for k, v in vars(value).items() if not k.startswith("_") and k != "training")]
            elif isinstance(value, dict):
                items = list(value.items())
            elif isinstance(value, (list, tuple)):
                items = list(enumerate(value))
            else:
                items = list(getattr(value, "__dict__", {}).items())
            for key, item in items:
                walk(item, join(key), depth + 1)

    walk(part, "", 0)
    return values


def _same_value(a: Any, b: Any) -> bool:
    """Equal leaves of :func:`_attribute_values`: tensors by shape and value (NaN equals NaN, dtypes aside)."""
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        if a.shape != b.shape:
            return False
        if a.is_complex() or b.is_complex():
            return torch.equal(a, b)
        a, b = a.double(), b.double()
        return bool(((a == b) | (a.isnan() & b.isnan())).all())
    return not isinstance(a, torch.Tensor) and not isinstance(b, torch.Tensor) and a == b


def _shown(value: Any) -> str:
    if value is _MISSING:
        return "nothing"
    if isinstance(value, torch.Tensor):
        return f"{value.item():.6g}" if value.numel() == 1 else f"a tensor of shape {tuple(value.shape)}"
    return repr(value)


def _unsaved_state(trial: _Trial) -> str | None:
    """Train the part; after every step, every attribute that changed must come back in a rebuilt part
    loaded with its state (``state_dict()`` through the checkpoint format, then ``load_state_dict``)."""
    top = trial.build()
    part = trial.watched(top)
    last = _attribute_values(part)
    phases: dict[str, list[str]] = {}  # attribute -> the phases that changed it

    def note(phase: str) -> None:
        nonlocal last
        now = _attribute_values(part)
        for path in sorted(last.keys() | now.keys()):
            if not _same_value(last.get(path, _MISSING), now.get(path, _MISSING)) and phase not in phases.setdefault(path, []):
                phases[path].append(phase)
        last = now

    gan = trial.gan(top, before_generator_phase=lambda: note("discriminator"))
    saves = hasattr(part, "state_dict")
    for _ in range(STATE_STEPS):
        gan.step()
        note("generator")
        fresh = trial.build()
        if hasattr(top, "state_dict") and hasattr(fresh, "load_state_dict"):  # as a checkpoint and --resume do
            fresh.load_state_dict(_through_checkpoint(top.state_dict()))
        restored = _attribute_values(trial.watched(fresh))
        lost = [path for path in phases if not _same_value(last.get(path, _MISSING), restored.get(path, _MISSING))]
        if lost:
            problems = []
            for path in lost:
                phase = " and ".join(phases[path]) + (" phases" if len(phases[path]) > 1 else " phase")
                why = (
                    f"is not in state_dict() or not restored by load_state_dict() (trained: {_shown(last.get(path, _MISSING))}, "
                    f"restored: {_shown(restored.get(path, _MISSING))})"
                    if saves
                    else "is not in state_dict() (the part has none)"
                )
                problems.append(f"attribute {path!r} changes during training ({phase}) but {why}")
            return "; ".join(problems) + ": a resumed run would lose it"
    return None


def _resume_round_trip(trial: _Trial) -> str | None:
    """Train 3 steps (both phases), pass the step's whole state through the checkpoint format into a
    rebuilt step and part as ``--resume`` does, then train both 2 more steps and compare."""
    part = trial.build()
    watched = trial.watched(part)
    if hasattr(watched, "state_dict") and not hasattr(watched, "load_state_dict"):
        return "has state_dict() but no load_state_dict(): its state cannot be restored on resume"
    stateful = hasattr(part, "state_dict")
    gan = trial.gan(part)
    for _ in range(STATE_STEPS - 1):
        gan.step()
    state = _through_checkpoint(gan.state_dict())
    fresh_part = trial.build()
    fresh = trial.gan(fresh_part)
    fresh.load_state_dict(state, gan.count)  # as --resume does: networks, parts, streams
    if stateful and not _same_state(part.state_dict(), fresh_part.state_dict()):
        return "a rebuilt part loaded with the saved state reports a different state_dict()"
    runs = []
    for resumed, held in ((gan, part), (fresh, fresh_part)):  # one after the other, each from the checkpoint's global generator
        torch.set_rng_state(state["rng"]["torch"])
        runs.append([(resumed.step(), _through_checkpoint(held.state_dict()) if stateful else None) for _ in range(2)])
    for step, ((a, state_a), (b, state_b)) in enumerate(zip(*runs, strict=True)):
        differ = sorted(k for k in a.keys() | b.keys() if k not in a or k not in b or not torch.equal(a[k], b[k]))
        at = f"a run resumed after step {STATE_STEPS - 1} differs from an uninterrupted one at step {STATE_STEPS + step}"
        if differ:
            named = ", ".join({"loss_d": "loss_d (discriminator phase)", "loss_g": "loss_g (generator phase)"}.get(k, k) for k in differ)
            return f"{at}: its stats {named}; the part keeps state that state_dict()/load_state_dict() do not carry"
        if stateful and not _same_state(state_a, state_b):
            return f"{at}: its state_dict()"
    return None
