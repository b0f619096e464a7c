"""Checks of generators and discriminators: builds, protocol attributes, shapes, gradients, round trips."""

from __future__ import annotations

import torch
from torch import nn

from ganzoo.discovery import get_registry
from ganzoo.registry import Registry
from ganzoo.testing.common import BATCH, SHAPES, CheckResult, _check_all, _labels, _round_trip, _variants


def _no_shape(spec) -> tuple[str, object]:
    """The failing check of a part whose declared sizes (``supports``) leave the kit nothing to build."""
    shapes = ", ".join("x".join(map(str, s)) for s in SHAPES)
    return ("declared sizes", lambda: f"its supports refuses every shape the kit builds ({shapes}); declare one of them, or a ganzoo.sizes.SquareSides")


def check_generator(name: str, registry: Registry | None = None) -> list[CheckResult]:
    """Check a registered generator against the Generator contract."""
    spec = (registry or get_registry()).generator(name)
    checks = []
    for shape, classes, tag in _variants(spec.conditional, spec.supports):
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
    return _check_all("generator", name, checks or [_no_shape(spec)])


def check_discriminator(name: str, registry: Registry | None = None) -> list[CheckResult]:
    """Check a registered discriminator against the Discriminator contract, on batches of the
    multiple it declares (``PartSpec.batch_multiple``, e.g. a pack of 3: 6 images), else of 4."""
    from ganzoo.train.part_options import batch_multiple

    spec = (registry or get_registry()).discriminator(name)
    multiple = batch_multiple(spec, {})
    batch = multiple * -(-BATCH // multiple)
    checks = []
    for shape, classes, tag in _variants(spec.conditional, spec.supports):
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
    return _check_all("discriminator", name, checks or [_no_shape(spec)])
