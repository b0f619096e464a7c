"""The conformance kit sees a part's state: what changes without being saved, and what differs between processes.

A fake third-party distribution (a dist-info folder with entry points on PYTHONPATH, as in
tests/test_broken_plugins.py) registers stateful parts that are wrong in the ways a resumed or
data-parallel run suffers from, and one LeCam-like regulariser that is right;
`ganzoo plugins check` runs the kit on them in a subprocess, as a plugin author would.
"""

from __future__ import annotations

import dataclasses

import os
import subprocess
import sys

import pytest

from ganzoo.discovery import build_registry
from ganzoo.hookspecs import hookimpl
from ganzoo.testing import run_checks

STATEFUL_PARTS = '''
import torch
import torch.nn.functional as F

from ganzoo import hookimpl


class ScoreTrackingBCE:
    """A non-saturating loss that logs an EMA of D's real scores, and forgets it on resume (no state_dict)."""

    def __init__(self, decay: float = 0.9):
        self.decay = decay
        self.ema_real = 0.0

    def discriminator_loss(self, ctx):
        real, fake = ctx.D(ctx.real, ctx.labels).float(), ctx.D(ctx.fake, ctx.labels).float()
        self.ema_real = self.decay * self.ema_real + (1 - self.decay) * real.mean().item()
        loss = F.softplus(-real).mean() + F.softplus(fake).mean()
        return loss, {"ema_real": torch.tensor(self.ema_real)}

    def generator_loss(self, ctx):
        return F.softplus(-ctx.D(ctx.fake, ctx.labels).float()).mean(), {}


class FakeScoreTracker:
    """A regulariser that follows D's scores of the fakes (averaged over the processes) in the generator
    phase only: an EMA it logs."""

    def __init__(self, decay: float = 0.9):
        self.decay = decay
        self.ema_fake = torch.zeros(())

    def discriminator_loss(self, ctx):
        return ctx.real.new_zeros(()), {}

    def generator_loss(self, ctx):
        fake = ctx.mean_across_processes(ctx.D(ctx.fake, ctx.labels).detach().float().mean()).cpu()
        self.ema_fake = self.decay * self.ema_fake + (1 - self.decay) * fake
        return ctx.real.new_zeros(()), {"ema_fake": self.ema_fake.clone()}


class SavedFakeScoreTracker(FakeScoreTracker):
    """The same, carrying its EMA through checkpoints."""

    def state_dict(self):
        return {"ema_fake": self.ema_fake.clone()}

    def load_state_dict(self, state):
        self.ema_fake = state["ema_fake"].detach().cpu().clone()


class LeCam:
    """LeCam regularisation (Tseng et al. 2021): D's real scores are pulled towards the EMA of its fake
    scores and its fake scores towards the EMA of its real scores. ``average`` says whether the EMAs
    follow the batches of every process (ctx.mean_across_processes) or only this process's."""

    def __init__(self, weight: float = 0.01, decay: float = 0.9, average: bool = True):
        self.weight, self.decay, self.average = weight, decay, average
        self.ema_real, self.ema_fake = torch.zeros(()), torch.zeros(())

    def discriminator_loss(self, ctx):
        real, fake = ctx.D(ctx.real, ctx.labels).float(), ctx.D(ctx.fake, ctx.labels).float()
        means = torch.stack([real.detach().mean(), fake.detach().mean()])
        if self.average:
            means = ctx.mean_across_processes(means)
        means = means.cpu()
        self.ema_real = self.decay * self.ema_real + (1 - self.decay) * means[0]
        self.ema_fake = self.decay * self.ema_fake + (1 - self.decay) * means[1]
        penalty = F.relu(real - self.ema_fake.to(real.device)).pow(2).mean() + F.relu(self.ema_real.to(fake.device) - fake).pow(2).mean()
        return self.weight * penalty, {"lecam": penalty.detach()}

    def generator_loss(self, ctx):
        return ctx.real.new_zeros(()), {}

    def state_dict(self):
        return {"ema_real": self.ema_real.clone(), "ema_fake": self.ema_fake.clone()}

    def load_state_dict(self, state):
        self.ema_real = state["ema_real"].detach().cpu().clone()
        self.ema_fake = state["ema_fake"].detach().cpu().clone()


@hookimpl
def ganzoo_register(registry):
    registry.add_loss("score-tracking-bce", ScoreTrackingBCE, description="bce logging an EMA of real scores, unsaved")
    registry.add_loss("fake-tracker", FakeScoreTracker, regularizer=True, description="generator-phase EMA, unsaved")
    registry.add_loss("saved-fake-tracker", SavedFakeScoreTracker, regularizer=True, description="generator-phase EMA, saved")
    registry.add_loss("lecam-local", lambda weight=0.01: LeCam(weight, average=False), regularizer=True, description="LeCam on this process's scores")
    registry.add_loss("lecam", LeCam, regularizer=True, description="LeCam regularisation, EMAs averaged across processes")
'''


def _distribution(root, name: str, module: str, source: str) -> None:
    info = root / f"{name.replace('-', '_')}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[ganzoo]\n{module.replace('_', '-')} = {module}\n")
    (root / f"{module}.py").write_text(source)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    _distribution(root, "stateful-ganzoo-parts", "stateful_parts", STATEFUL_PARTS)
    return root


def _check(site, distribution: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]), "COLUMNS": "250", "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "ganzoo", "plugins", "check", distribution], capture_output=True, text=True, env=env, timeout=300)


def _rows(stdout: str) -> dict[tuple[str, str], str]:
    """(part, check) -> result, from the table `ganzoo plugins check` prints."""
    rows: dict[tuple[str, str], str] = {}
    last = None
    for line in stdout.splitlines():
        cells = [cell.strip() for cell in line.split("│")]
        if len(cells) != 6:
            continue
        if cells[1] in ("loss", "augmentation"):
            last = cells[2], cells[3]
            rows[last] = cells[4]
        elif last and not any(cells[1:4]):  # a result wrapped onto the next line
            rows[last] += " " + cells[4]
    return rows


def test_plugins_check_names_unsaved_and_unaveraged_state_and_passes_the_right_part(site):
    done = _check(site, "stateful-ganzoo-parts")
    assert done.returncode == 1, done.stdout + done.stderr
    rows = _rows(done.stdout)
    assert "5 entries checked, 5 failure(s)" in done.stdout, done.stdout

    # an EMA kept without state_dict(): named, with the phase that changes it
    carried = rows["score-tracking-bce", "state carries what changes"]
    assert "attribute 'ema_real' changes during training (discriminator phase) but is not in state_dict()" in carried
    assert "a resumed run would lose it" in carried
    assert "differs from an uninterrupted one at step 4: its stats ema_real" in rows["score-tracking-bce", "state round trip"]

    # state that changes only in the generator phase: caught when it is not saved, passes when it is
    assert "attribute 'ema_fake' changes during training (generator phase) but is not in state_dict()" in rows["fake-tracker", "state carries what changes"]
    assert "loss_g" not in rows["fake-tracker", "state round trip"] and "ema_fake" in rows["fake-tracker", "state round trip"]
    assert all(rows["saved-fake-tracker", check] == "ok" for check in ("state carries what changes", "state round trip", "state agrees across 2 processes"))

    # an EMA of each process's own scores, saved but never averaged: the 2 processes disagree, by key
    agrees = rows["lecam-local", "state agrees across 2 processes"]
    assert "state 'loss.lecam-local.ema_fake', 'loss.lecam-local.ema_real' differ between the 2 processes" in agrees
    assert "ctx.mean_across_processes" in agrees
    assert rows["lecam-local", "state carries what changes"] == "ok" and rows["lecam-local", "state round trip"] == "ok"

    # the LeCam regulariser that averages and saves its EMAs passes everything
    assert all(result == "ok" for (part, _), result in rows.items() if part in ("lecam", "saved-fake-tracker")), rows


class ForgetsOneEMA:
    """A LeCam-like regulariser whose state_dict() carries one of its two EMAs."""

    def __init__(self):
        self.ema_real, self.ema_fake = 0.0, 0.0

    def discriminator_loss(self, ctx):
        real, fake = ctx.D(ctx.real).detach(), ctx.D(ctx.fake).detach()
        self.ema_real = 0.9 * self.ema_real + 0.1 * ctx.mean_across_processes(real.mean()).item()
        self.ema_fake = 0.9 * self.ema_fake + 0.1 * ctx.mean_across_processes(fake.mean()).item()
        return ctx.real.new_zeros(()), {}

    def generator_loss(self, ctx):
        return ctx.real.new_zeros(()), {}

    def state_dict(self):
        return {"ema_real": self.ema_real}

    def load_state_dict(self, state):
        self.ema_real = float(state["ema_real"])


class CountingAugmentation:
    """An identity augmentation that counts its calls in a nested dict, and saves nothing."""

    def __init__(self):
        self.seen = {"calls": 0}

    def __call__(self, images, generator):
        self.seen["calls"] += 1
        return images


class StepCache:
    """Keeps D's real scores from the discriminator phase for the generator phase and clears them
    at its end: transient, so not state (the step boundaries, where checkpoints are taken, never see it)."""

    def __init__(self):
        self.cached = None

    def discriminator_loss(self, ctx):
        self.cached = ctx.D(ctx.real).detach().mean()
        return ctx.real.new_zeros(()), {}

    def generator_loss(self, ctx):
        stats, self.cached = {"cached": self.cached}, None
        return ctx.real.new_zeros(()), stats


class LocalR1:
    """Lazy R1 as it was before the agreement check: its state is this process's own penalty."""

    def __init__(self):
        from ganzoo_families.losses import LazyR1

        self.inner = LazyR1()

    def discriminator_loss(self, ctx):
        local = dataclasses.replace(ctx, mean_across_processes=lambda value: value)
        return self.inner.discriminator_loss(local)

    def generator_loss(self, ctx):
        return self.inner.generator_loss(ctx)

    def state_dict(self):
        return self.inner.state_dict()

    def load_state_dict(self, state):
        self.inner.load_state_dict(state)


class Parts:
    @hookimpl
    def ganzoo_register(self, registry):
        registry.add_loss("local-r1", LocalR1, regularizer=True, needs=("double_backward",))
        registry.add_loss("forgets-one-ema", ForgetsOneEMA, regularizer=True)
        registry.add_loss("step-cache", StepCache, regularizer=True)
        registry.add_augmentation("counting", CountingAugmentation)


@pytest.fixture(scope="module")
def registry():
    return build_registry(extra_plugins=[("kit-state-parts", Parts())])


def test_a_state_dict_that_forgets_one_attribute_is_named(registry):
    results = {r.check: r for r in run_checks("loss", "forgets-one-ema", registry)}
    detail = results["state carries what changes"].detail
    assert "attribute 'ema_fake' changes during training (discriminator phase)" in detail and "'ema_real'" not in detail
    assert "not restored by load_state_dict()" in detail
    assert results["state agrees across 2 processes"].ok and not results["state agrees across 2 processes"].skipped


def test_an_augmentations_nested_counter_is_named(registry):
    results = {r.check: r for r in run_checks("augmentation", "counting", registry)}
    assert "attribute 'seen.calls' changes during training (discriminator and generator phases)" in results["state carries what changes"].detail


def test_a_cache_cleared_within_the_step_is_not_state(registry):
    assert all(r.ok for r in run_checks("loss", "step-cache", registry))


def test_the_agreement_check_is_skipped_with_a_reason_where_no_process_group_can_start(registry, monkeypatch):
    monkeypatch.setattr("ganzoo.testing.agreement.multiprocessing.get_all_start_methods", lambda: ["spawn"])
    result = {r.check: r for r in run_checks("loss", "forgets-one-ema", registry)}["state agrees across 2 processes"]
    assert result.ok and result.skipped and "cannot fork a 2-process gloo group" in result.detail


def test_a_lazy_penalty_kept_per_process_is_found_and_the_builtin_r1_agrees(registry):
    """R1's penalty depends on each process's images: kept unaveraged, the processes' states differ.
    The kit's critic is curved and uneven from the first step, so the one evaluation in 4 steps shows it."""
    local = {r.check: r for r in run_checks("loss", "local-r1", registry)}["state agrees across 2 processes"]
    assert not local.ok and "state 'loss.local-r1.last' differs between the 2 processes" in local.detail, local.detail
    builtin = {r.check: r for r in run_checks("loss", "r1", registry)}["state agrees across 2 processes"]
    assert builtin.ok and not builtin.skipped, builtin.detail
