"""ganzoo's own pretrained generators, registered through the ``ganzoo`` entry points like a plugin's.

The packs in ``packs/`` are the leaderboard's seed-0 models (see ``benchmarks/pretrained_pack.py``,
which regenerates them from the leaderboard's runs).
"""

from __future__ import annotations

from pathlib import Path

from ganzoo.hookspecs import hookimpl
from ganzoo.pretrained.spec import packs_in

PACKS = Path(__file__).resolve().parent / "packs"


@hookimpl
def ganzoo_register(registry) -> None:
    for spec in packs_in(PACKS):
        registry.add_pretrained(spec)
