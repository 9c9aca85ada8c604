"""The package's layout stays one-way and readable: no import cycles, small modules."""

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "skautoencoder"
MAX_MODULE_LINES = 450
MAX_ESTIMATOR_CLASS_LINES = 250  # without its docstring


def package_imports(path):
    """The package modules ``path`` imports, at module level or inside functions."""
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                imported.add(node.module.split(".")[0])
            else:
                imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("skautoencoder."):
            imported.add(node.module.split(".")[1])
    return imported


def import_graph():
    modules = {path.stem: path for path in PACKAGE.glob("*.py")}
    # "from . import X" names a module only when X is one; else it is a package attribute.
    return {
        name: {target for target in package_imports(path) if target in modules} - {name}
        for name, path in modules.items()
    }


def find_cycle(graph):
    state = {}

    def visit(node, trail):
        state[node] = "open"
        for target in sorted(graph[node]):
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


def test_no_import_cycle_inside_the_package():
    graph = import_graph()
    # __init__ gathers the public names; the modules must never need it.
    graph.pop("__init__", None)
    graph = {name: targets - {"__init__"} for name, targets in graph.items()}
    assert find_cycle(graph) is None, f"import cycle: {' -> '.join(find_cycle(graph))}"


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_modules_stay_small(path):
    assert len(path.read_text().splitlines()) <= MAX_MODULE_LINES


def test_the_public_estimator_class_stays_thin():
    tree = ast.parse((PACKAGE / "_estimator.py").read_text())
    (cls,) = [node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "AutoencoderTransformer"]
    docstring = cls.body[0]
    lines = (cls.end_lineno - cls.lineno + 1) - (docstring.end_lineno - docstring.lineno + 1)
    assert lines <= MAX_ESTIMATOR_CLASS_LINES
