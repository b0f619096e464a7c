"""The health rules on synthetic metrics streams: they name the step of a collapse or a divergence,
stay silent on a healthy run, and a plugin adds its own rule through the registry."""

from __future__ import annotations

import math
import random

import pytest

from ganzoo.discovery import build_registry, get_registry
from ganzoo.errors import PluginError
from ganzoo.health import Alert, RuleBook, build_rules, diagnose, episodes_of
from ganzoo.hookspecs import hookimpl

EVERY = 250  # health checks
LOG = 50  # loss records


def stream(steps=4000, *, seed=0, diversity=lambda s: 0.7, grad_d=lambda s: 3.0, loss_d=lambda s: 1.2, auc=lambda s: 0.85, overfit=lambda s: 0.05):
    """Records as a run writes them: losses every LOG steps, health signals every EVERY steps, with noise."""
    rng = random.Random(seed)
    noisy = lambda v, rel=0.15: v * (1 + rel * rng.uniform(-1, 1))  # noqa: E731
    records = []
    for step in range(LOG, steps + 1, LOG):
        records.append({"step": step, "loss_d": noisy(loss_d(step)), "loss_g": noisy(0.9), "images_per_s": 2000.0})
        if step % EVERY == 0:
            health = {
                "d_acc_real": noisy(0.7), "d_acc_fake": noisy(0.7), "r_t": noisy(0.3), "d_overfit": noisy(overfit(step), 0.05), "d_auc": min(1.0, noisy(auc(step), 0.002)),
                "diversity": noisy(diversity(step), 0.1), "grad_norm_g": noisy(1.4), "grad_norm_d": noisy(grad_d(step)),
            }  # fmt: skip
            records.append({"step": step, "health": health})
    return records


def replay(records):
    book = RuleBook(build_rules(get_registry()))
    for record in records:
        book.observe(record)
    return book.alerts


@pytest.mark.parametrize("seed", range(5))
def test_a_healthy_stream_raises_nothing(seed):
    assert replay(stream(seed=seed)) == []
    assert diagnose(stream(seed=seed), get_registry()) == []


def test_a_collapse_is_named_at_its_second_low_check_and_only_once():
    records = stream(diversity=lambda s: 0.7 if s < 1500 else 0.08)
    alerts = replay(records)
    assert [(a.rule, a.kind, a.step, a.recovered) for a in alerts] == [("collapse", "collapse", 1750, False)]
    assert "diversity 0.0" in alerts[0].message and "pacgan" in alerts[0].remedy
    (episode,) = diagnose(records, get_registry())
    assert (episode.kind, episode.start, episode.end) == ("collapse", 1750, None)


def test_a_collapse_that_recovers_is_one_episode_with_an_end():
    records = stream(diversity=lambda s: 0.08 if 1500 <= s < 2500 else 0.7)
    (episode,) = diagnose(records, get_registry())
    assert (episode.rule, episode.start, episode.end) == ("collapse", 1750, 2500)


def test_exploding_gradients_and_losses_are_a_divergence_at_the_step():
    records = stream(grad_d=lambda s: 3.0 if s < 2000 else 300.0, loss_d=lambda s: 1.2 if s < 2000 else 40.0)
    episodes = diagnose(records, get_registry())
    found = {(e.rule, e.key): e.start for e in episodes}
    assert found == {("grad-explosion", "grad_norm_d"): 2250, ("loss-explosion", "loss_d"): 2050}
    assert all(e.kind == "divergence" and "--lr" in e.remedy for e in episodes)


def test_a_nan_loss_counts_as_an_explosion():
    records = stream(loss_d=lambda s: 1.2 if s < 1000 else math.nan)
    assert [(e.rule, e.start) for e in diagnose(records, get_registry())] == [("loss-explosion", 1050)]


def test_a_saturated_and_an_overfitting_discriminator():
    records = stream(auc=lambda s: 0.85 if s < 2000 else 0.9995, overfit=lambda s: 0.05 if s < 1000 else 0.8)
    found = {e.rule: (e.kind, e.start) for e in diagnose(records, get_registry())}
    assert found == {"d-saturation": ("divergence", 2500), "d-overfit": ("overfitting", 1500)}


def test_coverage_falling_at_an_evaluation_is_a_collapse():
    modes = {1000: 700, 2000: 820, 3000: 300, 4000: 750}
    records = stream() + [{"step": s, "eval": {"modes": m, "kl": 0.5, "fid": 20.0}} for s, m in modes.items()]
    records.sort(key=lambda r: r["step"])
    (episode,) = diagnose(records, get_registry())
    assert (episode.rule, episode.kind, episode.key, episode.start, episode.end) == ("coverage", "collapse", "modes", 3000, 4000)
    assert "300 modes, down from 820" in episode.message


def test_checks_before_the_warm_up_are_not_judged():
    records = [{"step": s, "health": {"diversity": 0.01, "d_auc": 1.0, "d_overfit": 1.0}} for s in (10, 20, 30, 40, 50)]
    assert replay(records) == []


def test_alert_records_are_not_fed_back_to_the_rules():
    alert = Alert("collapse", "collapse", 10, "m", "r")
    assert RuleBook(build_rules(get_registry())).observe(alert.record()) == []
    assert alert.record()["event"] == "health"


def test_episodes_pair_starts_with_recoveries_per_rule_and_key():
    alerts = [Alert("g", "divergence", 5, "a", key="x"), Alert("g", "divergence", 6, "b", key="y"), Alert("g", "divergence", 9, "c", recovered=True, key="x")]
    assert [(e.key, e.start, e.end) for e in episodes_of(alerts)] == [("x", 5, 9), ("y", 6, None)]


class _LossAboveTwo:
    def observe(self, record):
        value = record.get("loss_g")
        return [Alert("loss-g-above-two", "divergence", record["step"], "loss_g above 2")] if isinstance(value, float) and value > 2 else []


class _Plugin:
    @hookimpl
    def ganzoo_register(self, registry):
        registry.add_health("loss-g-above-two", _LossAboveTwo, description="a plugin's rule")


def test_a_plugin_adds_its_own_rule_and_doctor_uses_it():
    registry = build_registry(extra_plugins=[("my-health", _Plugin())])
    entry = registry.entry("health", "loss-g-above-two")
    assert entry.value.role == "rule" and entry.plugin == "my-health"
    records = stream(steps=500) + [{"step": 550, "loss_g": 3.0}]
    assert [(e.rule, e.start) for e in diagnose(records, registry)] == [("loss-g-above-two", 550)]


def test_a_health_check_of_an_unknown_role_is_refused():
    class Bad:
        @hookimpl
        def ganzoo_register(self, registry):
            registry.add_health("odd", _LossAboveTwo, role="sometimes")

    registry = build_registry(extra_plugins=[("bad-health", Bad())])
    info = next(p for p in registry.plugins if p.name == "bad-health")
    assert not info.ok and "role='sometimes'" in info.error
    assert "odd" not in registry.names("health")
    with pytest.raises(PluginError):
        from ganzoo.registrar import PluginRegistrar
        from ganzoo.registry import Registry

        PluginRegistrar(Registry(), "x").add_health("odd", _LossAboveTwo, role="sometimes")
