"""The generator's EMA: the decay ramps up with the step, so short runs are not dominated by the initial weights."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from ganzoo.train.ema import EMA


def test_the_decay_ramps_up_to_its_value():
    ema = EMA(nn.Linear(1, 1), 0.999)
    assert ema.decay_at(0) == pytest.approx(0.1) and ema.decay_at(90) == pytest.approx(0.91)
    assert ema.decay_at(100_000) == 0.999 and ema.decay_at(None) == 0.999


def test_updates_follow_the_ramped_decay():
    live = nn.Linear(1, 1, bias=False)
    nn.init.zeros_(live.weight)
    ema = EMA(live, 0.999)
    expected = 0.0
    for step in range(1000):
        live.weight.data.fill_(1.0)  # the live weights jump from 0 to 1 and stay there
        ema.update(live, step)
        expected = ema.decay_at(step) * expected + (1 - ema.decay_at(step)) * 1.0
    assert float(ema.model.weight) == pytest.approx(expected, rel=1e-5)
    # after 1000 steps the initial weights weigh ~1%, not the 0.999**1000 = 37% of a fixed decay
    assert float(ema.model.weight) > 0.98
