"""Recipe files: a recipe written in TOML, so that an experiment lives in version control without a plugin.

```toml
base = "wgan-gp"            # optional: start from a registered recipe
description = "WGAN-GP, narrower and with a softer penalty"
discriminator = "wgan-gp"   # a part by name ...
lr_g = 1e-4                 # any option a recipe may set
[generator]                 # ... or by a table: its name (optional with base) and its options
name = "dcgan"
width = 32
[loss]
gp_weight = 5
[augment]                   # optional: the augmentation by name, and its options
name = "diffaugment"
policy = "translation,cutout"
```

Without ``base`` the file names all three parts. Options of a part named in the file are merged
over the base recipe's options for that part; when the file replaces the base's part, the base's
options that the new part does not accept are dropped with a warning.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ganzoo.errors import ConfigError
from ganzoo.options import check_option, option_named, recipe_options
from ganzoo.protocols import PartSpec, Recipe
from ganzoo.registry import Registry
from ganzoo.train.part_options import TRIO, check_part_options, keep_accepted, part_spec

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser as a package
    import tomli as tomllib  # type: ignore[no-redef]

SUFFIX = ".toml"
_SETTABLE = tuple(o.name for o in recipe_options() if not o.name.endswith("_options"))
_KEYS = ("base", "description", "reference", *TRIO, *_SETTABLE)


def is_recipe_file(name: str | None) -> bool:
    """Whether a recipe argument names a file (ends in ``.toml``) rather than a registered recipe."""
    return name is not None and name.lower().endswith(SUFFIX)


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"Recipe file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"Could not read recipe file {path}: {error}.") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"Recipe file {path} is not valid TOML: {error}.") from error


def _part(path: Path, kind: str, value: Any) -> tuple[str | None, dict[str, Any]]:
    """A part's entry: ``"dcgan"`` or a table ``{name = "dcgan", width = 32}`` -> (name, options)."""
    if isinstance(value, str):
        return value, {}
    if isinstance(value, dict):
        options = dict(value)
        name = options.pop("name", None)
        if name is not None and not isinstance(name, str):
            raise ConfigError(f"{path}: the name in the {kind} table must be a registry name in quotes; got {name!r}.")
        return name, options
    raise ConfigError(
        f'{path}: {kind} must be a name (e.g. {kind} = "dcgan") or a table of its name and options; got {value!r}.'
    )


def _check_in_file(path: Path, kind: str, spec: PartSpec, options: dict[str, Any]) -> None:
    """:func:`check_part_options`, its error prefixed with the file's path."""
    try:
        check_part_options(kind, spec, options)
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from error


def read_recipe_file(registry: Registry, path: str | Path) -> tuple[Recipe | None, dict[str, Any]]:
    """The base recipe of a recipe file (``None`` without ``base``) and the values the file sets:
    the three parts with their options (merged over the base's), and the options it names."""
    path = Path(path)
    data = _read(path)
    unknown = sorted(set(data) - set(_KEYS))
    if unknown:
        raise ConfigError(
            f"{path}: unknown key(s) {', '.join(unknown)}; a recipe file takes {', '.join(_KEYS)}, "
            "and a generator, discriminator or loss table of the part's name and options."
        )
    base_name = data.get("base")
    if base_name is not None and not isinstance(base_name, str):
        raise ConfigError(f"{path}: base must be the name of a registered recipe in quotes; got {base_name!r}.")
    base = registry.recipe(base_name) if base_name else None
    values: dict[str, Any] = {}
    for kind in TRIO:
        name, options = _part(path, kind, data[kind]) if kind in data else (None, {})
        inherited = getattr(base, kind) if base else None
        name = name or inherited
        if name is None:
            raise ConfigError(
                f'{path}: name the {kind} ({kind} = "NAME", see `ganzoo list {kind}s`) '
                'or start from a recipe with base = "NAME".'
            )
        spec = part_spec(registry, kind, name)
        kept = getattr(base, f"{kind}_options") if base else {}
        if name != inherited and kept:
            kept = keep_accepted(kind, spec, kept, f"recipe {base_name!r}")
        _check_in_file(path, kind, spec, options)
        values[kind], values[f"{kind}_options"] = name, {**kept, **options}
    if isinstance(data.get("augment"), dict):  # augment = {name = "ada", target = 0.7}: a name and its options
        name, options = _part(path, "augment", data["augment"])
        if name is None:
            raise ConfigError(f'{path}: the augment table needs a name (name = "ada", see `ganzoo list augmentations`).')
        _check_in_file(path, "augment", part_spec(registry, "augment", name), options)
        values["augment"], values["augment_options"] = name, options
    for key in _SETTABLE:
        if key in data and key not in values:
            check_option(key, data[key], label=f"{path}: {key}")
            values[key] = tuple(data[key]) if isinstance(option_named(key).default, tuple) else data[key]
    return base, values


def load_recipe_file(registry: Registry, path: str | Path) -> Recipe:
    """Read a recipe file into a :class:`Recipe` named after the file; ConfigError on unknown keys or bad values.

    A file with a ``base`` keeps the base's table by image side (``Recipe.by_resolution``), less
    what the file states itself: a part the file names or configures, and any option it sets, hold
    at every image size. A file that changes a preset's settings (its base has ``paper``) is no
    longer the paper's configuration, so its recipe carries no card.
    """
    path = Path(path)
    base, values = read_recipe_file(registry, path)
    data = _read(path)
    texts = {key: str(data[key]) for key in ("description", "reference") if key in data}
    start = base or Recipe(
        name=path.stem, generator=values["generator"], discriminator=values["discriminator"], loss=values["loss"]
    )
    fields = Recipe.default_fields()
    stated = {key for key in data if key in fields} | {f"{key}_options" for key in data if f"{key}_options" in fields}
    table = {side: {k: v for k, v in row.items() if k not in stated} for side, row in start.by_resolution.items()}
    paper = start.paper if all(getattr(start, key) == value for key, value in values.items()) else None
    return dataclasses.replace(start, name=path.stem, by_resolution=table, paper=paper, **values, **texts)
