"""Inception-v3 for RGB data: a clear error offline without weights, and a run with a weights
file the test writes (random weights of the right architecture, saved as safetensors)."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import save_file

from ganzoo import ConfigError, DatasetSpec, ImageDataset
from ganzoo.compat import import_torchvision_module
from ganzoo.evaluate import evaluate_images


def _rgb(n, seed):
    images = torch.randint(0, 256, (n, 3, 32, 32), dtype=torch.uint8, generator=torch.Generator().manual_seed(seed))
    return ImageDataset("rgb", images)


SPEC = DatasetSpec("rgb", lambda root, split, download: _rgb(16, 0), (3, 32, 32))


def test_without_weights_the_error_says_where_to_put_them(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    with pytest.raises(ConfigError, match=r"never downloads.*weights-inception-2015-12-05-6726825d.pth.*--feature-weights"):
        evaluate_images(_rgb(8, 1).images, _rgb(8, 0), dataset=SPEC, metrics="fid", cache_dir=tmp_path)


@pytest.fixture(scope="module")
def random_inception_weights(tmp_path_factory):
    module = import_torchvision_module("torch_fidelity.feature_extractor_inceptionv3")
    cls = module.FeatureExtractorInceptionV3
    original_url, original_load = module.load_state_dict_from_url, cls.load_state_dict
    module.load_state_dict_from_url = lambda *args, **kwargs: {}
    cls.load_state_dict = lambda self, state, *args, **kwargs: None
    try:
        torch.manual_seed(0)
        model = cls("inception-v3-compat", ["2048"])
    finally:
        module.load_state_dict_from_url, cls.load_state_dict = original_url, original_load
    path = tmp_path_factory.mktemp("weights") / "inception.safetensors"
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path))
    return path


@pytest.mark.slow
def test_inception_runs_from_a_local_weights_file(random_inception_weights, tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    result = evaluate_images(_rgb(12, 1).images, _rgb(12, 0), dataset=SPEC, metrics="fid,is", feature_weights=random_inception_weights, cache_dir=tmp_path)
    assert result.protocol["feature_extractor"] == "inception-v3-compat" and result.protocol["extractor_input_size"] == 299
    assert result.metrics["fid"] >= 0 and result.metrics["is"] >= 1 - 1e-6
    assert "classes_covered" not in result.metrics  # coverage needs a domain classifier
