"""Plain PyTorch GAN loops, written the way a user writes them, for side-by-side comparisons.

torchvision's MNIST dataset with ``transforms.Resize/ToTensor/Normalize``, a ``DataLoader``,
the same networks as ganzoo's recipe, fp32, Adam with its default implementation, and the
objective of the recipe's paper. Nothing here is used by ganzoo itself.
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from ganzoo.compat import import_torchvision_module


def torchvision_mnist_root(root: Path) -> Path:
    """A folder laid out as torchvision's MNIST download leaves it (.gz and extracted files).

    torchvision reads the extracted IDX files; the shared data holds only the .gz ones, so they
    are extracted once into a temporary folder.
    """
    target = Path(tempfile.gettempdir()) / "ganzoo-bench-torchvision"
    raw = target / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for archive in (Path(root) / "MNIST" / "raw").glob("*.gz"):
        extracted = raw / archive.stem
        if not extracted.exists():
            with gzip.open(archive, "rb") as source, open(extracted, "wb") as sink:
                shutil.copyfileobj(source, sink)
    return target


def mnist_loader(root: Path, image_size: int, batch_size: int, workers: int, seed: int = 0, pin_memory: bool = False):
    """The usual torchvision pipeline: PIL images -> Resize -> ToTensor -> Normalize, shuffled batches."""
    root = torchvision_mnist_root(root)
    datasets = import_torchvision_module("torchvision.datasets")
    transforms = import_torchvision_module("torchvision.transforms")
    steps = ([transforms.Resize(image_size)] if image_size != 28 else []) + [transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))]
    dataset = datasets.MNIST(str(root), train=True, download=False, transform=transforms.Compose(steps))
    generator = torch.Generator().manual_seed(seed)
    return torch.utils.data.DataLoader(
        dataset, batch_size=batch_size, shuffle=True, num_workers=workers, drop_last=True, generator=generator,
        persistent_workers=workers > 0, pin_memory=pin_memory,
    )  # fmt: skip


def _forever(loader):
    while True:
        yield from loader


def _gradient_penalty(D, real, fake, labels):
    alpha = torch.rand(real.size(0), 1, 1, 1, device=real.device)
    mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    grad = torch.autograd.grad(D(mixed, labels).sum(), mixed, create_graph=True)[0]
    return ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()


def plain_losses(kind: str):
    """(d_loss(real_scores, fake_scores), g_loss(fake_scores)) of a paper's objective."""
    if kind in ("bce", "minimax"):
        return (
            lambda r, f: F.binary_cross_entropy_with_logits(r, torch.ones_like(r)) + F.binary_cross_entropy_with_logits(f, torch.zeros_like(f)),
            lambda f: F.binary_cross_entropy_with_logits(f, torch.ones_like(f)),
        )
    if kind == "lsgan":
        return (lambda r, f: 0.5 * ((r - 1) ** 2).mean() + 0.5 * (f**2).mean(), lambda f: 0.5 * ((f - 1) ** 2).mean())
    if kind == "hinge":
        return (lambda r, f: F.relu(1 - r).mean() + F.relu(1 + f).mean(), lambda f: -f.mean())
    if kind == "wgan-gp":
        return (lambda r, f: f.mean() - r.mean(), lambda f: -f.mean())
    raise ValueError(f"no plain loop for loss {kind!r}")


class PlainLoop:
    """One user-written GAN loop over a DataLoader; ``run(steps)`` returns images/s."""

    def __init__(
        self, G, D, loss: str, lr_g: float, lr_d: float, betas, d_steps: int, loader, conditional: bool,
        gp_weight: float = 10.0, device: str | torch.device = "cpu",
    ):  # fmt: skip
        self.device = torch.device(device)  # G and D are moved there; batches are copied there as a user's loop does
        G, D = G.to(self.device), D.to(self.device)
        self.G, self.D, self.loss, self.d_steps, self.conditional = G, D, loss, d_steps, conditional
        self.opt_g = torch.optim.Adam(G.parameters(), lr=lr_g, betas=betas, foreach=True)
        self.opt_d = torch.optim.Adam(D.parameters(), lr=lr_d, betas=betas, foreach=True)
        self.d_loss, self.g_loss = plain_losses(loss)
        self.gp_weight = gp_weight
        self.batches = _forever(loader)
        self.batch_size = loader.batch_size

    def step(self) -> None:
        G, D = self.G, self.D
        for _ in range(self.d_steps):
            real, labels = next(self.batches)
            real, labels = real.to(self.device, non_blocking=True), labels.to(self.device, non_blocking=True)
            labels = labels if self.conditional else None
            z = torch.randn(real.size(0), G.latent_dim, device=self.device)
            fake = G(z, labels)
            self.opt_d.zero_grad()
            d_loss = self.d_loss(D(real, labels), D(fake.detach(), labels))
            if self.loss == "wgan-gp":
                d_loss = d_loss + self.gp_weight * _gradient_penalty(D, real, fake.detach(), labels)
            d_loss.backward()
            self.opt_d.step()
        self.opt_g.zero_grad()
        g_loss = self.g_loss(D(fake, labels))
        g_loss.backward()
        self.opt_g.step()

    def run(self, steps: int) -> float:
        start = time.perf_counter()
        for _ in range(steps):
            self.step()
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        return steps * self.batch_size * self.d_steps / (time.perf_counter() - start)


def folder_loader(root: Path, image_size: int, batch_size: int, workers: int = 0, seed: int = 0, background=(255, 255, 255), test_percent: int = 10):
    """torchvision's ImageFolder over ``root``'s train split (the files ``folder:`` trains on), the usual
    way: PIL files with their alpha composited on ``background`` -> Resize -> ToTensor -> Normalize.

    The split is ganzoo's (``in_test_split`` on each file's path), so that both trainers see the same images.
    """
    from PIL import Image

    from ganzoo.data.folder_files import in_test_split

    datasets = import_torchvision_module("torchvision.datasets")
    transforms = import_torchvision_module("torchvision.transforms")
    root = Path(root)

    def load_rgb(path: str):
        with Image.open(path) as image:
            rgba = image.convert("RGBA")
        flat = Image.new("RGBA", rgba.size, (*background, 255))
        return Image.alpha_composite(flat, rgba).convert("RGB")

    def in_train_split(path: str) -> bool:
        return path.lower().endswith(".png") and not in_test_split(Path(path).relative_to(root).as_posix(), test_percent)

    steps = [transforms.Resize(image_size)] if image_size != 64 else []
    steps += [transforms.ToTensor(), transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))]
    dataset = datasets.ImageFolder(str(root), transform=transforms.Compose(steps), loader=load_rgb, is_valid_file=in_train_split)
    generator = torch.Generator().manual_seed(seed)
    return torch.utils.data.DataLoader(
        dataset, batch_size=batch_size, shuffle=True, num_workers=workers, drop_last=True, generator=generator, persistent_workers=workers > 0,
    )  # fmt: skip
