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


class RunLockedError(RunError):
    """Another process is writing the run (it holds the run's lock); one run takes one writer."""


class StorageError(GanzooError):
    """Writing a file failed because of its surroundings: disk full, permission denied, read-only file system.

    Not a bug of ganzoo: the message says what was being written, where, the free space, and
    what to do. ``path`` is the file and ``errno`` the operating system's error number.
    """

    def __init__(self, message: str, path: object = None, errno: int | None = None):
        super().__init__(message)
        self.path, self.errno = path, errno


class GanzooWarning(UserWarning):
    """Something worth telling the user that does not stop the run (e.g. a skipped bad checkpoint)."""
