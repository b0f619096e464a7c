"""Shared fixtures: the offline data root and small training configurations."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def data_root() -> Path:
    """The verified MNIST / Fashion-MNIST copies ($GANZOO_DATA_ROOT, else ../shared/data)."""
    root = Path(os.environ.get("GANZOO_DATA_ROOT") or SHARED_DATA)
    if not (root / "MNIST" / "raw" / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"MNIST not found under {root}; set GANZOO_DATA_ROOT")
    return root


# Tests never download, and see the shared data root unless GANZOO_DATA_ROOT says otherwise.
os.environ["GANZOO_OFFLINE"] = "1"
if not os.environ.get("GANZOO_DATA_ROOT") and SHARED_DATA.is_dir():
    os.environ["GANZOO_DATA_ROOT"] = str(SHARED_DATA)


@pytest.fixture()
def tiny(data_root):
    """Overrides that make a vanilla run take a second or two."""
    return dict(steps=6, batch_size=16, log_every=2, sample_every=3, checkpoint_every=3, data_root=str(data_root))
