"""The package's layers import one way: command line → core → Keras engine → base; no cycles."""

import ast
import pathlib

from ._helpers import run_python

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "skautoencoder"

# What each layer may import, besides itself. The base holds what every
# layer shares: the library's warnings and errors, its version, and the
# data sources (rows read from memory or block by block).
BASE = {"exceptions", "_version", "_data_sources"}
ALLOWED = {
    "base": {"base"},
    "engine": {"engine", "base"},
    "core": {"core", "engine", "base"},
    "cli": {"cli", "core", "engine", "base"},
}


def module_name(path):
    """``skautoencoder/_engine/networks.py`` → ``"_engine.networks"``; a package is its ``__init__``."""
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts)


def layer_of(module):
    if module.startswith("cli.") or module == "__main__":
        return "cli"
    if module.startswith("_engine."):
        return "engine"
    if module in BASE:
        return "base"
    return "core"


def package_imports(path, modules):
    """The package modules that ``path`` imports, at module level or inside functions."""
    package = module_name(path).split(".")[:-1]
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = package[: len(package) - (node.level - 1)]
        elif (node.module or "").split(".")[0] == "skautoencoder":
            base, node_module = [], node.module.split(".", 1)[1] if "." in node.module else ""
            imported |= _resolve(base, node_module, node.names, modules)
            continue
        else:
            continue
        imported |= _resolve(base, node.module or "", node.names, modules)
    return imported


def _resolve(base, module, names, modules):
    """The modules named by ``from <base>.<module> import <names>``."""
    target = ".".join([*base, *([module] if module else [])])
    found = set()
    for alias in names:  # "from . import plotting" names a module; "from . import load" an attribute
        candidate = f"{target}.{alias.name}" if target else alias.name
        if candidate in modules or f"{candidate}.__init__" in modules:
            found.add(candidate if candidate in modules else f"{candidate}.__init__")
    if not found:
        found.add(target if target in modules else f"{target}.__init__" if target else "__init__")
    return found & modules


def import_graph():
    paths = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    modules = set(paths)
    return {name: package_imports(path, modules) - {name} for name, path in paths.items()}


def find_cycle(graph):
    state = {}

    def visit(node, trail):
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return [*trail, node, target]
            if target not in state:
                cycle = visit(target, [*trail, node])
                if cycle:
                    return cycle
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node, [])
            if cycle:
                return cycle
    return None


def layer_violations(graph):
    """``(module, imported module)`` pairs that go against :data:`ALLOWED`."""
    return sorted(
        (module, target)
        for module, targets in graph.items()
        for target in targets
        if layer_of(target) not in ALLOWED[layer_of(module)]
    )


def test_no_import_cycle_inside_the_package():
    graph = import_graph()
    # __init__ gathers the public names; the modules must never need it.
    graph.pop("__init__", None)
    graph = {name: targets - {"__init__"} for name, targets in graph.items()}
    assert find_cycle(graph) is None, f"import cycle: {' -> '.join(find_cycle(graph))}"


def test_the_graph_sees_the_layout():
    graph = import_graph()
    assert "_engine.backend" in graph["_engine.networks"]
    assert "_data_sources" in graph["_engine.inference"]
    assert "cli._tables" in graph["cli._commands"]
    assert "plotting" in graph["cli._commands"]  # "from .. import AutoencoderTransformer, plotting"


def test_each_layer_imports_only_the_layers_below_it():
    assert layer_violations(import_graph()) == []


def test_the_layer_check_fails_on_an_import_upwards():
    graph = {
        "_engine.networks": {"_estimator"},  # the engine reaching for the estimator
        "_fitting": {"cli._commands"},  # the core reaching for the command line
        "cli._commands": {"_estimator", "_engine.backend"},
    }
    assert layer_violations(graph) == [("_engine.networks", "_estimator"), ("_fitting", "cli._commands")]


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_importing_the_library_imports_nothing_of_the_command_line():
    result = run_python(
        "import sys, skautoencoder; print(sorted(m for m in sys.modules if m.startswith('skautoencoder.cli')))"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
