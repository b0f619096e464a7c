"""The base layer: what every other layer may import, and which imports nothing of ganzoo's above it.

* :mod:`ganzoo.base.layout` — the names of a run directory's files and folders (no torch, no ganzoo);
* :mod:`ganzoo.base.storage` — a full disk or a denied permission as one clear ``StorageError``;
* :mod:`ganzoo.base.atomic` — files written so that a reader never sees half of one;
* :mod:`ganzoo.base.jsonl` — the one reader of JSON-lines files (``metrics.jsonl``, results);
* :mod:`ganzoo.base.specs` — the registry entries of datasets, loggers and pretrained packs.

``ganzoo.errors``, ``ganzoo.lazy`` and ``ganzoo.compat`` belong to this layer too; they stay at
the top of the package because plugins import them by those names.
"""
