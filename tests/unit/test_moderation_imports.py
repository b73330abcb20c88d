"""Moderation and the legal pages import downward only: no module of theirs imports another that imports it
back, so no import needs hiding inside a function to break a circle."""
from __future__ import annotations

import ast
from pathlib import Path

import storefront

ROOT = Path(storefront.__file__).parent
PACKAGES = ("moderation", "legal")


def _modules() -> dict[str, Path]:
    """Every module of storefront/, by dotted name (migrations aside: they are generated)."""
    found = {}
    for path in ROOT.rglob("*.py"):
        if "piccolo_migrations" in path.parts:
            continue
        parts = ("storefront", *path.relative_to(ROOT).with_suffix("").parts)
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imports(tree: ast.AST, modules: dict[str, Path]) -> set[str]:
    """The storefront modules a module imports, wherever the import statement sits."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                if submodule in modules:
                    found.add(submodule)
                elif node.module in modules:
                    found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
    return found


def _in_scope(name: str) -> bool:
    return any(name.startswith(f"storefront.{package}") for package in PACKAGES)


def test_no_import_inside_a_function() -> None:
    hidden = []
    for name, path in _modules().items():
        if not _in_scope(name):
            continue
        for function in ast.walk(ast.parse(path.read_text())):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                hidden += [f"{name}:{node.lineno}" for node in ast.walk(function)
                           if isinstance(node, ast.Import | ast.ImportFrom)]
    assert hidden == []


def _cycle_from(start: str, graph: dict[str, set[str]]) -> list[str] | None:
    """A path start -> ... -> start through the import graph, or None."""
    stack, seen = [(start, [start])], set()
    while stack:
        name, path = stack.pop()
        for imported in sorted(graph.get(name, ())):
            if imported == start:
                return [*path, start]
            if imported not in seen:
                seen.add(imported)
                stack.append((imported, [*path, imported]))
    return None


def test_moderation_and_legal_import_without_a_cycle() -> None:
    """The whole storefront graph is walked, so a circle through another package counts too."""
    modules = _modules()
    graph = {name: _imports(ast.parse(path.read_text()), modules) for name, path in modules.items()}
    cycles = [cycle for name in sorted(graph) if _in_scope(name) and (cycle := _cycle_from(name, graph))]
    assert cycles == []


def test_legal_figures_takes_only_constants_from_the_bottom_of_moderation() -> None:
    modules = _modules()
    imported = _imports(ast.parse(modules["storefront.legal.figures"].read_text()), modules)
    assert {name for name in imported if name.startswith("storefront.moderation")} <= {
        "storefront.moderation.decisions"}
