"""The domain knows nothing of search but its outbox: only the web layer and the wiring import search_index."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STOREFRONT = ROOT / "storefront"
# Composition roots: the app factory, the command line, and the web layer that serves search pages.
MAY_IMPORT_SEARCH = ("storefront/app.py", "storefront/manage.py", "storefront/web/")


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _domain_modules() -> list[Path]:
    return [path for path in sorted(STOREFRONT.rglob("*.py"))
            if not path.relative_to(ROOT).as_posix().startswith(MAY_IMPORT_SEARCH)]


def test_no_domain_module_imports_search_index() -> None:
    offenders = [path.relative_to(ROOT).as_posix() for path in _domain_modules()
                 if any(name == "search_index" or name.startswith("search_index.")
                        for name in _imported_modules(path))]
    assert offenders == []


def test_no_domain_module_mentions_the_index_sync() -> None:
    offenders = [path.relative_to(ROOT).as_posix() for path in _domain_modules()
                 if "IndexSync" in path.read_text() or "OutboxDrainer" in path.read_text()]
    assert offenders == []


def test_the_domain_outbox_is_where_writes_mark_variants() -> None:
    """A check of the check: the walk does see the domain, and the outbox module is part of it."""
    seen = {path.relative_to(ROOT).as_posix() for path in _domain_modules()}
    assert {"storefront/catalog/outbox.py", "storefront/sellers/services.py", "storefront/orders/placement.py"} <= seen
    assert "storefront/web/browse.py" not in seen
