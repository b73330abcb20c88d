"""Who is calling the seller API: the `Authorization: Bearer <token>` header, and nothing else.

The guard of the API's Router (storefront.web.areas) finds the seller the token speaks for
(storefront.api.tokens), counts the call against that token's rate (`SELLER_API_REQUESTS_PER_TOKEN`) and
leaves the seller's id for the `seller_id` dependency. A session cookie, if the request carries one, is never
looked at: a browser attaches cookies to any request, even one another site makes it send, whereas it sends
an Authorization header only when a script of the calling page sets it, which a script of another site cannot
do across origins without a CORS preflight this API never grants. So the token is the one credential here,
and the CSRF check (storefront.web.csrf), which exists because of cookies, is skipped for requests that
carry it (`carries_bearer_token`, used by create_app's `protect`); a request without one never gets past
this guard.
"""
from __future__ import annotations

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, TooManyRequestsException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from storefront.api import tokens
from storefront.throttle import Throttle
from storefront.web.seller_api.problems import is_api

_SELLER = "seller_api_seller_id"
CHALLENGE = 'Bearer realm="Encore seller API"'


def _bearer(connection: ASGIConnection) -> str | None:
    scheme, _, token = connection.headers.get("Authorization", "").strip().partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def carries_bearer_token(request: Request) -> bool:
    """A seller API request authenticated by its Authorization header (the guard has checked the token)."""
    return is_api(request) and _bearer(request) is not None


def requires_api_token(throttle: Throttle) -> Guard:
    async def requires_api_token(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        token = _bearer(connection)
        if token is None:
            raise NotAuthorizedException(
                detail="Send your API token in the Authorization header: `Authorization: Bearer enc_…`. "
                       "Tokens are made in the seller portal, under API and webhooks.",
                headers={"WWW-Authenticate": CHALLENGE})
        holder = await tokens.holder_of(token)
        if holder is None:
            raise NotAuthorizedException(detail="This API token is wrong or was revoked.",
                                         headers={"WWW-Authenticate": CHALLENGE + ', error="invalid_token"'})
        if not await throttle.hit(str(holder.token_id)):
            wait = await throttle.wait_seconds(str(holder.token_id))
            raise TooManyRequestsException(
                detail=f"This token made more calls than its rate allows ({throttle.rate}): retry in {wait} s.",
                headers={"Retry-After": str(wait)})
        connection.state[_SELLER] = holder.seller_id

    return requires_api_token


def api_seller(request: Request) -> int:
    """The seller whose data this request may touch: the one its token speaks for."""
    return int(request.state[_SELLER])
