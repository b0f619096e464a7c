"""The conformance kit: does a registered part honour ganzoo's contracts?

Use it from the CLI (``ganzoo plugins check DISTRIBUTION``) or from pytest::

    import pytest
    from ganzoo.testing import assert_conforms, conformance_cases

    @pytest.mark.parametrize("kind, name", conformance_cases("my-gan-plugin"))
    def test_my_plugin_conforms(kind, name):
        assert_conforms(kind, name)

Checks, per kind:

* generator: builds for (1, 32, 32) and (3, 32, 32) images, unconditional and/or with 10
  classes as its ``conditional`` flag says; has the protocol's attributes; returns float
  images of the right shape inside [-1, 1]; different labels change the output of a
  conditional generator; gradients reach every parameter; a safetensors round trip of its
  state dict reproduces its output.
* discriminator: the same builds; one raw score per image (shape (B,)), no Sigmoid module;
  gradients reach its input and every parameter; the same round trip.
* loss: both phases return finite scalar losses and stats of detached scalar tensors on a
  small linear critic; one gradient step on the discriminator loss separates real from fake
  scores; a step of the fakes along the generator loss raises their scores (a regulariser,
  which is trained as ``LOSS+NAME``, is checked on top of ``bce``); a loss that backpropagates
  through D's input gradient (the critic notes it) declares ``needs=("double_backward",)``,
  which makes the trainer keep D uncompiled; it draws random numbers only from the phase
  context's stream ``ctx.rng`` (never torch's global generator); and its state passes the
  three state checks below.
* augmentation: keeps the shape of 1- and 3-channel batches, is differentiable, draws its
  randomness only from the generator it is given, adapts (``update``) without error, and
  passes the three state checks (trained under ``bce``).
* state, of a loss (a regulariser as ``bce+NAME``) or an augmentation, trained in a real
  :class:`~ganzoo.train.step.GanStep` (:func:`kit_step`), both phases of every step:

  - *state carries what changes*: the part's attributes (``vars(part)``, walked into dicts,
    lists, tuples, nested objects and modules' state dicts: tensors, numbers, strings) are
    snapshotted around each phase for 4 steps; after each step, a rebuilt part loaded with its
    ``state_dict()`` (through the checkpoint format) must hold the same value in every attribute
    that changed. A failure names the attribute and the phase that changes it, whether the part
    has no ``state_dict()`` or one that leaves the attribute out. Values that change within a
    step but are back where they were at its end (a cache cleared by the generator phase) are
    not state: checkpoints are taken between steps.
  - *state round trip*: 3 steps, then the step's whole state (weights, optimisers, streams and
    the part's) through the checkpoint format into a rebuilt step and part, as ``--resume``
    does; both continue for 2 steps with the same stats and the same ``state_dict()``.
  - *state agrees across 2 processes*: a part with a ``state_dict()`` is trained for 4 steps in
    a 2-process gloo group (forked, :class:`~ganzoo.train.strategy.DataParallel`, each process
    its own images); every key of its state (``loss.lecam.ema_real``) must be equal in both,
    else it is named: a checkpoint keeps rank 0's only. Skipped, with the reason, where no
    process group can start (no ``fork``, no gloo). 4 steps is a multiple of ADA's interval:
    state averaged only every k updates agrees only at multiples of k.
* recipe: its parts exist and fit together, and three training steps run on a small
  synthetic dataset and leave finite weights and a checkpoint.
* logger: it names the modules it needs and the command that installs them; its factory builds a
  :class:`~ganzoo.loggers.Logger` without starting a tracker (no run is opened, nothing is sent).
* pretrained: its model card names it and records the weights' sha256, which the weights file
  matches; the generator builds from the pack's configuration with the plugins installed, loads
  the weights, and draws seeded images of its dataset's shape (every class of a conditional one).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import multiprocessing
import os
import queue
import socket
import tempfile
import time
import types
import warnings
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from ganzoo.data.dataset import DatasetSpec, ImageDataset
from ganzoo.discovery import get_registry
from ganzoo.protocols import PartSpec, PhaseContext
from ganzoo.registry import Registry, normalize_kind
from ganzoo.train.agreement import NETWORKS, disagreeing_state
from ganzoo.train.state_io import flatten_state, unflatten_state

if TYPE_CHECKING:
    from ganzoo.train.step import GanStep
    from ganzoo.train.strategy import SingleProcess

SHAPES = ((1, 32, 32), (3, 32, 32))
NUM_CLASSES = 10
BATCH = 4


@dataclass(frozen=True)
class CheckResult:
    """One check of one registered part."""

    kind: str
    name: str
    check: str
    ok: bool
    detail: str = ""
    skipped: bool = False  # the check could not run here (``detail`` says why); not a failure


class ConformanceError(AssertionError):
    """Raised by :func:`assert_conforms` with every failed check listed."""


class CheckSkipped(Exception):
    """Raised by a check that cannot run in this environment (e.g. no process group can start)."""


def _label_variants(conditional: bool | None) -> list[int]:
    return {True: [NUM_CLASSES], False: [0], None: [0, NUM_CLASSES]}[conditional]


def _variants(conditional: bool | None):
    """(shape, num_classes, tag) of every build a part is checked in."""
    for shape in SHAPES:
        for classes in _label_variants(conditional):
            yield shape, classes, f"{'x'.join(map(str, shape))}, {classes} classes"


def _labels(num_classes: int, batch: int = BATCH) -> torch.Tensor | None:
    return torch.arange(batch) % num_classes if num_classes else None


def _round_trip(module: nn.Module, call: Callable[[nn.Module], torch.Tensor], rebuild: Callable[[], nn.Module]) -> str | None:
    module.eval()
    with torch.no_grad():
        before = call(module)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "state.safetensors"
        save_file({k: v.detach().contiguous() for k, v in module.state_dict().items()}, str(path))
        fresh = rebuild()
        fresh.load_state_dict(load_file(str(path)), strict=True)
    fresh.eval()
    with torch.no_grad():
        after = call(fresh)
    return None if torch.allclose(before, after, atol=1e-6) else "a rebuilt module with the saved state gives different outputs"


def _check_all(kind: str, name: str, checks: list[tuple[str, Callable[[], str | None]]]) -> list[CheckResult]:
    results = []
    for check, run in checks:
        try:
            problem = run()
        except CheckSkipped as skipped:
            results.append(CheckResult(kind, name, check, True, str(skipped), skipped=True))
            continue
        except Exception as error:  # noqa: BLE001 - any failure of a plugin is a finding
            problem = f"{type(error).__name__}: {error}"
        results.append(CheckResult(kind, name, check, problem is None, problem or ""))
    return results


def check_generator(name: str, registry: Registry | None = None) -> list[CheckResult]:
    """Check a registered generator against the Generator contract."""
    spec = (registry or get_registry()).generator(name)
    checks = []
    for shape, classes, tag in _variants(spec.conditional):
        build = lambda shape=shape, classes=classes: spec.factory(latent_dim=16, image_shape=shape, num_classes=classes)  # noqa: E731

        def contract(build=build, shape=shape, classes=classes):
            torch.manual_seed(0)
            G = build()
            if not isinstance(G, nn.Module):
                return f"built a {type(G).__name__}, not an nn.Module"
            attrs = {"latent_dim": G.latent_dim, "image_shape": tuple(G.image_shape), "num_classes": G.num_classes}
            if attrs != {"latent_dim": 16, "image_shape": shape, "num_classes": classes}:
                return f"attributes {attrs} do not match what it was built for"
            G.train()
            out = G(torch.randn(BATCH, 16), _labels(classes))
            if tuple(out.shape) != (BATCH, *shape) or not out.is_floating_point():
                return f"returned {out.dtype} of shape {tuple(out.shape)}; expected float ({BATCH}, {', '.join(map(str, shape))})"
            if out.min() < -1 - 1e-5 or out.max() > 1 + 1e-5:
                return f"images outside [-1, 1]: [{out.min():.3f}, {out.max():.3f}]"
            out.float().pow(2).mean().backward()
            missing = [n for n, p in G.named_parameters() if p.requires_grad and (p.grad is None or not p.grad.abs().sum() > 0)]
            if missing:
                return f"no gradient reaches {missing[:3]}"
            if classes:
                G.eval()
                z = torch.randn(1, 16).repeat(2, 1)
                with torch.no_grad():
                    pair = G(z, torch.tensor([0, 1]))
                if torch.allclose(pair[0], pair[1]):
                    return "the same z with labels 0 and 1 gives the same image: labels are ignored"
            return _round_trip(G, lambda m: m(torch.ones(2, 16), _labels(classes, 2)), build)

        checks.append((f"contract ({tag})", contract))
    return _check_all("generator", name, checks)


def check_discriminator(name: str, registry: Registry | None = None) -> list[CheckResult]:
    """Check a registered discriminator against the Discriminator contract, on batches of the
    multiple it declares (``PartSpec.batch_multiple``, e.g. a pack of 3: 6 images), else of 4."""
    from ganzoo.train.part_options import batch_multiple

    spec = (registry or get_registry()).discriminator(name)
    multiple = batch_multiple(spec, {})
    batch = multiple * -(-BATCH // multiple)
    checks = []
    for shape, classes, tag in _variants(spec.conditional):
        build = lambda shape=shape, classes=classes: spec.factory(image_shape=shape, num_classes=classes)  # noqa: E731

        def contract(build=build, shape=shape, classes=classes):
            torch.manual_seed(0)
            D = build()
            if not isinstance(D, nn.Module):
                return f"built a {type(D).__name__}, not an nn.Module"
            if (tuple(D.image_shape), D.num_classes) != (shape, classes):
                return f"attributes image_shape={D.image_shape}, num_classes={D.num_classes} do not match what it was built for"
            if any(isinstance(m, nn.Sigmoid) for m in D.modules()):
                return "contains a Sigmoid: a discriminator returns raw scores (logits or critic values)"
            D.train()
            x = torch.rand(batch, *shape).mul(2).sub(1).requires_grad_(True)
            scores = D(x, _labels(classes, batch))
            if tuple(scores.shape) != (batch,):
                return f"returned scores of shape {tuple(scores.shape)}; expected ({batch},), one raw score per image"
            scores.float().sum().backward()
            if x.grad is None or not x.grad.abs().sum() > 0:
                return "no gradient reaches the input images"
            missing = [n for n, p in D.named_parameters() if p.requires_grad and p.grad is None]
            if missing:
                return f"no gradient reaches {missing[:3]}"
            probe = torch.linspace(-1, 1, batch * int(torch.tensor(shape).prod())).view(batch, *shape)
            return _round_trip(D, lambda m: m(probe, _labels(classes, batch)), build)

        checks.append((f"contract ({tag})", contract))
    return _check_all("discriminator", name, checks)


class _RecordedScore(torch.autograd.Function):
    """x . w that notes when its backward runs with ``create_graph=True``: a double backward through D."""

    @staticmethod
    def forward(ctx, x, w, record):
        ctx.save_for_backward(x, w)
        ctx.record = record
        return x @ w

    @staticmethod
    def backward(ctx, grad):
        if torch.is_grad_enabled():  # only true inside a backward asked to build a graph of its own
            ctx.record["double_backward"] = True
        x, w = ctx.saved_tensors
        return grad[:, None] * w[None, :], x.t() @ grad, None


class _LinearCritic(nn.Module):
    """score = w . flatten(x), starting from w = 0: the simplest discriminator, for loss checks.

    ``record`` notes in ``record["double_backward"]`` whether a loss differentiated through its
    input gradient, which a compiled discriminator cannot do.
    """

    def __init__(self, shape=(1, 4, 4), record: dict | None = None):
        super().__init__()
        self.image_shape, self.num_classes, self.record = shape, 0, record
        self.weight = nn.Parameter(torch.zeros(int(torch.tensor(shape).prod())))  # scores start at 0, inside every margin

    def forward(self, x, labels=None):
        flat = x.flatten(1)
        return flat @ self.weight if self.record is None else _RecordedScore.apply(flat, self.weight, self.record)


class _CurvedCritic(_LinearCritic):
    """score = w . (x + x²): its input gradient depends on the input, so where a loss evaluates it
    (e.g. a gradient penalty's random interpolates) changes the loss."""

    def forward(self, x, labels=None):
        flat = x.flatten(1)
        return (flat + flat * flat) @ self.weight


class _TinyGenerator(nn.Module):
    """z (B, 16) -> (B, 1, 4, 4) images in [-1, 1], for losses that call ``ctx.G``."""

    latent_dim, image_shape, num_classes = 16, (1, 4, 4), 0

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 16)

    def forward(self, z, labels=None):
        return torch.tanh(self.fc(z)).view(-1, 1, 4, 4)


def kit_step(
    loss: object = None,
    D: nn.Module | None = None,
    *,
    seed: int = 0,
    augment=None,
    batch: int = 8,
    strategy: "SingleProcess | None" = None,
) -> "GanStep":
    """A :class:`~ganzoo.train.step.GanStep` on the kit's tiny networks: a (1, 4, 4) linear critic
    (or ``D``), a 16-d generator whose weights follow ``seed``, and 8 synthetic images; its random
    streams (latents, ``ctx.rng``) are seeded from ``seed``. Torch's global generator is left alone.

    ``strategy`` (e.g. :class:`~ganzoo.train.strategy.DataParallel`) runs it in a process group:
    each process then gets images of its own (drawn from ``seed`` and its rank), as each
    process of a data-parallel run sees its own batches."""
    from ganzoo.train.config import TrainConfig
    from ganzoo.train.step import GanStep

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        G = _TinyGenerator()
        D = D if D is not None else _LinearCritic()
    rank = strategy.rank if strategy is not None else 0
    images = torch.randint(0, 256, (batch, 1, 4, 4), dtype=torch.uint8, generator=torch.Generator().manual_seed(seed + 7919 * rank))
    config = TrainConfig("kit", "kit", "kit", "kit", seed=seed, latent_dim=G.latent_dim, batch_size=batch, ema_decay=0.0)
    return GanStep(config, G, D, loss, ImageDataset("kit", images), augment=augment, strategy=strategy)


def phase_context(phase: str, D: nn.Module, real: torch.Tensor, fake: torch.Tensor, step: int = 0, labels: torch.Tensor | None = None, **fields) -> PhaseContext:
    """A phase context of step ``step`` with these tensors and discriminator ``D`` (the kit's
    critic when None), built by the training step (:func:`kit_step`, its streams seeded by
    ``step``) as the trainer builds its own; ``fields`` replace some of its fields (e.g.
    ``augment=``). For unit tests of a loss: ``loss.discriminator_loss(phase_context("discriminator", D, real, fake))``."""
    gan = kit_step(seed=step)
    gan.count = step
    ctx = gan.context(phase, real, labels, fake, discriminator=D)
    return dataclasses.replace(ctx, **fields) if fields else ctx


def _batches(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    real = torch.full((8, 1, 4, 4), 0.5) + 0.05 * torch.randn(8, 1, 4, 4, generator=generator)
    fake = torch.full((8, 1, 4, 4), -0.5) + 0.05 * torch.randn(8, 1, 4, 4, generator=generator)
    return real, fake


def _stats_problem(phase: str, stats: dict) -> str | None:
    bad = [k for k, v in stats.items() if not (isinstance(v, torch.Tensor) and v.dim() == 0 and not v.requires_grad)]
    return f"stats {bad} of the {phase} phase are not detached scalar tensors" if bad else None


def _scalar_problem(phase: str, value: torch.Tensor, stats: dict) -> str | None:
    if not isinstance(value, torch.Tensor) or value.dim() != 0 or not torch.isfinite(value):
        return f"the {phase} loss is not a finite scalar tensor: {value!r}"
    return _stats_problem(phase, stats)


def _trainable_loss(registry: Registry, spec: PartSpec) -> PartSpec:
    """The entry the kit trains: the loss itself, or ``bce+NAME`` for a regulariser."""
    return registry.loss(f"bce+{spec.name}") if spec.regularizer else spec


def _through_checkpoint(state) -> object:
    """``state`` after the trip a checkpoint makes: tensors through safetensors, the rest through JSON."""
    tensors, tree = flatten_state(state, "part")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "state.safetensors"
        save_file(tensors, str(path))
        return unflatten_state(json.loads(json.dumps(tree)), load_file(str(path)))


def _same_state(a, b) -> bool:
    tensors_a, tree_a = flatten_state(a, "part")
    tensors_b, tree_b = flatten_state(b, "part")
    same_keys = tree_a == tree_b and tensors_a.keys() == tensors_b.keys()
    return same_keys and all(torch.equal(tensors_a[k], tensors_b[k]) for k in tensors_a)


# -- state: what a part keeps between steps --------------------------------------------------
#
# The three state checks train the part in a real GanStep on the kit's tiny networks, both
# phases of every step. A loss is trained as itself (a regulariser as ``bce+NAME``), an
# augmentation under ``bce``. ``_Trial`` says how to build the part and the step around it.

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


def _agreement_worker(trial: _Trial, rank: int, port: int, results) -> None:
    """One of the 2 processes of :func:`_two_process_agreement` (forked: it inherits the registry)."""
    os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE="2", MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    import torch.distributed as dist

    try:
        dist.init_process_group("gloo", timeout=timedelta(seconds=90))
    except Exception as error:  # noqa: BLE001 - reported as a skip: the environment, not the part
        results.put((rank, "skip", f"{type(error).__name__}: {error}"))
        return
    try:
        from ganzoo.train.strategy import DataParallel

        strategy = DataParallel("cpu")
        gan = trial.gan(trial.build(), strategy=strategy)
        for _ in range(STATE_STEPS):
            gan.step()
        results.put((rank, "done", disagreeing_state(gan)))
        strategy.barrier()
    except Exception as error:  # noqa: BLE001 - any failure of a plugin is a finding
        results.put((rank, "error", f"{type(error).__name__}: {error}"))
    finally:
        dist.destroy_process_group()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _two_process_agreement(trial: _Trial, timeout: float = 120.0) -> str | None:
    """Train the part for :data:`STATE_STEPS` steps in a 2-process gloo group (each process its own
    images, as under ``torchrun``) and compare its state across the processes."""
    if not hasattr(trial.watched(trial.build()), "state_dict"):
        return None  # no state to compare (what changes without being saved is the attribute check's)
    import torch.distributed as dist

    if not dist.is_available() or "fork" not in multiprocessing.get_all_start_methods():
        raise CheckSkipped("skipped: this platform cannot fork a 2-process gloo group")
    context = multiprocessing.get_context("fork")  # the children inherit the registry, in-process plugins too
    results = context.Queue()
    port = _free_port()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # Python 3.12+: fork of a multi-threaded process
        workers = [context.Process(target=_agreement_worker, args=(trial, rank, port, results), daemon=True) for rank in range(2)]
        for worker in workers:
            worker.start()
    outcome: dict[int, tuple[str, Any]] = {}
    deadline = time.monotonic() + timeout
    try:
        while len(outcome) < 2 and not any(status != "done" for status, _ in outcome.values()):
            try:
                rank, status, payload = results.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise CheckSkipped(f"skipped: the 2-process group gave no answer within {timeout:.0f} s") from None
            outcome[rank] = (status, payload)
    finally:
        for worker in workers:
            worker.join(timeout=5)
            if worker.is_alive():
                worker.terminate()
                worker.join()
    for status, payload in outcome.values():
        if status == "skip":
            raise CheckSkipped(f"skipped: no 2-process gloo group could start here ({payload})")
        if status == "error":
            return f"failed in a 2-process group: {payload}"
    different = outcome[0][1]
    problems = [f"the {name} weights differ" for name in NETWORKS if name in different]
    named = [key for key in different if key not in NETWORKS]
    if named:
        problems.append(f"state {', '.join(repr(k) for k in named)} {'differs' if len(named) == 1 else 'differ'}")
    if not problems:
        return None
    return (
        f"{' and '.join(problems)} between the 2 processes after {STATE_STEPS} steps: "
        "average it across processes (ctx.mean_across_processes), or a resumed run continues from rank 0's alone"
    )


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


def _synthetic_dataset(num_classes: int) -> DatasetSpec:
    def load(root, split, download):
        generator = torch.Generator().manual_seed(0 if split == "train" else 1)
        images = torch.randint(0, 256, (256, 1, 28, 28), dtype=torch.uint8, generator=generator)
        return ImageDataset("conformance-synthetic", images, torch.arange(256) % num_classes, num_classes=num_classes)

    return DatasetSpec("conformance-synthetic", load, (1, 28, 28), num_classes, "random images for the conformance kit")


def check_recipe(name: str, registry: Registry | None = None) -> list[CheckResult]:
    """Check that a recipe's parts exist and that it trains for a few steps."""
    from ganzoo.train import Trainer, resolve_config
    from ganzoo.train.checkpoint import list_checkpoints

    registry = registry or get_registry()

    def trains():
        registry.add("dataset", _synthetic_dataset(NUM_CLASSES), plugin="ganzoo.testing", override=True)
        config = resolve_config(registry, "conformance-synthetic", name, steps=3, batch_size=8, log_every=1, sample_every=3, checkpoint_every=3, device="cpu")
        with tempfile.TemporaryDirectory() as tmp:
            trainer = Trainer(config, Path(tmp) / "run", registry=registry, progress=False)
            result = trainer.fit()
            if result.step != 3:
                return f"stopped at step {result.step} of 3"
            if not all(torch.isfinite(p).all() for p in [*trainer.gan.G.parameters(), *trainer.gan.D.parameters()]):
                return "weights are not finite after 3 steps"
            if not list_checkpoints(Path(tmp) / "run"):
                return "no checkpoint was written"
        return None

    return _check_all("recipe", name, [("trains 3 steps", trains)])


def check_pretrained(name: str, registry: Registry | None = None) -> list[CheckResult]:
    """Check a registered pretrained generator: its card, its weights' sha256, and that it draws images."""
    from ganzoo.api.model import load
    from ganzoo.pretrained.pack import WEIGHTS_FILE, read_card
    from ganzoo.train.build import shapes_for
    from ganzoo.train.checkpoint import sha256_of

    registry = registry or get_registry()
    spec = registry.pretrained(name)

    def card() -> str | None:
        data = read_card(spec.path)
        if data.get("name") != name:
            return f"card.json names {data.get('name')!r}, not {name!r}"
        if not spec.sha256:
            return "the entry records no sha256 of its weights (card.json: weights.sha256)"
        actual = sha256_of(Path(spec.path) / WEIGHTS_FILE)
        return None if actual == spec.sha256 else f"{WEIGHTS_FILE} has sha256 {actual[:12]}..., the card records {spec.sha256[:12]}..."

    def draws() -> str | None:
        model = load(name, registry=registry)
        images = model.generate(max(2, model.num_classes), seed=0)
        expected = (len(images), *shapes_for(model.config, registry.dataset(model.dataset)).image_shape)
        if tuple(images.shape) != expected or images.dtype != torch.uint8:
            return f"drew {images.dtype} images of shape {tuple(images.shape)}; expected uint8 {expected}"
        if not torch.equal(images, model.generate(len(images), seed=0)):
            return "the same seed drew different images"
        if images.float().std() == 0:
            return "every pixel of every image is the same"
        return None

    return _check_all("pretrained", name, [("card and sha256", card), ("loads and draws images", draws)])


LOGGER_METHODS = ("start", "log_hyperparams", "log_metrics", "log_image", "flush", "rewind", "finalize")


def check_logger(name: str, registry: Registry | None = None) -> list[CheckResult]:
    """Check a registered logger: its install command, and that its factory builds the logger interface."""
    from ganzoo.loggers import Logger

    registry = registry or get_registry()
    spec = registry.logger(name)

    def install() -> str | None:
        if isinstance(spec.requires, str) or not all(isinstance(m, str) and m for m in spec.requires):
            return f"requires is {spec.requires!r}; it is a tuple of module names, e.g. ('aim',)"
        return "requires names modules but install gives no command to install them" if spec.requires and not spec.install else None

    def builds() -> str | None:
        logger = spec.factory()
        missing = [m for m in LOGGER_METHODS if not callable(getattr(logger, m, None))]
        if missing:
            return f"the factory returned a {type(logger).__name__} without {', '.join(missing)}"
        overridden = type(logger).start is not Logger.start and type(logger).log_metrics is not Logger.log_metrics
        return None if overridden or not isinstance(logger, Logger) else "it does not implement start and log_metrics"

    return _check_all("logger", name, [("install command", install), ("builds the logger interface", builds)])


CHECKERS: dict[str, Callable[..., list[CheckResult]]] = {
    "generator": check_generator,
    "discriminator": check_discriminator,
    "loss": check_loss,
    "augmentation": check_augmentation,
    "recipe": check_recipe,
    "pretrained": check_pretrained,
    "logger": check_logger,
}


def conformance_cases(distribution: str | None = None, registry: Registry | None = None) -> list[tuple[str, str]]:
    """``(kind, name)`` of every checkable entry, optionally only those of one distribution or plugin."""
    registry = registry or get_registry()
    plugins = {p.name: p for p in registry.plugins}
    cases = []
    for kind in CHECKERS:
        for entry in registry.entries(kind):
            info = plugins.get(entry.plugin)
            owner = {entry.plugin, info.distribution if info else None}
            if distribution is None or distribution in owner:
                cases.append((kind, entry.name))
    return cases


def with_options(registry: Registry, kind: str, name: str, options: dict) -> Registry:
    """A copy of ``registry`` in which the part ``kind``/``name`` is built with ``options`` (keyword
    arguments of its factory, as ``--set`` gives them) instead of its defaults; ConfigError (exit 2)
    when the part does not take one of them or refuses its value."""
    from ganzoo.train.part_options import check_part_options

    kind = normalize_kind(kind)
    scratch = registry.copy()
    entry = scratch.entry(kind, name)
    check_part_options(kind, entry.value, options, scratch)
    bound = dataclasses.replace(entry.value, factory=functools.partial(entry.value.factory, **options))
    scratch.add(kind, bound, plugin=entry.plugin, override=True)
    return scratch


def run_checks(kind: str, name: str, registry: Registry | None = None, options: dict | None = None) -> list[CheckResult]:
    """Every check of one entry; with ``options``, of the part built with those options (see :func:`with_options`)."""
    kind = normalize_kind(kind)
    if options:
        registry = with_options(registry or get_registry(), kind, name, options)
    return CHECKERS[kind](name, registry)


def assert_conforms(kind: str, name: str, registry: Registry | None = None) -> None:
    """Raise :class:`ConformanceError` listing every failed check of one entry."""
    failed = [r for r in run_checks(kind, name, registry) if not r.ok]
    if failed:
        raise ConformanceError(f"{kind} {name!r} fails: " + "; ".join(f"{r.check}: {r.detail}" for r in failed))


__all__ = [
    "CheckResult",
    "ConformanceError",
    "assert_conforms",
    "check_augmentation",
    "check_discriminator",
    "check_generator",
    "check_logger",
    "check_loss",
    "check_pretrained",
    "check_recipe",
    "conformance_cases",
    "kit_step",
    "phase_context",
    "run_checks",
    "with_options",
]
