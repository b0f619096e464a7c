"""Finding the pretrained packs in a folder (no torch); the registry entry is :class:`ganzoo.base.specs.PretrainedSpec`."""

from __future__ import annotations

import json
from pathlib import Path

from ganzoo.base.specs import PretrainedSpec
from ganzoo.errors import PluginError

CARD_FILE = "card.json"  # the model card's data; README.md is its text


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
