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
  context's stream ``ctx.rng`` (never torch's global generator); its state, if any, survives
  the checkpoint format (safetensors + JSON) and a rebuilt loss continues identically.
* augmentation: keeps the shape of 1- and 3-channel batches, is differentiable, draws its
  randomness only from the generator it is given, adapts (``update``) without error, and its
  state survives the checkpoint format like a loss's.
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
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from ganzoo.data.dataset import DatasetSpec, ImageDataset
from ganzoo.discovery import get_registry
from ganzoo.protocols import PartSpec, PhaseContext
from ganzoo.registry import Registry, normalize_kind
from ganzoo.train.state_io import flatten_state, unflatten_state

if TYPE_CHECKING:
    from ganzoo.train.step import GanStep

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


class ConformanceError(AssertionError):
    """Raised by :func:`assert_conforms` with every failed check listed."""


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


def kit_step(loss: object = None, D: nn.Module | None = None, *, seed: int = 0, augment=None, batch: int = 8) -> "GanStep":
    """A :class:`~ganzoo.train.step.GanStep` on the kit's tiny networks: a (1, 4, 4) linear critic
    (or ``D``), a 16-d generator whose weights follow ``seed``, and 8 synthetic images; its random
    streams (latents, ``ctx.rng``) are seeded from ``seed``. Torch's global generator is left alone."""
    from ganzoo.train.config import TrainConfig
    from ganzoo.train.step import GanStep

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        G = _TinyGenerator()
        D = D if D is not None else _LinearCritic()
    images = torch.randint(0, 256, (batch, 1, 4, 4), dtype=torch.uint8, generator=torch.Generator().manual_seed(seed))
    config = TrainConfig("kit", "kit", "kit", "kit", seed=seed, latent_dim=G.latent_dim, batch_size=batch, ema_decay=0.0)
    return GanStep(config, G, D, loss, ImageDataset("kit", images), augment=augment)


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


def _state_round_trip(build: Callable[[], object], run: Callable[[object, int], object]) -> str | None:
    """Run a part a few times, pass its state through the checkpoint format into a rebuilt part, compare."""
    part = build()
    if not hasattr(part, "state_dict"):
        return None  # stateless: nothing to carry
    if not hasattr(part, "load_state_dict"):
        return "has state_dict() but no load_state_dict(): its state cannot be restored on resume"
    for step in range(3):
        run(part, step)
    state = part.state_dict()
    fresh = build()
    fresh.load_state_dict(_through_checkpoint(state))
    if not _same_state(state, fresh.state_dict()):
        return "a rebuilt part loaded with the saved state reports a different state_dict()"
    after, again = run(part, 3), run(fresh, 3)
    if not _same_state(after, again):
        return "a rebuilt part loaded with the saved state continues differently"
    return None


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

    def run(loss, step):
        D = _LinearCritic()
        with torch.no_grad():
            D.weight.fill_(0.1 * (step + 1))
        real, fake = _batches(step)
        value, stats = loss.discriminator_loss(phase_context("discriminator", D, real, fake, step))
        return {"value": value.detach(), **stats, "state": loss.state_dict()}

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
    checks.append(("state round trip", lambda: _state_round_trip(spec.factory, run)))
    return _check_all("loss", name, checks)


def check_augmentation(name: str, registry: Registry | None = None) -> list[CheckResult]:
    """Check a registered augmentation: shapes, differentiability, seeded randomness, adaptation, state."""
    spec = (registry or get_registry()).augmentation(name)

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
            return {}
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
        return {**stats, "out": augmentation(real, torch.Generator().manual_seed(7))}

    def adapts():
        augmentation = spec.factory()
        for step in range(8):
            adapt(augmentation, step)
        return None

    checks = [("shapes, gradients, seeded randomness", contract), ("update", adapts)]
    checks.append(("state round trip", lambda: _state_round_trip(spec.factory, adapt)))
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
