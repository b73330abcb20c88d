"""Bad input stops at the door: the HTTP side of `storefront.inputs`.

- `Id`, the type of every id in a path (`{review_id:int}` with `review_id: Id`): 1 to MAX_ID, so a number
  no table can hold never reaches a query; out of range is the 404 page, like an id that names nothing
  (`storefront.web.errors`). A unit test checks every `:int` path parameter uses it.
- `RefuseUnreadableAddresses`, the app's middleware: a path or query string holding NUL or another control
  character answers the 404 (path) or 400 (query) page before any handler, static files included, sees it.
- `unreadable_fields(form)`: the form fields holding such characters, with a message for each; the app's
  `before_request` (`check_posted_form`) refuses those forms with the 400 page naming the fields, before any
  handler writes them.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import parse_qsl

from litestar import Request
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import PathParameter
from litestar.types import ASGIApp, Receive, Scope, Send

from storefront.inputs import MAX_ID, UNREADABLE_TEXT, has_unreadable_characters
from storefront.web.unavailable import keep_typed_fields

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

Id = Annotated[int, PathParameter(ge=1, le=MAX_ID)]


class UnreadableInput(HTTPException):
    """A field, a path or a query string held characters text cannot hold: the 400 page says which."""

    status_code = 400

    def __init__(self, problems: Mapping[str, str]) -> None:
        super().__init__(detail="unreadable input")
        self.problems = dict(problems)
        names = ", ".join(f"“{name}”" for name in self.problems)
        self.page_message = (f"{UNREADABLE_TEXT} Please go back and retype {names}: "
                             "what was typed there was not sent.")


def unreadable_fields(form: Mapping[str, Any] | Any) -> dict[str, str]:
    """Field name → message for each text field (or field name) that holds an unreadable character."""
    items = form.multi_items() if hasattr(form, "multi_items") else list(form.items())
    problems: dict[str, str] = {}
    for name, value in items:
        if has_unreadable_characters(name) or (isinstance(value, str) and has_unreadable_characters(value)):
            problems[name if not has_unreadable_characters(name) else "a field name"] = UNREADABLE_TEXT
    return problems


async def check_posted_form(request: Request) -> None:
    """Raises UnreadableInput, the 400 page naming the fields, when a posted form holds unreadable text;
    keeps the fields for the page that gives them back if the database is busy (storefront.web.unavailable)."""
    if request.method in ("GET", "HEAD", "OPTIONS") or request.content_type[0] not in _FORM_TYPES:
        return
    form = await request.form()
    keep_typed_fields(request, form)
    problems = unreadable_fields(form)
    if problems:
        raise UnreadableInput(problems)


def _unreadable_query(query_string: bytes) -> bool:
    text = query_string.decode("latin-1")
    if has_unreadable_characters(text):
        return True
    return any(has_unreadable_characters(key) or has_unreadable_characters(value)
               for key, value in parse_qsl(text, keep_blank_values=True, errors="replace"))


class RefuseUnreadableAddresses:
    """NUL in a path makes the file system raise ("embedded null byte"), and in a query reaches PostgreSQL,
    which refuses it: both are refused here, once, for every route, as the 404 or 400 page."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if has_unreadable_characters(scope["path"]):
                raise NotFoundException()
            if _unreadable_query(scope.get("query_string", b"")):
                raise UnreadableInput({"the address": UNREADABLE_TEXT})
        await self.app(scope, receive, send)
