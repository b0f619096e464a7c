"""The health probe, alerts and episodes, the rule book, and the replay that ``ganzoo doctor`` uses."""

from __future__ import annotations

import math
import statistics
import warnings
from dataclasses import asdict, dataclass
from typing import Any, Iterable, Mapping

import torch

from ganzoo.errors import GanzooWarning

#: The key of a metrics record that holds the signals of a health check (``{"step": 500, "health": {...}}``).
HEALTH_KEY = "health"
#: The ``event`` of the record an alert writes to ``metrics.jsonl``.
HEALTH_EVENT = "health"
KINDS_OF_EPISODE = ("collapse", "divergence", "overfitting")


@dataclass
class Probe:
    """What a signal measures at a health check; tensors on the run's device, computed once per check.

    ``real`` is a fixed batch of training images (drawn once per run), ``fake`` the training
    generator's images of the run's fixed latents (those of the sample grids) as it trains,
    ``sample`` the sampling generator's (the EMA one when there is one) in eval mode, as the grids
    show them, ``d_real`` and ``d_fake`` D's raw scores of ``real`` and ``fake`` in train mode.
    ``G`` and ``D`` still hold the gradients of the last step. ``held_out`` is a fixed batch of the
    dataset's test split, which D never trained on, and ``d_held_out`` D's scores of it (both None
    when the dataset has no test split here).
    """

    step: int
    G: torch.nn.Module
    D: torch.nn.Module
    real: torch.Tensor
    fake: torch.Tensor
    sample: torch.Tensor
    d_real: torch.Tensor
    d_fake: torch.Tensor
    held_out: torch.Tensor | None = None
    d_held_out: torch.Tensor | None = None


@dataclass(frozen=True)
class Alert:
    """A rule's finding at ``step``: an episode of ``kind`` starts (or, with ``recovered``, ends)."""

    rule: str
    kind: str  # collapse, divergence or overfitting
    step: int
    message: str
    remedy: str = ""
    recovered: bool = False
    key: str = ""  # the number the rule watched (``grad_norm_d``): one rule may watch several

    def line(self) -> str:
        """``step 800: collapse (collapse): ... Try: ...`` for the progress output and the summary."""
        if self.recovered:
            return f"step {self.step}: {self.kind} ({self.rule}) is over: {self.message}"
        return f"step {self.step}: {self.kind} ({self.rule}): {self.message}" + (f" Try: {self.remedy}" if self.remedy else "")

    def record(self) -> dict[str, Any]:
        """The ``metrics.jsonl`` record of the alert."""
        return {"step": self.step, "event": HEALTH_EVENT, **{k: v for k, v in asdict(self).items() if k != "step"}}


@dataclass(frozen=True)
class Episode:
    """A stretch of steps over which one rule found the run unhealthy; ``end`` is None while it lasts."""

    rule: str
    kind: str
    start: int
    end: int | None
    message: str
    remedy: str
    key: str = ""

    def describe(self) -> str:
        until = f"until step {self.end}" if self.end is not None else "still at the last record"
        return f"{self.kind} from step {self.start} ({until}), rule {self.rule}: {self.message}" + (f" Try: {self.remedy}" if self.remedy else "")


def _number(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


class SustainedRule:
    """A rule on one number of the records: an episode starts when the value has been bad for
    ``patience`` consecutive records holding it, and ends when it is good again.

    Subclasses set ``name``, ``kind``, ``remedy`` and implement :meth:`value` (the number a record
    holds, None when it holds none), :meth:`bad` and :meth:`good` (given the earlier values) and
    :meth:`message`. ``observe`` may be fed every record of a run, in step order.
    """

    name = "sustained"
    kind = "divergence"
    remedy = ""
    patience = 2
    key = ""

    def __init__(self) -> None:
        self.history: list[float] = []
        self.run = 0  # consecutive bad values
        self.active = False

    def value(self, record: Mapping[str, Any]) -> float | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def bad(self, value: float, history: list[float]) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def good(self, value: float, history: list[float]) -> bool:
        return not self.bad(value, history)

    def message(self, value: float, history: list[float]) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def observe(self, record: Mapping[str, Any]) -> list[Alert]:
        value = self.value(record)
        if value is None:
            return []
        step, history = int(record.get("step", 0)), self.history
        alerts = []
        if not self.active:
            self.run = self.run + 1 if self.bad(value, history) else 0
            if self.run >= self.patience:
                self.active = True
                alerts.append(Alert(self.name, self.kind, step, self.message(value, history), self.remedy, key=self.key))
        elif self.good(value, history):
            self.active, self.run = False, 0
            alerts.append(Alert(self.name, self.kind, step, self.message(value, history), recovered=True, key=self.key))
        if not self.active and math.isfinite(value):
            history.append(value)  # the baseline is what the run looked like while healthy
        return alerts


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


# -- building what the registry holds ----------------------------------------------------------
def _build(registry, role: str) -> dict[str, Any]:
    return {entry.name: entry.value.factory() for entry in registry.entries("health") if entry.value.role == role}


def build_signals(registry) -> dict[str, Any]:
    """Fresh objects of every registered health signal, by name."""
    return _build(registry, "signal")


def build_rules(registry) -> dict[str, Any]:
    """Fresh objects of every registered health rule, by name."""
    return _build(registry, "rule")


def measure(signals: dict[str, Any], probe: Probe) -> dict[str, float]:
    """Every signal's numbers of ``probe``, merged. A signal that fails warns once and is dropped
    from ``signals``: a health check never stops a training."""
    values: dict[str, float] = {}
    for name in list(signals):
        try:
            measured = signals[name].measure(probe)
        except Exception as error:  # noqa: BLE001 - a plugin's signal must never stop the training
            del signals[name]
            warnings.warn(f"The health signal {name!r} failed at step {probe.step} ({type(error).__name__}: {error}); it is left out from now on.", GanzooWarning, stacklevel=2)
            continue
        values.update({k: round(float(v), 6) for k, v in measured.items()})
    return values


class RuleBook:
    """The rules of a run, fed its records in step order; keeps every alert they raised."""

    def __init__(self, rules: dict[str, Any]):
        self.rules = rules
        self.alerts: list[Alert] = []

    def observe(self, record: Mapping[str, Any]) -> list[Alert]:
        """Alerts raised by ``record`` (records of events, alerts included, are skipped)."""
        if "event" in record:
            return []
        raised = [alert for rule in self.rules.values() for alert in rule.observe(record)]
        self.alerts += raised
        return raised


def episodes_of(alerts: Iterable[Alert]) -> list[Episode]:
    """Alerts paired into episodes (a start and, when it came, its recovery), by start step."""
    open_: dict[tuple[str, str], Alert] = {}
    episodes: list[Episode] = []
    for alert in alerts:
        if not alert.recovered:
            open_[alert.rule, alert.key] = alert
        elif (alert.rule, alert.key) in open_:
            start = open_.pop((alert.rule, alert.key))
            episodes.append(Episode(start.rule, start.kind, start.step, alert.step, start.message, start.remedy, start.key))
    episodes += [Episode(a.rule, a.kind, a.step, None, a.message, a.remedy, a.key) for a in open_.values()]
    return sorted(episodes, key=lambda e: (e.start, e.rule))


def diagnose(records: Iterable[Mapping[str, Any]], registry) -> list[Episode]:
    """The episodes fresh rules find in a run's records (``metrics.jsonl`` in file order)."""
    book = RuleBook(build_rules(registry))
    for record in records:
        book.observe(record)
    return episodes_of(book.alerts)
