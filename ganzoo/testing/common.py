"""What every check of the kit shares: the results, the errors, the shapes and labels parts are built for."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch
from safetensors.torch import load_file, save_file
from torch import nn


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


def _shapes(supports: Callable | None) -> list[tuple[int, int, int]]:
    """The shapes of :data:`SHAPES` a part declares it builds (``PartSpec.supports``); for a part that builds none of
    them but declares square sides (:class:`ganzoo.sizes.SquareSides`), its smallest side in 1 and 3 channels."""
    shapes = [shape for shape in SHAPES if supports is None or supports(shape) is None]
    if not shapes and callable(getattr(supports, "working_sides", None)) and supports.working_sides():
        side = min(supports.working_sides())
        shapes = [shape for shape in ((1, side, side), (3, side, side)) if supports(shape) is None]
    return shapes


def _variants(conditional: bool | None, supports: Callable | None = None):
    """(shape, num_classes, tag) of every build a part is checked in: the shapes it declares it builds."""
    for shape in _shapes(supports):
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
