"""Options of the parts: the keyword arguments of a generator's, discriminator's or loss's factory.

A part's options are read from its registered factory's signature, less the contract's
arguments (``latent_dim``, ``image_shape``, ``num_classes``) that the trainer passes itself.
They are set by a recipe (``generator_options``...), a recipe file's ``[generator]`` table, or
``--set generator.width=32`` on the command line, and checked here before anything is built.
"""

from __future__ import annotations

import difflib
import inspect
import json
import typing
import warnings
from dataclasses import dataclass
from typing import Any

from ganzoo.errors import ConfigError, GanzooWarning
from ganzoo.protocols import PartSpec
from ganzoo.registry import Registry

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser as a package
    import tomli as tomllib  # type: ignore[no-redef]

#: The three parts every run names (a recipe or the flags give them); the registry's PART_KINDS adds the augmentation.
TRIO = ("generator", "discriminator", "loss")
#: What ``--set TARGET.OPTION=VALUE`` reaches: the three parts, and the run's augmentation (``--augment``).
SETTABLE = (*TRIO, "augment")
#: Arguments every factory of the kind receives from the trainer; not options.
CONTRACT_ARGUMENTS = frozenset({"latent_dim", "image_shape", "num_classes"})


@dataclass(frozen=True)
class PartOption:
    """One keyword argument of a part's factory."""

    name: str
    default: Any  # inspect.Parameter.empty when the factory requires it
    annotation: str  # as written in the factory's signature ('' when not annotated)

    @property
    def required(self) -> bool:
        """The factory has no default for it."""
        return self.default is inspect.Parameter.empty

    def describe(self) -> str:
        """``name=default`` (or ``name (required)``) for messages."""
        return f"{self.name} (required)" if self.required else f"{self.name}={self.default!r}"


def registry_kind(target: str) -> str:
    """The registry kind of a ``--set`` target: ``augment`` -> ``augmentation``, a part's kind unchanged."""
    return "augmentation" if target == "augment" else target


def part_spec(registry: Registry, kind: str, name: str) -> PartSpec:
    """The registered generator, discriminator, loss or augmentation (``augment``) called ``name``."""
    return getattr(registry, registry_kind(kind))(name)


def part_options(spec: PartSpec) -> tuple[dict[str, PartOption], bool]:
    """The options of a part's factory, and whether it also takes any keyword (``**kwargs``)."""
    try:
        signature = inspect.signature(spec.factory)
    except (TypeError, ValueError):  # a builtin without a signature: nothing can be checked
        return {}, True
    options, open_ended = {}, False
    for parameter in signature.parameters.values():
        if parameter.kind is parameter.VAR_KEYWORD:
            open_ended = True
        elif parameter.kind is not parameter.VAR_POSITIONAL and parameter.name not in CONTRACT_ARGUMENTS:
            options[parameter.name] = PartOption(parameter.name, parameter.default, _type_name(parameter.annotation))
    return options, open_ended


def _type_name(annotation: Any) -> str:
    """``int`` for ``int``, ``tuple[int, ...]`` for a generic, the text of a string annotation, '' for none."""
    if annotation is inspect.Parameter.empty:
        return ""
    if isinstance(annotation, type) and not typing.get_args(annotation):
        return annotation.__name__
    return str(annotation)


def _accepts(default: Any, value: Any) -> bool:
    """Whether ``value`` has the type of the factory's default (an int passes for a float, a list for a tuple)."""
    if default is inspect.Parameter.empty or default is None:
        return True
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(default, (list, tuple)):
        return isinstance(value, (list, tuple))
    return isinstance(value, type(default))


def accepted_list(kind: str, spec: PartSpec) -> str:
    """``width=64, norm='batch'`` or a sentence saying the part takes no options."""
    options, _ = part_options(spec)
    if not options:
        return f"{kind} {spec.name!r} takes no options"
    return f"{kind} {spec.name!r} accepts: " + ", ".join(o.describe() for o in options.values())


def option_values(spec: PartSpec, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` over the factory's defaults: every option the part will be built with."""
    options, _ = part_options(spec)
    return {**{o.name: o.default for o in options.values() if not o.required}, **values}


def inner_part(registry: Registry, spec: PartSpec, values: dict[str, Any]) -> tuple[PartSpec, dict[str, Any]] | None:
    """For a wrapper (``spec.wraps``): the wrapped part's entry and the options passed on to it; else None.

    The wrapped part is named by the wrapper's ``inner`` option; every option the wrapper's
    factory does not name itself goes to it.
    """
    if spec.wraps is None:
        return None
    own, _ = part_options(spec)
    name = option_values(spec, values).get("inner")
    if not isinstance(name, str):
        raise ConfigError(f"The {spec.wraps} {spec.name!r} wraps another {spec.wraps}: name it with --set {spec.wraps}.inner=NAME (see `ganzoo list {spec.wraps}s`).")
    return part_spec(registry, spec.wraps, name), {k: v for k, v in values.items() if k not in own}


def batch_multiple(spec: PartSpec, values: dict[str, Any]) -> int:
    """The number every batch this part sees must be a multiple of (1 when it declares none)."""
    if spec.batch_multiple is None:
        return 1
    return int(spec.batch_multiple(option_values(spec, values)))


def check_part_options(kind: str, spec: PartSpec, values: dict[str, Any], registry: Registry | None = None) -> None:
    """Raise ConfigError when ``values`` names an option the factory lacks, has a value of the wrong type,
    or one the part's ``check_options`` refuses; with ``registry``, a wrapper's inner part is checked too."""
    _check_names_and_types(kind, spec, values)
    if spec.check_options is not None:
        try:
            spec.check_options(option_values(spec, values))
        except ValueError as error:
            raise ConfigError(f"{kind.capitalize()} {spec.name!r}: {error}. {accepted_list(kind, spec).capitalize()}.") from error
    inner = inner_part(registry, spec, values) if registry is not None else None
    if inner is not None:
        check_part_options(spec.wraps, *inner, registry)


def _check_names_and_types(kind: str, spec: PartSpec, values: dict[str, Any]) -> None:
    options, open_ended = part_options(spec)
    unknown = sorted(set(values) - set(options))
    if unknown and not open_ended:
        close = difflib.get_close_matches(unknown[0], list(options), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ConfigError(
            f"{kind.capitalize()} {spec.name!r} has no option {', '.join(repr(u) for u in unknown)}; "
            f"{accepted_list(kind, spec)}.{hint} "
            f"See `ganzoo list --options {spec.name}`."
        )
    for name, value in values.items():
        if name in options and not _accepts(options[name].default, value):
            expected = type(options[name].default).__name__
            raise ConfigError(
                f"{kind}.{name} takes a {expected} like its default {options[name].default!r}; got {value!r}."
            )


def keep_accepted(kind: str, spec: PartSpec, values: dict[str, Any], source: str) -> dict[str, Any]:
    """The options of ``values`` that ``spec`` accepts; a warning names those dropped.

    Used when a part is replaced (``--loss hinge`` on a recipe whose loss had options): options
    the new part also takes are kept, the others would make it fail and are dropped, loudly.
    """
    options, open_ended = part_options(spec)
    if open_ended:
        return dict(values)
    kept = {k: v for k, v in values.items() if k in options}
    dropped = {k: v for k, v in values.items() if k not in options}
    if dropped:
        listed = ", ".join(f"{k}={v!r}" for k, v in dropped.items())
        message = f"The {kind} options {listed} of {source} do not apply to {kind} {spec.name!r} and are dropped."
        warnings.warn(message, GanzooWarning, stacklevel=3)
    return kept


def parse_value(text: str) -> Any:
    """A ``--set`` value: a TOML value (``5``, ``0.5``, ``true``, ``[64, 32]``, ``"text"``), else the text itself."""
    try:
        return tomllib.loads(f"value = {text}")["value"]
    except tomllib.TOMLDecodeError:
        try:
            return json.loads(text)
        except ValueError:
            return text


def parse_assignments(texts: list[str] | tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """``["loss.gp_weight=5", "generator.width=32"]`` -> ``{"loss": {"gp_weight": 5}, "generator": {"width": 32}}``.

    ``augment.OPTION=VALUE`` sets an option of the run's augmentation (``--augment NAME``).
    """
    parsed: dict[str, dict[str, Any]] = {}
    for text in texts:
        key, equals, value = text.partition("=")
        part, dot, name = key.strip().partition(".")
        if not equals or not dot or part not in SETTABLE or not name.isidentifier():
            raise ConfigError(
                f"--set takes PART.OPTION=VALUE with PART one of {', '.join(SETTABLE)}, "
                f"e.g. --set loss.gp_weight=5; got {text!r}."
            )
        parsed.setdefault(part, {})[name] = parse_value(value.strip())
    return parsed
