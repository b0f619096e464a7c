"""The training options on the command line, derived from their declarations.

:func:`with_training_options` gives a command one ``--flag`` per training option declared in
:mod:`ganzoo.options` (help text, group heading, default shown); :func:`given_options` turns
what the user passed back into config values. docs/cli.md's table of them is written by
:mod:`ganzoo.cli.options_doc`.
"""

from __future__ import annotations

import inspect
import typing
from typing import Any, Callable, Optional

import typer

from ganzoo.options import RUN, Option, TrainingOptions, training_options


def _describe_default(option: Option) -> str:
    if option.spec.default_text:
        return option.spec.default_text
    if option.spec.recipe:
        return "the recipe's"
    value = option.default
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def _cli_type(option: Option) -> type:
    """The Python type typer parses the flag's text into (a ``parse`` option takes the raw text,
    a ``tuple[str, ...]`` option is a repeatable flag: the list of its texts)."""
    hint = typing.get_type_hints(TrainingOptions)[option.name]
    if typing.get_origin(hint) is tuple and typing.get_args(hint)[-1] is Ellipsis:
        return list[str]
    if option.spec.parse is not None:
        return str
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    return args[0] if args else hint


def cli_options(names: tuple[str, ...] | None = None) -> tuple[Option, ...]:
    """The training options that have a flag (only those called ``names`` when given)."""
    return tuple(o for o in training_options() if o.spec.cli and (names is None or o.name in names))


def parameter(option: Option) -> inspect.Parameter:
    """The typer parameter of one option: ``None`` by default (= not given, the recipe's or the option's default)."""
    info = typer.Option(
        None,
        option.flag,
        help=f"{option.spec.help} (default: {_describe_default(option)})",
        rich_help_panel=option.spec.group,
        metavar=option.spec.metavar,
        show_default=False,
    )
    return inspect.Parameter(
        option.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=info, annotation=Optional[_cli_type(option)]
    )


def with_training_options(command: Callable | None = None, *, names: tuple[str, ...] | None = None) -> Callable:
    """Give ``command`` (whose last parameter is ``**options``) one typer parameter per training option
    (or per option of ``names``: ``@with_training_options(names=("precision", "device"))``).

    typer reads a command's parameters from its signature; this one is the command's own
    parameters followed by the generated ones, and typer passes the latter into ``**options``.
    """
    if command is None:
        return lambda command: with_training_options(command, names=names)
    signature = inspect.signature(command)
    hints = typing.get_type_hints(command)
    own = [
        p.replace(annotation=hints.get(p.name, p.annotation))
        for p in signature.parameters.values()
        if p.kind is not p.VAR_KEYWORD
    ]
    generated = [parameter(o) for o in cli_options(names) if o.name not in {p.name for p in own}]

    def last(p: inspect.Parameter) -> bool:  # the run's own options (--out, --resume...) close the help
        return getattr(p.default, "rich_help_panel", None) == RUN

    ordered = (
        [p for p in own if not last(p)]
        + [p for p in generated if not last(p)]
        + [p for p in own if last(p)]
        + [p for p in generated if last(p)]
    )
    command.__signature__ = signature.replace(parameters=ordered)  # type: ignore[attr-defined]
    return command


def given_options(options: dict[str, Any], names: tuple[str, ...] | None = None) -> dict[str, Any]:
    """What typer passed for the generated flags -> config values (``None`` = not given)."""
    given = {}
    for option in cli_options(names):
        value = options.get(option.name)
        if value is not None and option.spec.parse is not None:
            value = option.spec.parse(value)
        given[option.name] = value
    return given
