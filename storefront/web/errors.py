"""Error pages: every error on an HTML route is an HTML page, never raw JSON; a 500 logs its traceback."""
from __future__ import annotations

import logging

from litestar import Request, Response
from litestar.enums import ParamType
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Template
from litestar.status_codes import HTTP_404_NOT_FOUND, HTTP_500_INTERNAL_SERVER_ERROR

from storefront.errors import NotFound

log = logging.getLogger("storefront.errors")

MESSAGES = {
    400: ("Something in that request was not right", "Please check the address or the form and try again."),
    403: ("You cannot do that", "This page or action is not open to your account."),
    404: ("We could not find that page", "The product may have moved, or the address may be mistyped."),
    405: ("That action is not available here", "Please go back and try again."),
    410: ("This product is no longer offered", "It was removed from the store. Similar products are still here."),
    429: ("Too many requests", "Please wait a moment before trying again."),
    500: ("Something went wrong on our side", "We have been told about it. Please try again in a moment."),
}


class GoneException(HTTPException):
    status_code = 410
    detail = "Gone"


def error_page(request: Request, status_code: int, detail: str | None = None) -> Template:
    title, message = MESSAGES.get(status_code, MESSAGES[400] if status_code < 500 else MESSAGES[500])
    return Template(
        template_name="pages/error.html",
        context={"status_code": status_code, "title": title, "message": detail or message},
        status_code=status_code,
    )


def http_exception_handler(request: Request, exc: HTTPException) -> Response:
    if exc.status_code >= 500:
        log.error("%d on %s %s", exc.status_code, request.method, request.url.path, exc_info=exc)
    if _names_nothing(exc):
        return error_page(request, HTTP_404_NOT_FOUND)
    return error_page(request, exc.status_code, getattr(exc, "page_message", None))


def _names_nothing(exc: HTTPException) -> bool:
    """A path whose id is out of range (storefront.web.inputs.Id) names no object: 404, like a missing one."""
    return isinstance(exc, ValidationException) and any(
        isinstance(problem, dict) and problem.get("source") == ParamType.PATH for problem in exc.extra or [])


def not_found_handler(request: Request, _: NotFound) -> Response:
    """The domain's one "not found" (missing, or someone else's) is the 404 page on every route."""
    return error_page(request, HTTP_404_NOT_FOUND)


def internal_error_handler(request: Request, exc: Exception) -> Response:
    log.error("500 on %s %s", request.method, request.url.path, exc_info=exc)
    return error_page(request, HTTP_500_INTERNAL_SERVER_ERROR)
