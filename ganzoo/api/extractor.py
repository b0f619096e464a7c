"""Train a domain extractor for a labelled dataset (what ``ganzoo extractor train`` runs).

The evaluator then reads that data in the extractor's features (FD, KID, precision/recall) and
counts the user's own classes (class coverage, conditional accuracy); see :mod:`ganzoo.evaluate.domain`.
"""

from __future__ import annotations

from typing import Any

from ganzoo.data.root import resolve_data_root
from ganzoo.discovery import get_registry
from ganzoo.evaluate.domain import DEFAULT_SECONDS, MAX_EPOCHS, train_domain_extractor
from ganzoo.registry import Registry


def train_extractor(
    data: str,
    *,
    seconds: float = DEFAULT_SECONDS,
    max_epochs: int = MAX_EPOCHS,
    seed: int = 0,
    data_root: str | None = None,
    registry: Registry | None = None,
) -> dict[str, Any]:
    """Train a domain extractor on ``data``'s train split (e.g. ``"folder:PATH"``) for at most ``seconds``
    (whole epochs, at least one), store it keyed by the data's content, and return its record: the
    held-out ``test_accuracy`` (beside ``chance_accuracy``), epochs, seconds, ``weights_sha256`` and ``path``."""
    spec = (registry or get_registry()).dataset(data)
    return train_domain_extractor(spec, resolve_data_root(data_root), seconds=seconds, max_epochs=max_epochs, seed=seed)
