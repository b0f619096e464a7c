"""Feature extractors registered with torch-fidelity: ganzoo's domain classifiers, and
torch-fidelity's own Inception-v3 when its weights are available locally.

torch-fidelity feeds extractors uint8 batches of shape (B, 3, H, W). The domain extractors
turn them into the classifier's input (mean of the channels, resized to 28x28, scaled to
[-1, 1]) and return the 128-d penultimate features (used by FID, KID and
precision/recall) and the logits (used by the Inception Score).

Their ``-per-channel`` variants (``ganzoo-mnist-per-channel``, Stacked-MNIST's default) read
each channel as an image of its own: the features are the three channels' features side by
side (384-d), and the logits those of the 1000 channel-class triples (the sum of the channels'
log-probabilities), so the Inception Score counts the 1000 modes.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import torch

from ganzoo.compat import import_torchvision_module
from ganzoo.errors import ConfigError
from ganzoo.evaluate.classifier import INPUT_SIZE as DOMAIN_INPUT_SIZE
from ganzoo.evaluate.classifier import PER_CHANNEL, classifier_input, load_classifier, sha256_file, to_classifier_input, weights_file, weights_metadata
from ganzoo.evaluate.domain import DOMAIN

DOMAIN_EXTRACTORS = ("ganzoo-mnist", "ganzoo-fashion-mnist")
PER_CHANNEL_EXTRACTORS = tuple(name + PER_CHANNEL for name in DOMAIN_EXTRACTORS)
INCEPTION = "inception-v3-compat"
INCEPTION_FILE = "weights-inception-2015-12-05-6726825d.pth"
INCEPTION_INPUT_SIZE = 299
_registered = False


def _fidelity():
    return import_torchvision_module("torch_fidelity")


def _domain_extractor_class():
    base = import_torchvision_module("torch_fidelity.feature_extractor_base").FeatureExtractorBase

    class DomainFeatureExtractor(base):
        """A ganzoo domain classifier as a torch-fidelity feature extractor."""

        def __init__(self, name, features_list, feature_extractor_weights_path=None, **kwargs):
            super().__init__(name, features_list)
            self.classifier = load_classifier(name, feature_extractor_weights_path)

        @staticmethod
        def get_provided_features_list():
            return ("features", "logits_unbiased")

        @staticmethod
        def get_default_feature_layer_for_metric(metric):
            return {"isc": "logits_unbiased", "fid": "features", "kid": "features", "prc": "features"}[metric]

        @staticmethod
        def can_be_compiled():
            return False

        @staticmethod
        def get_dummy_input_for_compile():
            return torch.zeros(1, 3, DOMAIN_INPUT_SIZE, DOMAIN_INPUT_SIZE, dtype=torch.uint8)

        def forward(self, x):
            features, logits = self.read(x)
            provided = {"features": features.double(), "logits_unbiased": logits.double()}
            return tuple(provided[name] for name in self.features_list)

        def read(self, x):
            return self.classifier(classifier_input(self.classifier, x))

    class PerChannelFeatureExtractor(DomainFeatureExtractor):
        """A ganzoo domain classifier reading each channel as an image: features side by side, logits of the class tuples."""

        def read(self, x):
            features, log_p = [], None
            for channel in range(x.shape[1]):
                f, logits = self.classifier(to_classifier_input(x[:, channel : channel + 1]))
                features.append(f)
                step = logits.log_softmax(dim=1)
                log_p = step if log_p is None else (log_p[:, :, None] + step[:, None, :]).flatten(1)
            return torch.cat(features, dim=1), log_p

    return DomainFeatureExtractor, PerChannelFeatureExtractor


def register_extractors() -> None:
    """Register ganzoo's domain extractors with torch-fidelity (once per process)."""
    global _registered
    if _registered:
        return
    registry = import_torchvision_module("torch_fidelity.registry")
    whole, per_channel = _domain_extractor_class()
    for names, cls in (((*DOMAIN_EXTRACTORS, DOMAIN), whole), (PER_CHANNEL_EXTRACTORS, per_channel)):
        for name in names:
            if name not in registry.FEATURE_EXTRACTORS_REGISTRY:
                registry.register_feature_extractor(name, cls)
    _registered = True


def available_extractors() -> tuple[str, ...]:
    """Names accepted by ``--feature-extractor``."""
    return (*DOMAIN_EXTRACTORS, *PER_CHANNEL_EXTRACTORS, DOMAIN, INCEPTION)


def inception_hub_file() -> Path:
    """Where the Inception-v3 weights are looked for: torch hub's cache (``$TORCH_HOME/hub/checkpoints``)."""
    return Path(os.environ.get("TORCH_HOME", Path.home() / ".cache" / "torch")) / "hub" / "checkpoints" / INCEPTION_FILE


def inception_weights(path: Path | None) -> Path:
    """The Inception-v3 weights to use: ``path``, else torch hub's cache; ConfigError when neither exists."""
    if path is not None:
        if not Path(path).is_file():
            raise ConfigError(f"--feature-weights {path} does not exist.")
        return Path(path)
    hub = inception_hub_file()
    if hub.is_file():
        return hub
    raise ConfigError(
        f"Inception-v3 needs its weights file, which ganzoo never downloads during evaluation. Put {INCEPTION_FILE} "
        f"(from torch-fidelity's releases) at {hub}, or pass --feature-weights PATH (a .pth or .safetensors state dict)."
    )


def safe_inception_copy(path: Path) -> Path:
    """Read Inception weights without running pickled code and write a plain copy for torch-fidelity.

    torch-fidelity opens its weights with ``torch.load(weights_only=False)``; ganzoo reads the
    user's file with safetensors or ``torch.load(weights_only=True)`` and hands torch-fidelity a
    file it wrote itself from those tensors.
    """
    from safetensors.torch import load_file

    if Path(path).suffix == ".safetensors":
        state = load_file(str(path))
    else:
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as error:  # noqa: BLE001 - any unreadable file gets the same answer
            raise ConfigError(f"{path} is not a plain PyTorch state dict ({error}).") from error
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ConfigError(f"{path} does not hold a state dict of tensors.")
    copy = Path(tempfile.gettempdir()) / f"ganzoo-inception-{sha256_file(path)[:16]}.pth"
    if not copy.exists():
        torch.save(state, copy)
    return copy


def extractor_identity(name: str, weights: Path | None = None) -> dict[str, object]:
    """What the protocol records about an extractor: name, weights file hash, input size."""
    if name in DOMAIN_EXTRACTORS or name in PER_CHANNEL_EXTRACTORS:
        path = Path(weights) if weights else weights_file(name)
        return {"feature_extractor": name, "feature_weights_sha256": sha256_file(path), "extractor_input_size": DOMAIN_INPUT_SIZE}
    if name == DOMAIN:
        if weights is None or not Path(weights).is_file():
            raise ConfigError(f"Feature extractor {DOMAIN!r} is trained for each dataset (`ganzoo extractor train --data ...`); none was found for this data{f' at {weights}' if weights else ''}.")
        return {"feature_extractor": name, "feature_weights_sha256": sha256_file(Path(weights)), "extractor_input_size": int(weights_metadata(Path(weights))["size"])}
    if name == INCEPTION:
        path = inception_weights(weights)
        return {"feature_extractor": name, "feature_weights_sha256": sha256_file(path), "extractor_input_size": INCEPTION_INPUT_SIZE}
    raise ConfigError(f"Unknown feature extractor {name!r}; choose one of: {', '.join(available_extractors())}.")
