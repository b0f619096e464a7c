"""The contracts between the core and the GAN families.

The trainer and evaluator know a GAN only through these shapes:

* a **Generator** is an ``nn.Module`` with ``latent_dim``, ``image_shape`` (C, H, W) and
  ``num_classes`` (0 = unconditional) whose ``forward(z, labels=None)`` returns images in
  [-1, 1] of shape (B, C, H, W);
* a **Discriminator** is an ``nn.Module`` with ``image_shape`` and ``num_classes`` whose
  ``forward(x, labels=None)`` returns raw scores of shape (B,) — logits or critic values,
  never probabilities;
* a **Loss** owns the adversarial objective and its regularisers through two phases,
  ``discriminator_loss(ctx)`` and ``generator_loss(ctx)``, each receiving a
  :class:`PhaseContext` and returning ``(loss, stats)`` where ``stats`` maps names to detached
  scalar tensors; it may hold state (``state_dict()`` / ``load_state_dict()``) that
  checkpoints carry;
* an **Augmentation** transforms the images D sees, real and fake alike, in both phases
  (``augmentation(images, generator)``, differentiable); it may adapt (``update(ctx)``) and
  hold state like a loss;
* a **Recipe** names a generator, a discriminator and a loss and carries their defaults.

Parts are registered as factories (see :mod:`ganzoo.registry`) that build a module for a
given image shape, latent size and number of classes. What a part needs from the trainer is
declared in its registry entry (:attr:`PartSpec.needs`, values from :data:`NEEDS`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Callable, Protocol, runtime_checkable

if TYPE_CHECKING:  # annotations only: importing the contracts must not import torch (fast `ganzoo --help`)
    import torch
    from torch import nn

from ganzoo.options import add_options

Stats = dict[str, "torch.Tensor"]


@runtime_checkable
class Generator(Protocol):
    """Maps latents (and optional class labels) to images in [-1, 1]."""

    latent_dim: int
    image_shape: tuple[int, int, int]
    num_classes: int

    def __call__(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor: ...


@runtime_checkable
class Discriminator(Protocol):
    """Maps images (and optional class labels) to raw scores of shape (B,)."""

    image_shape: tuple[int, int, int]
    num_classes: int

    def __call__(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor: ...


def _identity(images: torch.Tensor) -> torch.Tensor:
    return images


def _single_process_mean(value: torch.Tensor) -> torch.Tensor:
    return value


def _unseeded_stream() -> "torch.Generator":
    import torch

    return torch.Generator()


@dataclass
class PhaseContext:
    """What a loss sees in one phase of a training step (the model: stylegan2-ada's ``accumulate_gradients``).

    The training step builds one per phase (:meth:`ganzoo.train.step.GanStep.context`; tests
    and the conformance kit get theirs there too, e.g. :func:`ganzoo.testing.phase_context`).
    Call the discriminator through :meth:`D`, which applies the run's augmentation (if any)
    first, so a loss never needs to know about augmentation.

    Work is shared within a phase: :meth:`D` of ``ctx.real`` or ``ctx.fake`` runs once, and a
    regulariser that asks again gets the same scores (same augmentation draw, same graph), and
    ``latents`` are the latents behind ``fake``, so a term that compares generated images needs
    one more generator forward, not two.
    """

    phase: str  # "discriminator" or "generator"
    step: int  # the generator step being trained, counted over the whole run from 0 (resumes included)
    d_step: int  # this discriminator update's index over the whole run from 0; in the generator phase, the last one's
    real: torch.Tensor  # the real batch in [-1, 1] (in the generator phase too: the last discriminator phase's)
    labels: torch.Tensor | None  # its class labels (also those of ``fake``); None when the run is unconditional
    fake: torch.Tensor  # generated images: detached in the discriminator phase, with gradients in the generator phase
    discriminator: Callable[..., torch.Tensor]  # the network itself, without augmentation (prefer :meth:`D`)
    G: nn.Module  # the generator as the trainer calls it, for losses that need another forward
    sample_latents: Callable[[int], torch.Tensor]  # n -> (n, latent_dim) latents from the run's seeded stream
    mean_across_processes: Callable[[torch.Tensor], torch.Tensor] = _single_process_mean  # no gradient flows through
    augment: Callable[[torch.Tensor], torch.Tensor] = _identity  # what :meth:`D` applies before the network
    real_scores: torch.Tensor | None = None  # D's scores of ``real`` (detached), once :meth:`D` was called on it
    #: The loss's own random stream: draw every random number a loss needs from it
    #: (``torch.rand(..., generator=ctx.rng, device=...)``). The trainer seeds it from ``--seed`` and
    #: the process's rank, on the training device, and checkpoints it, so a stochastic regulariser
    #: resumes exactly and depends on the seed. Never use torch's global generator in a loss.
    rng: "torch.Generator" = field(default_factory=_unseeded_stream)
    latents: torch.Tensor | None = None  # the latents ``fake`` was generated from (its labels are ``labels``)
    _scores: list = field(default_factory=list, init=False, repr=False, compare=False)  # D's scores of real/fake in this phase

    def D(self, images: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Raw scores (B,) of ``images`` after the run's augmentation; differentiable in ``images``.

        The scores of ``ctx.real`` and ``ctx.fake`` themselves (the same tensor objects, with the
        same labels object, under the same grad and autocast mode) are computed once per phase and
        handed again to whoever asks: a regulariser
        reuses the base loss's discriminator forward, sees the same augmentation draw, and its term
        backpropagates through the same graph. Any other tensor (a copy that requires grad for a
        gradient penalty, a translated batch) gets a forward of its own. The scores of ``ctx.real``
        are also kept (detached) in ``real_scores``, which is what an adaptive augmentation such as
        ADA reads.
        """
        import torch

        shared = images is self.real or images is self.fake
        mode = (torch.is_grad_enabled(), torch.is_autocast_enabled(images.device.type))
        if shared:
            for seen_images, seen_labels, seen_mode, scores in self._scores:
                if seen_images is images and seen_labels is labels and seen_mode == mode:
                    return scores
        scores = self.discriminator(self.augment(images), labels)
        if shared:
            self._scores.append((images, labels, mode, scores))  # the tensors themselves: compared by identity
        if images is self.real:
            self.real_scores = scores.detach()
        return scores


@runtime_checkable
class Loss(Protocol):
    """The adversarial objective of both players, regularisers included.

    Optionally stateful: ``state_dict()`` returns tensors, numbers, strings, lists and dicts
    (checkpoints never pickle) and ``load_state_dict(state)`` restores them on resume.
    """

    def discriminator_loss(self, ctx: PhaseContext) -> tuple[torch.Tensor, Stats]: ...

    def generator_loss(self, ctx: PhaseContext) -> tuple[torch.Tensor, Stats]: ...


@runtime_checkable
class Augmentation(Protocol):
    """A random, differentiable transform of the images D sees (real and fake, both phases).

    ``augmentation(images, generator)`` draws its random parameters from ``generator`` (seeded
    and checkpointed by the trainer) and returns images of the same shape. Optionally
    ``update(ctx)`` is called after each discriminator update (an adaptive augmentation reads
    ``ctx.real_scores`` there and may return stats to log), and ``state_dict()`` /
    ``load_state_dict()`` carry its state like a loss's.
    """

    def __call__(self, images: torch.Tensor, generator: torch.Generator) -> torch.Tensor: ...


#: What a part may ask of the trainer, declared in its registry entry (``needs=(...)``).
NEEDS: dict[str, str] = {
    "double_backward": "differentiates D's scores with respect to its input and backpropagates through that gradient "
    "(a gradient penalty such as WGAN-GP's or R1): the trainer never compiles D",
}


#: Builds a generator: ``factory(latent_dim=, image_shape=, num_classes=, **options)``.
GeneratorFactory = Callable[..., "nn.Module"]
#: Builds a discriminator: ``factory(image_shape=, num_classes=, **options)``.
DiscriminatorFactory = Callable[..., "nn.Module"]
#: Builds a loss: ``factory(**options)``.
LossFactory = Callable[..., Loss]
#: Builds an augmentation: ``factory(**options)``.
AugmentationFactory = Callable[..., Augmentation]


@dataclass(frozen=True)
class PartSpec:
    """A registered generator, discriminator, loss or augmentation.

    ``conditional`` says whether the part uses class labels: ``True`` (needs them),
    ``False`` (ignores them) or ``None`` (works both ways, following ``num_classes``).
    ``uses_batchnorm`` lets the trainer warn about combinations known to misbehave.
    ``needs`` names what the part asks of the trainer (keys of :data:`NEEDS`).
    ``regularizer`` marks a loss that only adds a term to another loss: it is trained as
    ``LOSS+NAME`` (e.g. ``bce+r1``), never alone.

    Three declarations let the configuration check refuse a bad run before anything is built
    (each receives the part's options, its factory's defaults filled in):

    * ``batch_multiple(options)`` returns the number every batch the part sees must be a
      multiple of (a packing discriminator: its ``pack``); the batch size is checked against it
      and the build probe uses such a batch;
    * ``check_options(options)`` raises ``ValueError`` (its message says what is wrong) for
      values out of range, e.g. ``pack=7``;
    * ``wraps`` names the kind of part this one wraps (``"discriminator"`` for ``pacgan``): its
      factory takes ``inner`` (the wrapped part's registry name) and passes every option it does
      not name itself on to that part, which it builds with
      :meth:`ganzoo.registry.Registry.build_part`. The inner part and its options are checked
      like the part itself, and a wrapper that replaces a recipe's part wraps that part.

    ``supports(image_shape)`` declares the image shapes (C, H, W) a generator or discriminator
    builds: it returns ``None`` for a shape the part builds, else the reason it does not (one
    sentence naming the shapes that work). The configuration check turns that reason into a
    ``ConfigError`` before any data is read. :class:`ganzoo.sizes.SquareSides` is such a
    declaration for networks that double a small square start to the image side; its ``str``
    is what ``ganzoo list`` shows. ``None`` (the default) declares nothing: every shape is tried.
    """

    name: str
    factory: Callable[..., Any]
    description: str = ""
    conditional: bool | None = False
    uses_batchnorm: bool = False
    reference: str = ""
    needs: tuple[str, ...] = ()
    regularizer: bool = False
    batch_multiple: Callable[[dict[str, Any]], int] | None = None
    check_options: Callable[[dict[str, Any]], None] | None = None
    wraps: str | None = None
    supports: Callable[[tuple[int, int, int]], str | None] | None = None


@dataclass(frozen=True)
class PaperFigures:
    """A preset recipe's card: what its paper reports for the configuration the recipe trains.

    ``steps`` counts the paper's generator updates (the recipe's ``steps``, so a preset trains the
    paper's whole budget by default); ``fid`` and ``inception_score`` are the published figures on
    ``data`` (``None`` where the paper reports none); ``source`` names the paper and its table,
    ``note`` what differs or how the figure was measured (e.g. the number of samples).
    """

    source: str
    data: str
    steps: int
    fid: float | None = None
    inception_score: float | None = None
    note: str = ""

    def describe(self) -> str:
        """One line: ``paper: FID 21.7, IS 8.22 after 50,000 G steps on CIFAR-10 32 px (source)``."""
        scores = [f"FID {self.fid:g}" if self.fid is not None else "no FID", *([f"IS {self.inception_score:g}"] if self.inception_score is not None else [])]
        return f"paper: {', '.join(scores)} after {self.steps:,} G steps on {self.data} ({self.source})"


@dataclass(frozen=True)
@add_options(recipe_only=True)
class Recipe:
    """A named generator x discriminator x loss combination with its paper's defaults.

    Besides its name and parts, a recipe has one field per training option that a recipe may
    set (declared once in :mod:`ganzoo.options`: latent size, image size, batch size, steps,
    learning rates, Adam betas, discriminator steps, EMA decay, conditional or not, and the
    extra keyword arguments of each part's factory); the user can override each from the CLI.
    ``None`` for ``image_size`` keeps the dataset's native size. The defaults are DCGAN's
    settings (Adam 2e-4, betas (0.5, 0.999), batch 64, z of size 100), which most recipes
    share, so a recipe states only where its paper differs.

    ``by_resolution`` is the recipe's table of defaults by image side: ``{64: {"generator":
    "dcgan", "batch_size": 128, ...}}``. When the run's images (the dataset's shape, or
    ``--image-size``) have a side the table lists, that row's values replace the recipe's own
    defaults (any field of :meth:`default_fields`; ``"reference"`` is the row's source, shown by
    ``ganzoo list recipes``); flags the user sets still win. Other sides train the recipe's own
    defaults. See :meth:`defaults_for`.

    ``paper`` makes the recipe a *preset*: one paper's configuration for one dataset (its networks,
    optimiser, batch, discriminator steps, image side and number of steps), with the figures that
    paper published for it (:class:`PaperFigures`, shown by ``ganzoo list recipes``).
    """

    name: str
    generator: str  # registry name of the generator
    discriminator: str  # registry name of the discriminator
    loss: str  # registry name of the loss
    description: str = ""
    reference: str = ""  # the paper the defaults come from
    by_resolution: dict = field(default_factory=dict)  # image side -> the defaults that replace the recipe's at that side
    paper: PaperFigures | None = None  # a preset's card: the paper's published figures for this configuration

    def __post_init__(self) -> None:
        allowed = {*self.default_fields(), "reference"}
        for side, row in self.by_resolution.items():
            unknown = sorted(set(row) - allowed) if isinstance(row, dict) else ["(not a table)"]
            if unknown or not str(side).isdigit():
                raise ValueError(
                    f"recipe {self.name!r}: by_resolution maps image sides (whole numbers) to recipe fields "
                    f"({', '.join(sorted(allowed))}); got side {side!r} with {', '.join(unknown) or 'fields'}"
                )
        # one form however the table was written or read back from JSON: int sides, tuples for lists (betas)
        table = {int(side): {k: tuple(v) if isinstance(v, list) else v for k, v in row.items()} for side, row in self.by_resolution.items()}
        object.__setattr__(self, "by_resolution", table)

    @classmethod
    def default_fields(cls) -> list[str]:
        """Names of the fields that are training defaults (everything but the identity and the table)."""
        return [f.name for f in fields(cls) if f.name not in {"name", "description", "reference", "by_resolution", "paper"}]

    def defaults_for(self, image_shape: tuple[int, int, int]) -> dict[str, Any]:
        """The ``by_resolution`` row for images of ``image_shape`` (C, H, W), less its reference; ``{}`` when none applies.

        A row applies to square images of its side (JSON keys, strings, count as their number).
        """
        _, height, width = image_shape
        if height != width:
            return {}
        for side, row in self.by_resolution.items():
            if int(side) == height:
                return {k: v for k, v in row.items() if k != "reference"}
        return {}
