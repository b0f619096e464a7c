"""The typer application, its global options, and the one place errors become exit codes."""

from __future__ import annotations

import functools
import traceback
import warnings
from typing import Callable, Optional

import typer
from rich.console import Console

from ganzoo import __version__
from ganzoo.errors import GanzooError

app = typer.Typer(
    name="ganzoo",
    help="A zoo of generative adversarial networks: train, sample and list GANs from plugins.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
out = Console()
err = Console(stderr=True)
_state = {"debug": False}

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 1


def _show_warning(message, category, filename, lineno, file=None, line=None):
    err.print(f"[yellow]warning:[/] {message}", highlight=False, soft_wrap=True)


def _version(value: bool) -> None:
    if value:
        out.print(f"ganzoo {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks instead of one-paragraph errors."),
    version: Optional[bool] = typer.Option(None, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """ganzoo: one trainer, one evaluator, every GAN family as a plugin."""
    _state["debug"] = debug
    warnings.showwarning = _show_warning


def guarded(command: Callable) -> Callable:
    """Turn ganzoo's errors into a one-paragraph message and exit code 2 (traceback with --debug)."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except GanzooError as error:
            if _state["debug"]:
                err.print(traceback.format_exc(), highlight=False, markup=False)
            err.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except KeyboardInterrupt:
            err.print("[bold red]interrupted[/]")
            raise typer.Exit(130) from None
        except Exception as error:  # noqa: BLE001 - a bug: say so briefly unless --debug
            if _state["debug"]:
                raise
            err.print(f"[bold red]internal error:[/] {type(error).__name__}: {error}. Run again with --debug for the traceback, and please report it.", highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_INTERNAL) from None

    return wrapper
