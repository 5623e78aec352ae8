"""The shape of the package: no import cycle inside ``renderer/``."""

from __future__ import annotations

import ast
from pathlib import Path

import renderer

ROOT = Path(renderer.__file__).parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported(tree: ast.Module, module: str, is_package: bool) -> set[str]:
    """The renderer modules ``module`` imports, at module level or inside functions (a
    deferred import that closes a loop is a cycle all the same), outside
    ``if TYPE_CHECKING:`` (annotations only)."""
    found: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.If):
                test = node.test
                if isinstance(test, ast.Name) and test.id == "TYPE_CHECKING":
                    visit(node.orelse)
                    continue
                visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for handler in node.handlers:
                    visit(handler.body)
                visit(node.orelse)
                visit(node.finalbody)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.With)):
                visit(node.body)
            elif isinstance(node, (ast.For, ast.While)):
                visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.split(".")[0] == "renderer")
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                if target.split(".")[0] != "renderer":
                    continue
                found.add(target)
                for alias in node.names:  # ``from . import x`` may name a submodule
                    found.add(f"{target}.{alias.name}")

    visit(tree.body)
    return found


def import_graph() -> dict[str, set[str]]:
    paths = {_module_name(p): p for p in ROOT.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = _imported(tree, name, path.name == "__init__.py")
        edges = set()
        for target in imported:
            # importing a.b.c loads a and a.b first: parents count as edges too, except the
            # importing module's own packages (already loading when it runs)
            parts = target.split(".")
            for i in range(1, len(parts) + 1):
                candidate = ".".join(parts[:i])
                own_package = name.startswith(candidate + ".")
                if candidate in paths and candidate != name and not own_package:
                    edges.add(candidate)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                connect(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_the_checker_sees_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_a_module_importing_a_sibling_is_no_cycle_with_its_package():
    graph = import_graph()
    # accessible/__init__ imports finisher, which imports its sibling weasytags
    assert "renderer.accessible" not in graph["renderer.accessible.finisher"]
    assert "renderer.accessible.weasytags" in graph["renderer.accessible.finisher"]


def test_the_checker_reads_relative_imports():
    tree = ast.parse(
        "from .x import y\nif TYPE_CHECKING:\n    from .t import u\n"
        "def f():\n    from ..z import w\n"
    )
    assert _imported(tree, "renderer.http.app", False) == {
        "renderer.http.x",
        "renderer.http.x.y",
        "renderer.z",
        "renderer.z.w",
    }


def test_no_import_cycle_inside_renderer():
    graph = import_graph()
    assert len(graph) > 40  # the whole package was read
    assert cycles(graph) == []
