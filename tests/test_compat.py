from ganzoo.compat import import_torchvision_module


def test_torchvision_and_torch_fidelity_import():
    torchvision = import_torchvision_module("torchvision")
    fidelity = import_torchvision_module("torch_fidelity")
    assert hasattr(torchvision, "__version__")
    assert callable(fidelity.calculate_metrics)


def test_importing_twice_returns_the_same_module():
    assert import_torchvision_module("torchvision") is import_torchvision_module("torchvision")
