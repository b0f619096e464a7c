"""ganzoo's version (``pyproject.toml`` declares the same), importable by every layer."""

__version__ = "0.1.0"
