"""The registry entry of a pretrained generator, and finding the packs in a folder (no torch)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ganzoo.errors import PluginError

CARD_FILE = "card.json"  # the model card's data; README.md is its text


@dataclass(frozen=True)
class PretrainedSpec:
    """A pretrained generator: a name and the pack folder that holds it.

    ``path`` is the folder with ``config.json``, ``generator.safetensors`` and ``card.json``
    (see :mod:`ganzoo.pretrained`); ``sha256`` is the weights file's digest, checked before
    the weights are loaded. ``dataset`` and ``recipe`` are shown by ``ganzoo list pretrained``.
    """

    name: str
    path: str
    description: str = ""
    dataset: str = ""
    recipe: str = ""
    sha256: str = ""


def packs_in(folder: str | Path) -> list[PretrainedSpec]:
    """One :class:`PretrainedSpec` per pack (a sub-folder with a ``card.json``) in ``folder``, by name.

    Plugins call it in their ``ganzoo_register`` hook:
    ``for spec in packs_in(HERE / "pretrained"): registry.add_pretrained(spec)``.
    """
    specs = []
    for card_path in sorted(Path(folder).glob(f"*/{CARD_FILE}")):
        try:
            card = json.loads(card_path.read_text())
            specs.append(
                PretrainedSpec(
                    name=card["name"],
                    path=str(card_path.parent),
                    description=card.get("description", ""),
                    dataset=card.get("dataset", ""),
                    recipe=card.get("recipe") or "",
                    sha256=card.get("weights", {}).get("sha256", ""),
                )
            )
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise PluginError(f"The model card {card_path} is unreadable or lacks a name: {error}.") from error
    return specs
