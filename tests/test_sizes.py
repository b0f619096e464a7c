"""ganzoo.sizes: the size planner that plugin authors share (pure Python)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ganzoo.errors import ConfigError
from ganzoo.sizes import SizeError, SquareSides, UpsamplingPlan, plan_upsampling, sides_that_work


@pytest.mark.parametrize(
    "shape, starts, plan",
    [
        ((3, 32, 32), (4,), UpsamplingPlan(4, 3)),
        ((3, 64, 64), (4,), UpsamplingPlan(4, 4)),
        (128, (4,), UpsamplingPlan(4, 5)),
        ((48, 48), (4, 6), UpsamplingPlan(6, 3)),
        ((1, 28, 28), (4, 7), UpsamplingPlan(7, 2)),
        ((1, 32, 32), (7, 4), UpsamplingPlan(4, 3)),  # the first start that reaches the side wins
    ],
)
def test_plans_reach_the_side(shape, starts, plan):
    found = plan_upsampling(shape, starts=starts)
    assert found == plan and found.side == found.sides[-1] and found.sides[0] == found.start
    assert all(b == 2 * a for a, b in zip(found.sides, found.sides[1:]))


def test_impossible_sides_are_refused_with_the_sides_that_work():
    with pytest.raises(SizeError, match=r"the DCGAN networks build square images with a side of 8, 16, 32, 64, 128, 256, 512, 1024; got 48x48") as caught:
        plan_upsampling((3, 48, 48), what="the DCGAN networks")
    assert isinstance(caught.value, ConfigError) and isinstance(caught.value, ValueError)
    with pytest.raises(SizeError, match=r"got 96x80: .* \(non-square images: crop or resize them to a square\)"):
        plan_upsampling((3, 96, 80))
    with pytest.raises(SizeError, match="got 4x4"):  # below one stage
        plan_upsampling(4)
    with pytest.raises(SizeError, match="got 64x64"):  # above the most stages allowed
        plan_upsampling(64, max_stages=3)


def test_sides_that_work_and_the_declaration():
    assert sides_that_work((4, 6), min_stages=2, max_stages=3) == [16, 24, 32, 48]
    sides = SquareSides(starts=(4, 6), sides=(32, 48, 64), channels=(1, 3), what="these nets")
    assert sides((3, 48, 48)) is None and sides((1, 64, 64)) is None
    assert "32, 48, 64 only; got 128x128" in sides((3, 128, 128))
    assert "32, 48, 64 only; got 64x48" in sides((3, 64, 48))
    assert sides((4, 32, 32)) == "these nets build images of 1 or 3 channel(s); got 4"
    assert str(sides) == "square, side 32, 48, 64, 1 or 3 channel(s)"
    assert sides.plan((3, 48, 48)) == UpsamplingPlan(6, 3)


def test_the_planner_imports_no_torch():
    code = "import sys, ganzoo.sizes; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
