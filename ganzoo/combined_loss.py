"""A loss plus regularisers, by name: ``LOSS+REGULARIZER[+...]`` such as ``bce+r1`` or ``ragan+r1``.

A regulariser (a loss registered with ``regularizer=True``) is an ordinary :class:`~ganzoo.protocols.Loss`
whose phases return only its own term. Summing is all a combination does, so the contract stays
one contract: the trainer sees one loss, the combined entry's ``needs`` are the union of its
parts', its state is its parts' states by name, and options go to whichever part's factory
accepts them (``gamma`` to ``r1``, ``gp_weight`` to ``wgan-gp``).
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, Callable

from ganzoo.errors import ConfigError
from ganzoo.protocols import Loss, PartSpec, PhaseContext, Stats

if TYPE_CHECKING:  # annotations only: the registry imports this module, and listing must not import torch
    import torch

SEPARATOR = "+"


class CombinedLoss:
    """The sum of a loss and its regularisers, phase by phase.

    Stats are merged; a name that two parts report is prefixed with the later part's name."""

    def __init__(self, parts: list[tuple[str, Loss]]):
        self.parts = parts

    def _sum(self, phase: str, ctx: PhaseContext) -> tuple[torch.Tensor, Stats]:
        total: torch.Tensor | None = None
        stats: Stats = {}
        for name, part in self.parts:
            value, part_stats = getattr(part, phase)(ctx)
            total = value if total is None else total + value
            for key, stat in part_stats.items():
                stats[f"{name}.{key}" if key in stats else key] = stat
        assert total is not None
        return total, stats

    def discriminator_loss(self, ctx: PhaseContext) -> tuple[torch.Tensor, Stats]:
        return self._sum("discriminator_loss", ctx)

    def generator_loss(self, ctx: PhaseContext) -> tuple[torch.Tensor, Stats]:
        return self._sum("generator_loss", ctx)

    def state_dict(self) -> dict[str, Any]:
        """The state of every stateful part, by the part's registry name."""
        return {name: part.state_dict() for name, part in self.parts if hasattr(part, "state_dict")}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""
        for name, part in self.parts:
            if hasattr(part, "load_state_dict") and name in state:
                part.load_state_dict(state[name])


def _keyword_parameters(factory: Callable[..., Any]) -> tuple[list[inspect.Parameter], bool]:
    """The named options a factory takes, and whether it takes any (``**options``)."""
    try:
        parameters = list(inspect.signature(factory).parameters.values())
    except (TypeError, ValueError):
        return [], True
    named = [p for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    return named, any(p.kind == p.VAR_KEYWORD for p in parameters)


def _dispatching_factory(specs: list[PartSpec]) -> Callable[..., CombinedLoss]:
    accepted = {spec.name: _keyword_parameters(spec.factory) for spec in specs}

    def factory(**options: Any) -> CombinedLoss:
        per_part: dict[str, dict[str, Any]] = {spec.name: {} for spec in specs}
        for option, value in options.items():
            takers = [
                n for n, (named, anything) in accepted.items() if anything or any(p.name == option for p in named)
            ]
            if not takers:
                known = sorted({p.name for named, _ in accepted.values() for p in named})
                raise TypeError(
                    f"no part of {'+'.join(per_part)} takes the option {option!r}; "
                    f"options: {', '.join(known) or 'none'}"
                )
            for name in takers:
                per_part[name][option] = value
        return CombinedLoss([(spec.name, spec.factory(**per_part[spec.name])) for spec in specs])

    parameters: dict[str, inspect.Parameter] = {}
    for named, _ in accepted.values():
        for p in named:
            parameters.setdefault(p.name, p.replace(kind=inspect.Parameter.KEYWORD_ONLY))
    factory.__signature__ = inspect.Signature(list(parameters.values()))  # type: ignore[attr-defined]
    return factory


def combined_spec(name: str, specs: list[PartSpec]) -> PartSpec:
    """The registry entry of ``name`` (``LOSS+REGULARIZER...``) built from its parts' entries."""
    base, *regularizers = specs
    if base.regularizer:
        raise ConfigError(
            f"{name!r} starts with the regulariser {base.name!r}; "
            f"a combined loss is a loss first, then regularisers (e.g. 'bce+{base.name}')."
        )
    if not regularizers:
        raise ConfigError(f"{name!r} names no regulariser after {base.name!r}.")
    for spec in regularizers:
        if not spec.regularizer:
            raise ConfigError(
                f"{spec.name!r} in {name!r} is a loss, not a regulariser; "
                "a combined loss is one loss plus regularisers (see `ganzoo list losses`)."
            )
    names = [spec.name for spec in specs]
    if len(set(names)) != len(names):
        raise ConfigError(f"{name!r} names a part twice.")
    needs = tuple(dict.fromkeys(need for spec in specs for need in spec.needs))
    return PartSpec(
        name,
        _dispatching_factory(specs),
        description=" + ".join(spec.description or spec.name for spec in specs),
        conditional=base.conditional,
        reference="; ".join(spec.reference for spec in specs if spec.reference),
        needs=needs,
    )
