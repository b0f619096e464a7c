"""A trained generator as an object that draws images: :func:`load` from a run directory or a pretrained name."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import torch
from torch import nn

from ganzoo.api.evaluation import evaluate as evaluate_model
from ganzoo.api.runs import require_run_dir
from ganzoo.data.batcher import to_uint8
from ganzoo.discovery import get_registry
from ganzoo.errors import ConfigError, RunError
from ganzoo.loading import load_pack, load_run
from ganzoo.registry import Registry
from ganzoo.sampling import GRID_CLASSES, grid_labels, grid_rows
from ganzoo.train.config import TrainConfig
from ganzoo.train.images import make_grid

if TYPE_CHECKING:
    from PIL import Image

    from ganzoo.evaluate.evaluator import EvaluationResult

OUTPUTS = ("uint8", "float")


class GanModel:
    """A trained generator, ready to draw images.

    Made by :func:`load`. ``source`` is the run directory or the pretrained name it came from,
    ``step`` the training step of its weights, ``ema`` whether they are the EMA of the
    generator, ``card`` the model card of a pretrained generator (``None`` for a run).
    Drawing is deterministic: the same ``seed`` gives the same latents, and so the same images
    as ``ganzoo sample --seed``.
    """

    def __init__(
        self, generator: nn.Module, config: TrainConfig, *, source: str, step: int, ema: bool, card: dict[str, Any] | None = None, class_names: Sequence[str] = ()
    ):
        self.generator = generator.eval()
        self.class_names = tuple(class_names)  # the names of its classes, as the run recorded them (empty when unknown or unconditional)
        self.config = config
        self.source = source
        self.step = step
        self.ema = ema
        self.card = card

    def __repr__(self) -> str:
        kind = "conditional, " if self.num_classes else ""
        return f"GanModel({self.source!r}: {self.config.generator} on {self.dataset}, {kind}step {self.step}{', EMA' if self.ema else ''})"

    @property
    def latent_dim(self) -> int:
        """Size of one latent vector."""
        return self.generator.latent_dim

    @property
    def num_classes(self) -> int:
        """Number of classes it draws on request (0: unconditional)."""
        return self.generator.num_classes

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """(C, H, W) of one image."""
        return tuple(self.generator.image_shape)

    @property
    def dataset(self) -> str:
        """The dataset it was trained on (and is evaluated against)."""
        return self.config.dataset

    @property
    def device(self) -> torch.device:
        """Where the generator's weights are."""
        return next(self.generator.parameters()).device

    def to(self, device: str | torch.device) -> "GanModel":
        """Move the generator to ``device`` (``"cuda"``, ``"cpu"``...); returns the model itself."""
        self.generator.to(device)
        return self

    def latents(self, n: int, seed: int = 0) -> torch.Tensor:
        """``n`` latent vectors (n, latent_dim) on the CPU, from a random stream seeded with ``seed``."""
        _check_count(n)
        return torch.randn(n, self.latent_dim, generator=torch.Generator().manual_seed(seed))

    def labels_for(self, n: int, label: int | None = None, labels: Sequence[int] | torch.Tensor | None = None) -> torch.Tensor | None:
        """The class labels of ``n`` images: ``labels`` as given, all ``label``, or balanced 0, 1, ..., K-1, 0, ...

        ``None`` for an unconditional model; asking one for a class is a :class:`ConfigError`.
        """
        if label is not None and labels is not None:
            raise ConfigError("Pass either label (one class for every image) or labels (one per image), not both.")
        if not self.num_classes:
            if label is not None or labels is not None:
                raise ConfigError(f"{self.source} is unconditional: it cannot draw a chosen class.")
            return None
        if labels is None:
            if label is None:
                return torch.arange(n) % self.num_classes
            labels = [label] * n
        labels = torch.as_tensor(labels, dtype=torch.long).reshape(-1)
        if len(labels) != n:
            raise ConfigError(f"Got {len(labels)} labels for {n} images; pass one per image.")
        bad = labels[(labels < 0) | (labels >= self.num_classes)]
        if len(bad):
            raise ConfigError(f"Classes of {self.source} are 0 to {self.num_classes - 1}; got {int(bad[0])}.")
        return labels

    @torch.no_grad()
    def generate(
        self,
        n: int | None = None,
        *,
        z: torch.Tensor | None = None,
        seed: int = 0,
        label: int | None = None,
        labels: Sequence[int] | torch.Tensor | None = None,
        output: str = "uint8",
        batch_size: int = 256,
    ) -> torch.Tensor:
        """Draw images (N, C, H, W) on the CPU.

        Give ``n`` (latents from ``seed``) or the latents ``z`` themselves. For a conditional
        model, ``label`` draws one class and ``labels`` one class per image (default: the
        classes in turn). ``output="uint8"`` gives 0..255 images, ``"float"`` the generator's
        own float32 values in [-1, 1].
        """
        if output not in OUTPUTS:
            raise ConfigError(f"output must be one of {', '.join(OUTPUTS)}; got {output!r}.")
        if z is None:
            if n is None:
                raise ConfigError("Pass the number of images n, or the latents z.")
            z = self.latents(n, seed)
        elif z.dim() != 2 or z.shape[1] != self.latent_dim:
            raise ConfigError(f"Latents must have shape (N, {self.latent_dim}); got {tuple(z.shape)}.")
        classes = self.labels_for(len(z), label, labels)
        device = self.device
        pieces = []
        for start in range(0, len(z), batch_size):
            batch_labels = classes[start : start + batch_size].to(device) if classes is not None else None
            images = self.generator(z[start : start + batch_size].to(device), batch_labels).float()
            pieces.append((to_uint8(images) if output == "uint8" else images.clamp(-1, 1)).cpu())
        return torch.cat(pieces)

    def grid_images(self, n: int = 64, *, seed: int = 0, label: int | None = None) -> tuple[torch.Tensor, int]:
        """The images of :meth:`grid` and the number per row: one row per class for a conditional model
        without ``label`` (``n // num_classes`` each; at most 10 classes, spread evenly), else ``n`` images in a square-ish grid."""
        labels = None
        if self.num_classes and label is None:
            labels = grid_labels(self.num_classes, max(1, n // min(self.num_classes, GRID_CLASSES)))
        images = self.generate(n if labels is None else len(labels), seed=seed, label=label, labels=labels)
        return images, grid_rows(self.num_classes if labels is not None else 0, len(images))

    def grid(self, n: int = 64, *, seed: int = 0, label: int | None = None) -> "Image.Image":
        """A PIL image of samples (see :meth:`grid_images`), e.g. ``model.grid(label=7).save("sevens.png")``."""
        from PIL import Image

        images, nrow = self.grid_images(n, seed=seed, label=label)
        array = make_grid(images, nrow=nrow).permute(1, 2, 0).numpy()
        return Image.fromarray(array[:, :, 0], mode="L") if array.shape[2] == 1 else Image.fromarray(array, mode="RGB")

    def interpolate(
        self, z0: torch.Tensor, z1: torch.Tensor, steps: int = 8, *, label: int | None = None, spherical: bool = True, output: str = "uint8"
    ) -> torch.Tensor:
        """Images along the path from latent ``z0`` to ``z1`` (``steps`` images, both ends included).

        ``spherical`` interpolates on the sphere (slerp), which keeps Gaussian latents at their
        usual norm; ``False`` draws a straight line.
        """
        if steps < 2:
            raise ConfigError(f"steps must be at least 2 (both ends); got {steps}.")
        a, b = z0.reshape(-1).float(), z1.reshape(-1).float()
        if a.shape != (self.latent_dim,) or b.shape != (self.latent_dim,):
            raise ConfigError(f"z0 and z1 must each hold {self.latent_dim} values; got {tuple(z0.shape)} and {tuple(z1.shape)}.")
        t = torch.linspace(0, 1, steps)[:, None]
        omega = torch.arccos((a / a.norm()).dot(b / b.norm()).clamp(-1, 1))
        if spherical and omega.abs() > 1e-4:
            z = (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega)
        else:
            z = (1 - t) * a + t * b
        return self.generate(z=z, label=label, output=output)

    def evaluate(self, n: int = 10_000, **options: Any) -> "EvaluationResult":
        """FID, KID, IS, precision/recall and class coverage, as ``ganzoo eval``: see :func:`ganzoo.api.evaluate`."""
        return evaluate_model(self, n=n, **options)


def _check_count(n: int) -> None:
    if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
        raise ConfigError(f"The number of images must be a positive whole number; got {n!r}.")


def load(name_or_path: str | Path, *, ema: bool = True, device: str | torch.device = "cpu", registry: Registry | None = None) -> GanModel:
    """A trained generator from a run directory or a pretrained name (``ganzoo list pretrained``).

    A run gives its newest intact checkpoint, with the EMA weights when it has them and ``ema``
    is true. Raises :class:`~ganzoo.errors.RunError` when the name is neither, naming the
    closest pretrained names and the runs nearby.
    """
    registry = registry or get_registry()
    path = Path(name_or_path)
    if path.is_dir():
        loaded = load_run(path, registry, use_ema=ema, device=device)
        return GanModel(loaded.generator, loaded.config, source=str(path), step=loaded.step, ema=loaded.ema, class_names=loaded.class_names)
    name = str(name_or_path)
    if name in registry.names("pretrained"):
        loaded = load_pack(registry.pretrained(name), registry, device=device)
        return GanModel(
            loaded.generator, loaded.config, source=name, step=loaded.step, ema=loaded.ema, card=loaded.card, class_names=loaded.class_names
        )
    raise RunError(_not_found(name, registry))


def _not_found(name: str, registry: Registry) -> str:
    """Why ``name`` loads nothing: the closest pretrained names, or (for what looks like a path) the runs nearby."""
    pretrained = registry.names("pretrained")
    close = difflib.get_close_matches(name, pretrained, n=3, cutoff=0.6)
    known = f" Pretrained generators: {', '.join(pretrained)}." if pretrained else " No pretrained generators are installed."
    if close and "/" not in name:
        return f"No pretrained generator or run directory is called {name!r}. Did you mean {' or '.join(repr(c) for c in close)}?{known}"
    try:
        require_run_dir(Path(name))
    except RunError as error:  # names the runs nearby
        return f"{error}{known}"
    return f"{name!r} is neither a run directory nor a pretrained generator.{known}"
