"""Errors of the seller API as problem details (RFC 9457), `application/problem+json`, never an HTML page.

Every error under /api/seller/v1 comes here, whoever raised it: a guard (401, 429), Litestar's router (404 for
an unknown path, 405), its validation of parameters and bodies (400), the domain (`NotFound` 404, `Refused`
422, `TransitionError` 409), the database being busy (503) or a bug (500, logged). create_app() wraps each of
its error handlers with `unless_api`, so HTML pages keep their HTML error pages.

`type` is `about:blank` (RFC 9457 §4.2.1): the status says what kind of problem it is and `title` is that
status's phrase; `detail` says what happened this time, `instance` is the path asked. Problems about the
request's content carry `errors`: one entry per field at fault, with a JSON Pointer into the body (`pointer`,
RFC 6901) or the parameter's name (`parameter`), and a message.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.enums import ParamType
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec

from storefront.errors import NotFound, Refused
from storefront.orders.transitions import TransitionError
from storefront.web.unavailable import RETRY_AFTER_SECONDS, is_busy, is_connection_lost, retry_once

log = logging.getLogger("storefront.errors")

API_PREFIX = "/api/seller/v1"
PROBLEM_JSON = "application/problem+json"


class FieldProblem(msgspec.Struct, omit_defaults=True):
    """One field at fault: `pointer` into the JSON body (`/changes/3/price_cents`), or the query or path
    `parameter` (`state`), and what is wrong with it."""

    message: str
    pointer: str | None = None
    parameter: str | None = None


class Problem(msgspec.Struct, omit_defaults=True):
    """A problem details object (RFC 9457)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[FieldProblem] | None = None


def is_api(request: Request) -> bool:
    path = request.url.path
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


def problem(request: Request, status: int, detail: str, *, errors: list[FieldProblem] | None = None,
            headers: Mapping[str, str] | None = None) -> Response[Problem]:
    return Response(Problem(type="about:blank", title=HTTPStatus(status).phrase, status=status, detail=detail,
                            instance=request.url.path, errors=errors),
                    status_code=status, media_type=PROBLEM_JSON, headers=dict(headers or {}))


# "Expected `int`, got `str` - at `$.changes[3].price_cents`": msgspec names the place in the body.
_AT = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_MISSING = re.compile(r"^Object missing required field `([^`]+)`")
_STEP = re.compile(r"\.([A-Za-z_][\w]*)|\[(\d+)\]")


def pointer_to(path: str) -> str:
    """`.changes[3].price_cents` (msgspec's path, or a domain field name) as the JSON Pointer
    `/changes/3/price_cents`."""
    steps = [name or index for name, index in _STEP.findall(path if path.startswith((".", "[")) else "." + path)]
    return "".join("/" + step.replace("~", "~0").replace("/", "~1") for step in steps)


def _parameter_name(request: Request, key: str) -> str:
    """The name the client sent (`state`) for a handler argument Litestar reports by its own name."""
    try:
        kwarg = request.route_handler.parsed_fn_signature.parameters[key].kwarg_definition
    except (KeyError, AttributeError):
        return key
    return getattr(kwarg, "query", None) or getattr(kwarg, "header", None) or key


def _validation_errors(request: Request, exc: ValidationException) -> list[FieldProblem]:
    found = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if not isinstance(item, dict):
            continue
        source, key, message = item.get("source"), item.get("key"), str(item.get("message", ""))
        if source in (ParamType.QUERY, ParamType.PATH, ParamType.HEADER, ParamType.COOKIE) and key:
            found.append(FieldProblem(message=message, parameter=_parameter_name(request, str(key))))
            continue
        match = _AT.match(message)
        text = match["message"] if match else message
        where = (match["path"] if match else None) or (f".{key}" if key and key != "data" else "")
        if missing := _MISSING.search(text):
            where += f".{missing[1]}"  # the field that is not there, rather than the object that lacks it
        found.append(FieldProblem(message=text, pointer=pointer_to(where) if where else ""))
    return found


def refused_errors(refused: Refused) -> list[FieldProblem]:
    return [FieldProblem(message=message, pointer=pointer_to(field)) for field, message in refused.problems.items()]


def api_problem(request: Request, exc: Exception) -> Response[Problem]:
    """The problem details of any exception raised while answering a seller API request."""
    if isinstance(exc, Refused):
        return problem(request, 422, exc.message, errors=refused_errors(exc))
    if isinstance(exc, TransitionError):
        return problem(request, 409, str(exc))
    if isinstance(exc, NotFound):
        return problem(request, 404, "There is no such object among yours.")
    if is_busy(exc) or is_connection_lost(exc):
        if is_connection_lost(exc):
            retry_once(request)  # as the pages do: once more on a fresh connection, then this 503
        log.warning("503 on %s %s: %s", request.method, request.url.path, exc)
        return problem(request, 503, "The store is busy: try again in a moment.",
                       headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    if isinstance(exc, ValidationException):
        errors = _validation_errors(request, exc)
        if any(e.parameter is not None for e in errors) and any(
                isinstance(item, dict) and item.get("source") == ParamType.PATH for item in exc.extra or []):
            # An id out of range names no object: 404, like a missing one (as the HTML pages answer).
            return problem(request, 404, "There is no such object among yours.")
        return problem(request, 400, "The request is not valid: see `errors`.", errors=errors or None)
    if isinstance(exc, HTTPException):
        if exc.status_code >= 500:
            log.error("%d on %s %s", exc.status_code, request.method, request.url.path, exc_info=exc)
        detail = exc.detail if exc.detail and exc.detail != HTTPStatus(exc.status_code).phrase else _DETAILS.get(
            exc.status_code, HTTPStatus(exc.status_code).phrase)
        return problem(request, exc.status_code, detail, headers=exc.headers)
    log.error("500 on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(request, 500, "Something went wrong on our side; it has been logged.")


_DETAILS = {
    401: "Send a valid API token: `Authorization: Bearer enc_…` (tokens are made in the seller portal).",
    404: "There is no such object among yours.",
    405: "This method is not allowed on this path.",
}

Handler = Callable[..., Any]


def unless_api(handler: Handler) -> Handler:
    """`handler` for the store's pages; problem details for the seller API."""

    def either(request: Request, exc: Any) -> Response:
        return api_problem(request, exc) if is_api(request) else handler(request, exc)

    either.__name__ = getattr(handler, "__name__", "either")
    return either


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """The OpenAPI description of the problems an operation may answer."""
    return {status: ResponseSpec(data_container=Problem, media_type=PROBLEM_JSON, generate_examples=False,
                                 description=f"{HTTPStatus(status).phrase} (problem details, RFC 9457)")
            for status in statuses}

