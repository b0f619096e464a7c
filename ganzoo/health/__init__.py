"""Training health: cheap signals every few hundred steps, rules that name an episode and its remedy.

Two roles, both a registered kind (``health``) that any plugin can add to through
:meth:`~ganzoo.registrar.PluginRegistrar.add_health`:

* a **signal** measures a :class:`Probe` (a fixed real batch, the generator's images of a fixed
  latent batch, D's scores of both, the gradients of the last step) and returns numbers, logged
  to ``metrics.jsonl`` under ``"health"`` every ``--health-every`` steps;
* a **rule** reads the run's records in step order (the health records and the loss records)
  and returns an :class:`Alert` when an episode starts (collapse, divergence, D overfitting),
  with the step and a suggested remedy, and another when it is over.

The trainer feeds the rules live (a warning in the progress output, the trackers and the run
summary); ``ganzoo doctor`` replays a run's ``metrics.jsonl`` through fresh rules
(:func:`diagnose`), so both report the same episodes. Nothing here imports the trainer.
"""

from ganzoo.health.core import (
    HEALTH_EVENT,
    HEALTH_KEY,
    Alert,
    Episode,
    Probe,
    RuleBook,
    SustainedRule,
    build_rules,
    build_signals,
    diagnose,
    episodes_of,
    measure,
)

__all__ = [
    "HEALTH_EVENT",
    "HEALTH_KEY",
    "Alert",
    "Episode",
    "Probe",
    "RuleBook",
    "SustainedRule",
    "build_rules",
    "build_signals",
    "diagnose",
    "episodes_of",
    "measure",
]
