"""The conformance kit: does a registered part honour ganzoo's contracts?

Use it from the CLI (``ganzoo plugins check DISTRIBUTION``) or from pytest::

    import pytest
    from ganzoo.testing import assert_conforms, conformance_cases

    @pytest.mark.parametrize("kind, name", conformance_cases("my-gan-plugin"))
    def test_my_plugin_conforms(kind, name):
        assert_conforms(kind, name)

Checks, per kind:

* generator: builds for (1, 32, 32) and (3, 32, 32) images, unconditional and/or with 10
  classes as its ``conditional`` flag says; has the protocol's attributes; returns float
  images of the right shape inside [-1, 1]; different labels change the output of a
  conditional generator; gradients reach every parameter; a safetensors round trip of its
  state dict reproduces its output.
* discriminator: the same builds; one raw score per image (shape (B,)), no Sigmoid module;
  gradients reach its input and every parameter; the same round trip.
* loss: both phases return finite scalar losses and stats of detached scalar tensors on a
  small linear critic; one gradient step on the discriminator loss separates real from fake
  scores; a step of the fakes along the generator loss raises their scores (a regulariser,
  which is trained as ``LOSS+NAME``, is checked on top of ``bce``); a loss that backpropagates
  through D's input gradient (the critic notes it) declares ``needs=("double_backward",)``,
  which makes the trainer keep D uncompiled; it draws random numbers only from the phase
  context's stream ``ctx.rng`` (never torch's global generator); and its state passes the
  three state checks below.
* augmentation: keeps the shape of 1- and 3-channel batches, is differentiable, draws its
  randomness only from the generator it is given, adapts (``update``) without error, and
  passes the three state checks (trained under ``bce``).
* state, of a loss (a regulariser as ``bce+NAME``) or an augmentation, trained in a real
  :class:`~ganzoo.train.step.GanStep` (:func:`kit_step`), both phases of every step:

  - *state carries what changes*: the part's attributes (``vars(part)``, walked into dicts,
    lists, tuples, nested objects and modules' state dicts: tensors, numbers, strings) are
    snapshotted around each phase for 4 steps; after each step, a rebuilt part loaded with its
    ``state_dict()`` (through the checkpoint format) must hold the same value in every attribute
    that changed. A failure names the attribute and the phase that changes it, whether the part
    has no ``state_dict()`` or one that leaves the attribute out. Values that change within a
    step but are back where they were at its end (a cache cleared by the generator phase) are
    not state: checkpoints are taken between steps.
  - *state round trip*: 3 steps, then the step's whole state (weights, optimisers, streams and
    the part's) through the checkpoint format into a rebuilt step and part, as ``--resume``
    does; both continue for 2 steps with the same stats and the same ``state_dict()``.
  - *state agrees across 2 processes*: a part with a ``state_dict()`` is trained for 4 steps in
    a 2-process gloo group (forked, :class:`~ganzoo.train.strategy.DataParallel`, each process
    its own images); every key of its state (``loss.lecam.ema_real``) must be equal in both,
    else it is named: a checkpoint keeps rank 0's only. Skipped, with the reason, where no
    process group can start (no ``fork``, no gloo). 4 steps is a multiple of ADA's interval:
    state averaged only every k updates agrees only at multiples of k.
* recipe: its parts exist and fit together, and three training steps run on a small
  synthetic dataset and leave finite weights and a checkpoint.
* logger: it names the modules it needs and the command that installs them; its factory builds a
  :class:`~ganzoo.loggers.Logger` without starting a tracker (no run is opened, nothing is sent).
* pretrained: its model card names it and records the weights' sha256, which the weights file
  matches; the generator builds from the pack's configuration with the plugins installed, loads
  the weights, and draws seeded images of its dataset's shape (every class of a conditional one).

The kit is a package with one module per job: :mod:`~ganzoo.testing.common` (results and the
shapes parts are built for), :mod:`~ganzoo.testing.networks`, :mod:`~ganzoo.testing.losses`
(losses and augmentations) on the critics and the real step of :mod:`~ganzoo.testing.fixtures`,
the state walker (:mod:`~ganzoo.testing.state`) and its 2-process harness
(:mod:`~ganzoo.testing.agreement`), :mod:`~ganzoo.testing.recipes`, :mod:`~ganzoo.testing.pretrained`,
:mod:`~ganzoo.testing.loggers`, :mod:`~ganzoo.testing.names` (names a distribution shares with
others), and :mod:`~ganzoo.testing.runner`, which runs them over a registry.
"""

from __future__ import annotations

from ganzoo.testing.common import CheckResult, CheckSkipped, ConformanceError
from ganzoo.testing.fixtures import kit_step, phase_context
from ganzoo.testing.losses import check_augmentation, check_loss
from ganzoo.testing.loggers import check_logger
from ganzoo.testing.names import assert_own_names, shadowed_names
from ganzoo.testing.networks import check_discriminator, check_generator
from ganzoo.testing.pretrained import check_pretrained
from ganzoo.testing.recipes import check_recipe
from ganzoo.testing.runner import CHECKERS, assert_conforms, conformance_cases, run_checks, with_options

__all__ = [
    "CHECKERS",
    "CheckResult",
    "CheckSkipped",
    "ConformanceError",
    "assert_conforms",
    "assert_own_names",
    "check_augmentation",
    "check_discriminator",
    "check_generator",
    "check_logger",
    "check_loss",
    "check_pretrained",
    "check_recipe",
    "conformance_cases",
    "kit_step",
    "phase_context",
    "run_checks",
    "shadowed_names",
    "with_options",
]
