"""Training health in a real (tiny) run: the signals are logged every K steps without changing the
training, a forced collapse is warned about in the progress output, the trackers and the summary,
and `ganzoo doctor` names its step from the run directory."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import load_file
from typer.testing import CliRunner

from ganzoo.api.doctor import doctor
from ganzoo.cli import app
from ganzoo.discovery import build_registry
from ganzoo.hookspecs import hookimpl
from ganzoo.loggers.base import Logger
from ganzoo.train import Trainer, resolve_config

SIGNALS = {"d_acc_real", "d_acc_fake", "r_t", "d_auc", "grad_norm_g", "grad_norm_d", "diversity"}  # and d_overfit when D scores reals above fakes


def _records(run):
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]


def test_a_short_run_logs_the_signals_every_k_steps_and_trains_the_same_without_them(tmp_path, tiny, registry_with_tracker):
    registry, received = registry_with_tracker
    config = resolve_config(registry, "mnist", "vanilla", health_every=2, logger=("memory",), **tiny)
    Trainer(config, tmp_path / "on", registry=registry, progress=False).fit()
    health = [r for r in _records(tmp_path / "on") if "health" in r]
    assert [r["step"] for r in health] == [2, 4, 6]
    for record in health:
        values = record["health"]
        assert SIGNALS <= set(values) <= SIGNALS | {"d_overfit"}
        assert all(0 <= values[k] <= 1 for k in ("d_acc_real", "d_acc_fake", "d_auc")) and -1 <= values["r_t"] <= 1
        assert values["grad_norm_g"] > 0 and values["grad_norm_d"] > 0 and values["diversity"] > 0
    assert any("health/d_auc" in metrics for _, metrics in received), "the trackers get the signals"
    overfit = [r["health"]["d_overfit"] for r in health if "d_overfit" in r["health"]]  # MNIST's test split, held out
    assert overfit and all(abs(v) < 100 for v in overfit)

    off = resolve_config(registry, "mnist", "vanilla", health_every=0, **tiny)
    Trainer(off, tmp_path / "off", registry=registry, progress=False).fit()
    assert not any("health" in r for r in _records(tmp_path / "off"))


@pytest.mark.parametrize("recipe", ["vanilla", "dcgan", "sngan"])  # no BatchNorm; BatchNorm in G and D; spectral norm
def test_the_probe_leaves_the_training_exactly_as_it_was(tmp_path, tiny, recipe):
    from ganzoo.discovery import get_registry

    for every, name in ((1, "on"), (0, "off")):
        config = resolve_config(get_registry(), "mnist", recipe, health_every=every, **{**tiny, "steps": 4, "checkpoint_every": 4})
        Trainer(config, tmp_path / name, progress=False).fit()
    assert len([r for r in _records(tmp_path / "on") if "health" in r]) == 4
    a = load_file(str(tmp_path / "on" / "checkpoints" / "step-0000004.safetensors"))
    b = load_file(str(tmp_path / "off" / "checkpoints" / "step-0000004.safetensors"))
    assert a.keys() == b.keys()
    changed = [k for k in a if not torch.equal(a[k], b[k])]
    assert not changed, f"the probe changed the training: {changed[:5]}"


def _flatten_generator_from(step_from):
    """A step callback that, from ``step_from`` on, zeroes the weights of G's last linear layer: G
    then draws one image whatever its latent (a collapse, forced)."""

    def flatten(trainer, step):
        if step >= step_from:
            last = [m for m in trainer.gan.G.modules() if isinstance(m, torch.nn.Linear)][-1]
            with torch.no_grad():
                last.weight.zero_()

    return flatten


def test_a_collapse_is_warned_about_live_and_doctor_names_its_step(tmp_path, tiny, registry_with_tracker, capsys):
    registry, received = registry_with_tracker
    run = tmp_path / "run"
    overrides = {**tiny, "steps": 130, "log_every": 10, "sample_every": 130, "checkpoint_every": 130}
    config = resolve_config(registry, "mnist", "vanilla", health_every=10, logger=("memory",), **overrides)
    trainer = Trainer(config, run, registry=registry, progress=True, callbacks=(_flatten_generator_from(105),))
    result = trainer.fit()

    alerts = [r for r in _records(run) if r.get("event") == "health"]
    collapse = [r for r in alerts if r["rule"] == "collapse"]
    assert [(r["step"], r["recovered"]) for r in collapse] == [(120, False)]  # low at the checks of 110 and 120
    assert "pacgan" in collapse[0]["remedy"]
    assert "health: step 120: collapse" in capsys.readouterr().err  # the progress output
    assert (120, {"health_alert/collapse": 1.0}) in [(s, {k: v for k, v in m.items() if k.startswith("health_alert")}) for s, m in received]
    assert any(line.startswith("step 120: collapse") for line in result.health)
    assert "Health warnings: step 120: collapse" in result.summary() and f"ganzoo doctor {run}" in result.summary()
    assert ".. " not in result.summary()  # the remedy's full stop is not doubled

    report = doctor(run, registry=registry)
    collapses = [e for e in report.episodes if e.kind == "collapse"]
    assert [(e.start, e.end) for e in collapses] == [(120, None)] and report.checks == 13 and report.last_step == 130

    cli = CliRunner().invoke(app, ["doctor", str(run)], terminal_width=200)
    assert cli.exit_code == 0 and "collapse from step 120 (still at the last record)" in cli.output
    as_json = json.loads(CliRunner().invoke(app, ["doctor", str(run), "--json"]).output)
    assert any(e["kind"] == "collapse" and e["start"] == 120 for e in as_json["episodes"])


def test_doctor_on_a_healthy_run_and_on_a_missing_one(tmp_path, tiny):
    from ganzoo.discovery import get_registry

    Trainer(resolve_config(get_registry(), "mnist", "vanilla", **tiny), tmp_path / "run", progress=False).fit()
    result = CliRunner().invoke(app, ["doctor", str(tmp_path / "run")], terminal_width=200)
    assert result.exit_code == 0 and "0 health checks" in result.output and "no episode" in result.output
    missing = CliRunner().invoke(app, ["doctor", str(tmp_path / "nope")])
    assert missing.exit_code != 0 and "does not exist" in missing.output


# -- a tracker that keeps the scalars it is sent -------------------------------------------------
class _Memory(Logger):
    received: list = []

    def start(self, context):
        return {}

    def log_metrics(self, step, metrics):
        _Memory.received.append((step, dict(metrics)))


class _MemoryPlugin:
    @hookimpl
    def ganzoo_register(self, registry):
        registry.add_logger("memory", _Memory, description="keeps the scalars")



@pytest.fixture()
def registry_with_tracker():
    _Memory.received = []
    return build_registry(extra_plugins=[("memory-tracker", _MemoryPlugin())]), _Memory.received
