"""One images/s figure: training time only, the same in the result, metrics.jsonl and the progress display."""

from __future__ import annotations

import json
import time

import pytest

from ganzoo.discovery import get_registry
from ganzoo.train import Trainer, resolve_config
from ganzoo.train.speed import TrainingClock, images_per_s_of

SLOW_S = 0.3


def test_the_clock_charges_overhead_apart_from_training():
    clock = TrainingClock(images_per_step=10)
    time.sleep(0.05)
    clock.step_done()
    with clock.overhead():
        time.sleep(0.2)
    clock.step_done()  # a step of ~0 s right after the overhead
    assert clock.overhead_s >= 0.2 and 0.05 <= clock.train_s < 0.15
    assert clock.images_per_s() == pytest.approx(20 / clock.train_s)
    rate, seconds = clock.close_window()
    assert seconds == pytest.approx(clock.train_s) and rate == pytest.approx(clock.images_per_s())


def test_a_slow_callback_does_not_lower_images_per_s_and_the_figures_agree(tmp_path, tiny):
    def slow(trainer, step):  # stands in for a periodic evaluation or a slow disk
        time.sleep(SLOW_S)

    config = resolve_config(get_registry(), "mnist", "vanilla", **tiny)
    trainer = Trainer(config, tmp_path / "run", progress=False, callbacks=(slow,))
    started = time.perf_counter()
    trainer.setup()
    result = trainer.fit()
    wall = time.perf_counter() - started
    steps = result.step - result.start_step
    assert result.overhead_s >= steps * SLOW_S  # the sleeps (and grids, checkpoints) are overhead...
    assert result.train_s <= wall - steps * SLOW_S  # ...not training time
    assert result.images_per_s == pytest.approx(steps * config.batch_size * config.d_steps / result.train_s)
    assert result.startup_s > 0 and result.wall_s == pytest.approx(wall, abs=0.5)
    records = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert all(r["train_s"] > 0 for r in records)
    assert images_per_s_of(records) == pytest.approx(result.images_per_s, rel=1e-4)  # metrics.jsonl: the same figure
    assert "start-up" in result.summary() and f"{result.images_per_s:.0f} images/s" in result.summary()


def test_images_per_s_of_old_records_without_training_seconds():
    assert images_per_s_of([{"step": 50, "images_per_s": 100.0}]) is None
    assert images_per_s_of([{"images_per_s": 100.0, "train_s": 1.0}, {"images_per_s": 400.0, "train_s": 3.0}]) == 325.0
