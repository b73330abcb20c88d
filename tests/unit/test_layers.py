"""Controllers translate HTTP; read models and services read and write: storefront/web/ touches no table.

Each module under storefront/web/ is parsed: an import of a `tables` module (`x.tables`, or `tables` from a
package) or of Piccolo fails, and so does a query method called on anything that is, once the module is
imported, a Piccolo Table class (however it got there).
"""
from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import Any

from piccolo.table import Table

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "storefront" / "web"
QUERY_METHODS = {"select", "objects", "update", "insert", "delete", "count", "exists", "raw", "all_columns",
                 "create_table", "alter"}


def _forbidden(module: str) -> bool:
    return module == "tables" or module.endswith(".tables") or module == "piccolo" or module.startswith("piccolo.")


def _web_modules() -> list[Path]:
    return sorted(WEB.rglob("*.py"))


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _table_imports(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if _forbidden(alias.name)]
        elif isinstance(node, ast.ImportFrom):
            base = ("." * node.level) + (node.module or "")
            if _forbidden(node.module or ""):
                found.append(base)
            found += [f"{base}.{alias.name}" for alias in node.names if _forbidden(alias.name)]
    return found


def _dotted(node: ast.expr) -> list[str] | None:
    """`Offer.variant` as ["Offer", "variant"]; None for anything but names and attributes."""
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Attribute) and (head := _dotted(node.value)) is not None:
        return [*head, node.attr]
    return None


def _resolve(namespace: dict[str, Any], dotted: list[str]) -> Any:
    value: Any = namespace.get(dotted[0])
    for name in dotted[1:]:
        value = getattr(value, name, None)
    return value


def _is_table(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, Table)


def _table_queries(tree: ast.AST, namespace: dict[str, Any]) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in QUERY_METHODS and (dotted := _dotted(node.func.value)) is not None
                and _is_table(_resolve(namespace, dotted))):
            found.append(f"{'.'.join(dotted)}.{node.func.attr}() line {node.lineno}")
    return found


def test_no_web_module_imports_a_table_module_or_piccolo() -> None:
    offenders = {path.relative_to(ROOT).as_posix(): imports for path in _web_modules()
                 if (imports := _table_imports(ast.parse(path.read_text(), filename=str(path))))}
    assert offenders == {}


def test_no_web_module_runs_a_query_on_a_table() -> None:
    offenders = {}
    for path in _web_modules():
        namespace = vars(importlib.import_module(_module_name(path)))
        if queries := _table_queries(ast.parse(path.read_text(), filename=str(path)), namespace):
            offenders[path.relative_to(ROOT).as_posix()] = queries
    assert offenders == {}


def test_the_check_sees_a_query_and_a_table_import() -> None:
    """A check of the check: the walk would catch the shapes it forbids."""
    from storefront.sellers.tables import Offer

    tree = ast.parse("from storefront.sellers.tables import Offer\nfrom storefront.cart import tables\n"
                     "import piccolo.columns\nOffer.select(Offer.id)\nOffer.variant.count()\n")
    assert _table_imports(tree) == ["storefront.sellers.tables", "storefront.cart.tables", "piccolo.columns"]
    assert _table_queries(tree, {"Offer": Offer}) == ["Offer.select() line 4"]
    assert len(_web_modules()) > 20
