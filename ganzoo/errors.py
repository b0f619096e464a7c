"""The library's exceptions: one error boundary, turned into messages only by the CLI.

Every error a user can cause derives from :class:`GanzooError`. Its message is one
self-contained paragraph that says what was wrong and what to do instead.
"""

from __future__ import annotations


class GanzooError(Exception):
    """Base class of every error ganzoo raises on purpose (bad input, missing files...)."""


class ConfigError(GanzooError):
    """A configuration value is invalid, out of range, or names something unknown."""


class PluginError(GanzooError):
    """A plugin failed to load or registered something invalid or duplicated."""


class DataError(GanzooError):
    """A dataset's files are missing, unreadable, or not what they claim to be."""


class RunError(GanzooError):
    """A run directory is missing, unreadable, or clashes with the requested run."""


class CheckpointError(RunError):
    """A checkpoint is missing, corrupted, or does not fit the model it is loaded into."""


class GanzooWarning(UserWarning):
    """Something worth telling the user that does not stop the run (e.g. a skipped bad checkpoint)."""
