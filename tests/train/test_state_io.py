import math

import torch

from ganzoo.train.state_io import flatten_state, unflatten_state


def test_round_trip_keeps_int_keys_tuples_and_tensors():
    model = torch.nn.Linear(3, 2)
    optimizer = torch.optim.Adam(model.parameters(), betas=(0.5, 0.999))
    model(torch.randn(4, 3)).sum().backward()
    optimizer.step()
    state = {"opt": optimizer.state_dict(), "inf": float("inf"), "none": None}
    tensors, tree = flatten_state(state, "x")
    restored = unflatten_state(tree, tensors)
    assert set(restored["opt"]["state"]) == {0, 1}
    assert restored["opt"]["param_groups"][0]["betas"] == (0.5, 0.999)
    assert torch.equal(restored["opt"]["state"][0]["exp_avg"], optimizer.state_dict()["state"][0]["exp_avg"])
    assert math.isinf(restored["inf"]) and restored["none"] is None
    fresh = torch.optim.Adam(model.parameters())
    fresh.load_state_dict(restored["opt"])
    assert fresh.state_dict()["param_groups"][0]["betas"] == (0.5, 0.999)
