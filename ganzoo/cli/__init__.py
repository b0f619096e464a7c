"""The ``ganzoo`` command line (typer + rich)."""

from ganzoo.cli import bench, doctor, evaluate, extractor, listing, plot, sample, train  # noqa: F401  (registers the commands)
from ganzoo.cli.app import app


def main() -> None:
    """Entry point of the ``ganzoo`` console script."""
    app()


__all__ = ["app", "main"]
