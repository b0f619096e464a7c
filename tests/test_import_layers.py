"""The layering of ``ganzoo/``, read from the source (no import is executed).

* No import cycle among ganzoo's modules, function-level imports included: a function-level
  import is for start-up time, never to hide an arrow pointing up. Only ``if TYPE_CHECKING:``
  blocks are skipped (they never run).
* ``ganzoo.evaluate`` imports nothing from ``ganzoo.train`` (both use ``ganzoo.sampling``).
* The names of a run directory's files and folders are written in ``ganzoo/base/layout.py``
  only; every other module imports them from there.
* Every module belongs to one layer of :data:`LAYERS` and imports only from its own layer or the
  layers below (function-level and ``TYPE_CHECKING`` imports counted: an annotation that names an
  upper layer is an arrow pointing up too).
* The CLI imports only the API (``ganzoo``, ``ganzoo.api``), the options and its own console helpers.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "ganzoo"
LAYOUT = "ganzoo.base.layout"

#: File names of a run (a literal containing one of these is a run-file name).
RUN_FILES = ("config.json", "metrics.jsonl", "state.json", ".ganzoo.lock", "profile.json", "evaluations.jsonl", "step-", "step{")
#: Folder names of a run (flagged when a literal is joined into a path with ``/``).
RUN_DIRS = ("samples", "checkpoints", "trackers")
#: (module, literal) pairs that name something else, or that another change will remove.
ALLOWED = {
    ("ganzoo.evaluate.extractors", "checkpoints"),  # torch hub's cache folder, not a run's
}


#: The layers, bottom first: (name, module prefixes). A module belongs to the layer of its longest
#: matching prefix; ``ganzoo`` itself (the package's lazy public names) is the API.
LAYERS = (
    ("base", ("ganzoo.base", "ganzoo.errors", "ganzoo.lazy", "ganzoo.compat")),
    ("contracts", ("ganzoo.protocols", "ganzoo.hookspecs", "ganzoo.options", "ganzoo.sizes")),
    ("registry", ("ganzoo.registry", "ganzoo.registrar", "ganzoo.combined_loss", "ganzoo.discovery", "ganzoo.catalogue")),
    ("data", ("ganzoo.data",)),
    ("parts and metrics", ("ganzoo.augment", "ganzoo.evaluate", "ganzoo.loggers", "ganzoo.sampling", "ganzoo.health")),
    ("training", ("ganzoo.train",)),
    ("loading", ("ganzoo.pretrained", "ganzoo.loading")),
    ("bench", ("ganzoo.bench",)),
    ("kit", ("ganzoo.testing",)),
    ("api", ("ganzoo.api", "ganzoo")),
    ("cli", ("ganzoo.cli", "ganzoo.__main__")),
)
#: What a CLI module may import besides ganzoo.cli itself.
CLI_MAY_IMPORT = ("ganzoo", "ganzoo.api", "ganzoo.options")


def _modules() -> dict[str, Path]:
    modules = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    return modules


MODULES = _modules()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _runtime_nodes(tree: ast.AST):
    """Every node of ``tree`` except those inside ``if TYPE_CHECKING:`` (their ``else`` is kept)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _imports(name: str, path: Path, type_checking: bool = False) -> set[str]:
    """The ganzoo modules that module ``name`` imports (a name imported from a package counts as its submodule when it is one)."""
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree) if type_checking else _runtime_nodes(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if full in MODULES else base)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m in MODULES and m != name}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_no_import_cycle():
    graph = {name: _imports(name, path) for name, path in MODULES.items()}
    cycles = _cycles(graph)
    described = ["\n".join(f"  {m} -> {', '.join(sorted(graph[m] & set(c)))}" for m in c) for c in cycles]
    assert not cycles, "Import cycles among ganzoo modules:\n" + "\n\n".join(described)


def test_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_evaluate_imports_nothing_from_train():
    upward = {
        name: sorted(m for m in _imports(name, path, type_checking=True) if m == "ganzoo.train" or m.startswith("ganzoo.train."))
        for name, path in MODULES.items()
        if name == "ganzoo.evaluate" or name.startswith("ganzoo.evaluate.")
    }
    assert not {k: v for k, v in upward.items() if v}, "ganzoo.evaluate reaches up into ganzoo.train (use ganzoo.sampling)"


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string expressions that stand alone as statements (docstrings and the like)."""
    return {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)}


def _run_file_literals(name: str, path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    skip = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            found += [f"{name}:{node.lineno}: {node.value!r}" for key in RUN_FILES if key in node.value and (name, key) not in ALLOWED]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            for side in (node.left, node.right):
                if isinstance(side, ast.Constant) and side.value in RUN_DIRS and (name, side.value) not in ALLOWED:
                    found.append(f"{name}:{side.lineno}: {side.value!r}")
    return found


def test_run_file_names_come_from_the_layout():
    found = [line for name, path in MODULES.items() if name != LAYOUT for line in _run_file_literals(name, path)]
    assert not found, f"Run-file names written outside {LAYOUT} (import them from there):\n" + "\n".join(found)


def test_the_layout_names_every_run_file():
    layout = MODULES[LAYOUT].read_text()
    assert all(key in layout for key in RUN_FILES + RUN_DIRS)
    imported = set()
    for node in ast.walk(ast.parse(layout)):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or ".").split(".")[0])
    assert not imported & {"ganzoo", "torch", ""}, "the layout module is light: no torch, no other ganzoo module"


def layer_of(module: str) -> int | None:
    """The index in :data:`LAYERS` of ``module``'s layer (its longest matching prefix), or None."""
    best = None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > best[1]):
                best = (index, len(prefix))
    return best[0] if best else None


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """``a [layer] -> b [higher layer]`` for every import in ``graph`` that points up."""
    found = []
    for name in sorted(graph):
        for target in sorted(graph[name]):
            if layer_of(target) > layer_of(name):
                found.append(f"{name} [{LAYERS[layer_of(name)][0]}] -> {target} [{LAYERS[layer_of(target)][0]}]")
    return found


def test_every_module_has_a_layer():
    unplaced = [name for name in MODULES if layer_of(name) is None]
    assert not unplaced, f"Modules in no layer of LAYERS (add them where they belong): {unplaced}"


def test_no_module_imports_a_layer_above_its_own():
    graph = {name: _imports(name, path, type_checking=True) for name, path in MODULES.items()}
    found = upward_imports(graph)
    assert not found, "Imports that point up the layers (bottom first: " + " < ".join(n for n, _ in LAYERS) + "):\n" + "\n".join(found)


def test_the_layer_check_catches_an_upward_import():
    graph = {"ganzoo.registry": {"ganzoo.base.specs"}, "ganzoo.data.folder": {"ganzoo.train.config"}, "ganzoo.cli.app": {"ganzoo.api"}}
    assert upward_imports(graph) == ["ganzoo.data.folder [data] -> ganzoo.train.config [training]"]


def test_the_cli_imports_only_the_api_the_options_and_its_console_helpers():
    found = []
    for name, path in MODULES.items():
        if layer_of(name) == len(LAYERS) - 1:
            allowed = CLI_MAY_IMPORT + ("ganzoo.cli",)
            found += [f"{name} -> {m}" for m in sorted(_imports(name, path, type_checking=True)) if not any(m == a or (a != "ganzoo" and m.startswith(a + ".")) for a in allowed)]
    assert not found, "CLI modules reaching past the API:\n" + "\n".join(found)


def test_the_architecture_page_shows_these_layers():
    """docs/architecture.md's table lists the layers of LAYERS, in order, with their modules."""
    page = (ROOT.parent / "docs" / "architecture.md").read_text()
    rows = [line.split("|")[1:3] for line in page.splitlines() if line.startswith("| ") and not line.startswith("| layer")]
    assert [name.strip() for name, _ in rows] == [name for name, _ in LAYERS]
    for (_, modules), (_, prefixes) in zip(rows, LAYERS):
        assert sorted(m.strip(" `") for m in modules.split(",")) == sorted(prefixes)
