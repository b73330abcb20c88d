"""HTMX conventions: a full page for normal requests, the partial for HTMX swaps, and Vary always."""
from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.response import Template


def wants_fragment(request: Request) -> bool:
    """An HTMX swap gets the partial; a history restore or a boosted navigation needs the full page."""
    if request.headers.get("HX-Request") != "true":
        return False
    return request.headers.get("HX-History-Restore-Request") != "true" and request.headers.get("HX-Boosted") != "true"


def page_or_fragment(request: Request, page: str, fragment: str, context: dict[str, Any],
                     status_code: int = 200) -> Template:
    name = fragment if wants_fragment(request) else page
    return Template(template_name=name, context=context, status_code=status_code)
