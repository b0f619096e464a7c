"""The typer application, its global options, and the one place errors become exit codes.

Every error reaches the user in one style, ``error: <one paragraph>`` on stderr: the library's
own errors (through :func:`guarded`) and typer's usage errors (through :class:`GanzooGroup`)
alike. Exit codes: 0 success, 1 internal error, 2 bad input, 130 stopped by Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import contextlib
import functools
import traceback
import warnings
from typing import Callable, Iterator, Optional

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from ganzoo import GanzooError, __version__

EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130  # Ctrl-C or SIGTERM: training stops after the current step with a checkpoint

err = Console(stderr=True)
out = Console()

try:  # typer >= 0.24 vendors its own copy of click and no longer depends on click
    from typer import _click
except ImportError:  # older typer runs on click, which it then requires
    import click as _click  # type: ignore[no-redef]

_NO_ARGS_IS_HELP = getattr(_click.exceptions, "NoArgsIsHelpError", ())


def print_error(message: str) -> None:
    """The one style of every error message: ``error: <paragraph>`` on stderr (``message`` is plain text)."""
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


@contextlib.contextmanager
def _usage_errors() -> Iterator[None]:
    """Print click's usage errors (unknown option, missing argument...) as ganzoo errors, exit 2."""
    try:
        yield
    except _NO_ARGS_IS_HELP:
        raise  # `ganzoo` alone prints the help
    except _click.exceptions.UsageError as error:
        command = error.ctx.command_path if error.ctx is not None else "ganzoo"
        message = error.format_message().strip()
        print_error(f"{message}{'' if message.endswith(('.', '?', '!')) else '.'} See `{command} --help`.")
        raise typer.Exit(EXIT_BAD_INPUT) from None


class GanzooGroup(TyperGroup):
    """The top-level command group: usage errors in the same style as every other error."""

    def make_context(self, *args, **kwargs):  # global options, e.g. `ganzoo --bogus`
        with _usage_errors():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx):  # commands and their options, e.g. `ganzoo train --stpes 3`
        with _usage_errors():
            return super().invoke(ctx)


app = typer.Typer(
    cls=GanzooGroup,
    name="ganzoo",
    help="A zoo of generative adversarial networks: train, sample and list GANs from plugins.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
_state = {"debug": False}


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


def _bug_message(error: Exception) -> str:
    """One paragraph on an unexpected exception: a plugin's (named, with its distribution) or ganzoo's own."""
    from ganzoo.api.plugins import culprit_of

    what = escape(f"{type(error).__name__}: {error}")
    found = culprit_of(error)
    if found is None:
        return f"[bold red]internal error:[/] {what}. Run again with --debug for the traceback, and please report it."
    return (
        f"[bold red]plugin error:[/] {what}, raised in {escape(found.where)} of plugin {found.plugin!r} (distribution "
        f"{found.distribution} {found.version}). This is a bug or a limit of that plugin, not of ganzoo: report it to "
        "the plugin's authors. Run again with --debug for the traceback."
    )


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
            print_error(str(error))
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except KeyboardInterrupt:
            err.print("[bold red]interrupted[/]")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except Exception as error:  # noqa: BLE001 - a bug: say so briefly (and whose) unless --debug
            if _state["debug"]:
                raise
            err.print(_bug_message(error), highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_INTERNAL) from None

    return wrapper
