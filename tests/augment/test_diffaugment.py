"""DiffAugment against the paper's definitions (Zhao et al. 2020, and its DiffAugment_pytorch.py).

On images in [-1, 1]: brightness adds U(-0.5, 0.5); saturation scales each pixel's distance to
its mean over channels by U(0, 2); contrast scales each image's distance to its own mean by
U(0.5, 1.5); translation moves by up to round(side/8) whole pixels, filling with 0; cutout
zeroes a square of round(side/2) centred anywhere in the image, clipped at the border. Every
parameter is drawn per image, and every transform passes gradients to the images.
"""

from __future__ import annotations

import pytest
import torch

from ganzoo.augment import DiffAugment, ops
from ganzoo.augment import diffaugment as diffaugment_module


def _images(*shape, seed=0):
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed)) * 2 - 1


class _Spy:
    """Wraps the transforms of ``ops`` as DiffAugment sees them and records the parameters drawn."""

    def __init__(self, monkeypatch):
        self.calls: dict[str, list] = {}
        spied = {name: getattr(ops, name) for name in dir(ops) if not name.startswith("_")}
        for name in ("shift_brightness", "scale_saturation", "scale_contrast", "translate", "cut_out"):
            spied[name] = self._record(name, spied[name])
        spied_ops = type("SpiedOps", (), {name: staticmethod(function) for name, function in spied.items()})
        monkeypatch.setattr(diffaugment_module, "ops", spied_ops)

    def _record(self, name, function):
        def recorded(images, *params, **options):
            self.calls.setdefault(name, []).append(params)
            return function(images, *params, **options)

        return recorded


def test_colour_is_brightness_then_saturation_then_contrast_as_the_paper_defines_them():
    x = _images(3, 3, 5, 4)
    b, s, c = torch.tensor([-0.5, 0.1, 0.4]), torch.tensor([0.0, 1.0, 2.0]), torch.tensor([0.5, 1.0, 1.5])
    expected = torch.empty_like(x)
    for i in range(3):
        y = x[i] + b[i]
        per_pixel = y.mean(dim=0, keepdim=True)
        y = (y - per_pixel) * s[i] + per_pixel
        y = (y - y.mean()) * c[i] + y.mean()
        expected[i] = y
    out = ops.scale_contrast(ops.scale_saturation(ops.shift_brightness(x, b), s), c)
    assert torch.allclose(out, expected, atol=1e-6)


def test_saturation_does_nothing_to_one_channel_so_colour_on_grayscale_is_brightness_and_contrast():
    x = _images(8, 1, 6, 6)
    assert torch.equal(ops.scale_saturation(x, torch.linspace(0, 2, 8)), x)


def test_colour_draws_each_factor_per_image_in_the_papers_ranges(monkeypatch):
    spy = _Spy(monkeypatch)
    DiffAugment("color")(_images(4096, 3, 2, 2), torch.Generator().manual_seed(1))
    for name, low, high in [("shift_brightness", -0.5, 0.5), ("scale_saturation", 0, 2), ("scale_contrast", 0.5, 1.5)]:
        (factor,) = spy.calls[name][0]
        assert factor.shape == (4096,), name
        assert low <= factor.min() < low + 0.01 and high - 0.01 < factor.max() <= high, name
        assert factor.mean().item() == pytest.approx((low + high) / 2, abs=0.03), name


def test_translation_moves_each_image_by_its_own_whole_pixel_shift_and_fills_with_zero():
    x = torch.arange(2 * 1 * 4 * 5, dtype=torch.float32).view(2, 1, 4, 5) + 1
    out = ops.translate(x, torch.tensor([1, 0]), torch.tensor([-2, 0]), (1, 2))
    expected = torch.zeros_like(x[0])
    expected[:, 1:, :3] = x[0, :, :3, 2:]  # down 1, left 2
    assert torch.equal(out[0], expected)
    assert torch.equal(out[1], x[1])


@pytest.mark.parametrize("side, shift, hole", [(28, 4, 14), (32, 4, 16), (27, 3, 14), (64, 8, 32)])
def test_translation_and_cutout_sizes_are_an_eighth_and_half_of_the_side_rounded(monkeypatch, side, shift, hole):
    spy = _Spy(monkeypatch)
    DiffAugment("translation,cutout")(_images(2000, 1, side, side), torch.Generator().manual_seed(2))
    ((dy, dx, max_shift),) = spy.calls["translate"]
    assert max_shift == (shift, shift)
    for moves in (dy, dx):  # every shift in [-shift, shift] occurs, drawn per image
        assert set(moves.tolist()) == set(range(-shift, shift + 1))
    ((cy, cx, size),) = spy.calls["cut_out"]
    assert size == (hole, hole)
    centres = set(range(side + 1 - hole % 2))  # the paper's range of centres
    assert set(cy.tolist()) == centres and set(cx.tolist()) == centres


def test_cutout_zeroes_a_square_centred_on_the_draw_and_clipped_at_the_border():
    x = torch.ones(3, 2, 8, 8)
    out = ops.cut_out(x, torch.tensor([4, 0, 8]), torch.tensor([4, 0, 3]), (4, 4))
    assert torch.equal(out[0, :, 2:6, 2:6], torch.zeros(2, 4, 4)) and out[0].sum() == 2 * (64 - 16)
    assert torch.equal(out[1, :, :2, :2], torch.zeros(2, 2, 2)) and out[1].sum() == 2 * (64 - 4)
    assert torch.equal(out[2, :, 6:, 1:5], torch.zeros(2, 2, 4)) and out[2].sum() == 2 * (64 - 8)


@pytest.mark.parametrize("policy", ["color", "translation", "cutout", "color,translation,cutout"])
def test_every_policy_draws_per_image_and_passes_gradients_to_the_images(policy):
    x = _images(1, 3, 16, 16).expand(64, -1, -1, -1).clone().requires_grad_(True)
    out = DiffAugment(policy)(x, torch.Generator().manual_seed(3))
    assert out.shape == x.shape
    assert len({tuple(image.flatten().tolist()) for image in out.detach()}) > 16  # one draw per batch: 1
    out.square().sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_the_same_generator_state_gives_the_same_augmentation():
    x = _images(16, 3, 12, 12)
    a = DiffAugment()(x, torch.Generator().manual_seed(4))
    b = DiffAugment()(x, torch.Generator().manual_seed(4))
    assert torch.equal(a, b)
