"""The contracts between the core and the GAN families.

The trainer and evaluator know a GAN only through these shapes:

* a **Generator** is an ``nn.Module`` with ``latent_dim``, ``image_shape`` (C, H, W) and
  ``num_classes`` (0 = unconditional) whose ``forward(z, labels=None)`` returns images in
  [-1, 1] of shape (B, C, H, W);
* a **Discriminator** is an ``nn.Module`` with ``image_shape`` and ``num_classes`` whose
  ``forward(x, labels=None)`` returns raw scores of shape (B,) — logits or critic values,
  never probabilities;
* a **Loss** owns the adversarial objective and its regularisers through two phases,
  ``discriminator_loss(D, real, fake, labels)`` and ``generator_loss(D, fake, labels)``, each
  returning ``(loss, stats)`` where ``stats`` maps names to detached scalar tensors;
* a **Recipe** names a generator, a discriminator and a loss and carries their defaults.

Parts are registered as factories (see :mod:`ganzoo.registry`) that build a module for a
given image shape, latent size and number of classes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Callable, Protocol, runtime_checkable

if TYPE_CHECKING:  # annotations only: importing the contracts must not import torch (fast `ganzoo --help`)
    import torch
    from torch import nn

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


@runtime_checkable
class Loss(Protocol):
    """The adversarial objective of both players, regularisers included."""

    def discriminator_loss(
        self, D: nn.Module, real: torch.Tensor, fake: torch.Tensor, labels: torch.Tensor | None
    ) -> tuple[torch.Tensor, Stats]: ...

    def generator_loss(self, D: nn.Module, fake: torch.Tensor, labels: torch.Tensor | None) -> tuple[torch.Tensor, Stats]: ...


#: Builds a generator: ``factory(latent_dim=, image_shape=, num_classes=, **options)``.
GeneratorFactory = Callable[..., "nn.Module"]
#: Builds a discriminator: ``factory(image_shape=, num_classes=, **options)``.
DiscriminatorFactory = Callable[..., "nn.Module"]
#: Builds a loss: ``factory(**options)``.
LossFactory = Callable[..., Loss]


@dataclass(frozen=True)
class PartSpec:
    """A registered generator, discriminator or loss.

    ``conditional`` says whether the part uses class labels: ``True`` (needs them),
    ``False`` (ignores them) or ``None`` (works both ways, following ``num_classes``).
    ``uses_batchnorm`` lets the trainer warn about combinations known to misbehave.
    """

    name: str
    factory: Callable[..., Any]
    description: str = ""
    conditional: bool | None = False
    uses_batchnorm: bool = False
    reference: str = ""


@dataclass(frozen=True)
class Recipe:
    """A named generator x discriminator x loss combination with its paper's defaults.

    Every field below is a default the user can override from the CLI; ``None`` for
    ``image_size`` keeps the dataset's native size. The field defaults are DCGAN's settings
    (Adam 2e-4, betas (0.5, 0.999), batch 64, z of size 100), which most recipes share, so a
    recipe states only where its paper differs.
    """

    name: str
    generator: str  # registry name of the generator
    discriminator: str  # registry name of the discriminator
    loss: str  # registry name of the loss
    description: str = ""
    reference: str = ""  # the paper the defaults come from
    conditional: bool = False  # train with class labels
    latent_dim: int = 100  # size of z
    image_size: int | None = None  # square side fed to both networks; None = dataset's
    batch_size: int = 64  # real images per discriminator step
    steps: int = 5000  # generator steps of a default run
    lr_g: float = 2e-4  # Adam learning rate of the generator
    lr_d: float = 2e-4  # Adam learning rate of the discriminator
    betas: tuple[float, float] = (0.5, 0.999)  # Adam betas of both optimisers
    d_steps: int = 1  # discriminator steps per generator step
    ema_decay: float = 0.0  # EMA of the generator's weights (0 = off)
    generator_options: dict = field(default_factory=dict)  # extra keyword arguments of the generator factory
    discriminator_options: dict = field(default_factory=dict)  # ... of the discriminator factory
    loss_options: dict = field(default_factory=dict)  # ... of the loss factory

    @classmethod
    def default_fields(cls) -> list[str]:
        """Names of the fields that are training defaults (everything but the identity)."""
        return [f.name for f in fields(cls) if f.name not in {"name", "description", "reference"}]
