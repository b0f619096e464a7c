"""Pretrained generators you load by name: the ``pretrained`` registry kind and its packs.

A pack is a folder holding one trained generator: ``config.json`` (the run's resolved
configuration), ``generator.safetensors`` (its weights, 8-bit where the scores hold),
``card.json`` and ``README.md`` (the model card: how it was trained and what it scores) and
``samples.png`` (a grid drawn from the packed weights). Plugins register packs with
``registry.add_pretrained(...)`` in their ``ganzoo_register`` hook; ganzoo's own packs are
registered the same way, through the ``ganzoo`` entry points.

:mod:`ganzoo.pretrained.spec` is torch-free (listing); :mod:`ganzoo.pretrained.pack` reads
and writes the weights.
"""

from ganzoo.pretrained.spec import PretrainedSpec, packs_in

__all__ = ["PretrainedSpec", "packs_in"]
