"""The pretrained check: the model card, the weights' sha256, and seeded images of the pack's shape."""

from __future__ import annotations

from pathlib import Path

import torch

from ganzoo.discovery import get_registry
from ganzoo.registry import Registry
from ganzoo.testing.common import CheckResult, _check_all


def check_pretrained(name: str, registry: Registry | None = None) -> list[CheckResult]:
    """Check a registered pretrained generator: its card, its weights' sha256, and that it draws images."""
    from ganzoo.loading import load_pack
    from ganzoo.pretrained.pack import WEIGHTS_FILE, read_card
    from ganzoo.sampling import sample_images
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
        loaded = load_pack(spec, registry)
        generator, shapes = loaded.generator, loaded.shapes
        count = max(2, shapes.num_classes)
        labels = torch.arange(count) % shapes.num_classes if shapes.num_classes else None  # every class of a conditional pack
        images = sample_images(generator, count, seed=0, labels=labels)
        expected = (count, *shapes.image_shape)
        if tuple(images.shape) != expected or images.dtype != torch.uint8:
            return f"drew {images.dtype} images of shape {tuple(images.shape)}; expected uint8 {expected}"
        if not torch.equal(images, sample_images(generator, count, seed=0, labels=labels)):
            return "the same seed drew different images"
        if images.float().std() == 0:
            return "every pixel of every image is the same"
        return None

    return _check_all("pretrained", name, [("card and sha256", card), ("loads and draws images", draws)])
