"""Who may enter each area of the store, declared on its Router (see storefront.web.areas).

The viewer is known before guards run (storefront.web.viewer.IdentifyViewer). Anonymous visitors of a
private area are sent to sign in, then back; signed-in people without the role get a 403 page. Objects inside
an area (my order N, a seller's order N) are still scoped to their owner by the domain: someone else's answers
404, like a missing one.
"""
from __future__ import annotations

from urllib.parse import quote

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.response import Redirect
from litestar.types import Guard

from storefront.settings import Settings
from storefront.web.edge import client_address
from storefront.web.viewer import SignInRequired, Viewer, viewer_of

PUBLIC = {"access": "public"}  # the explicit marker of a handler or Router that anyone may reach
LOCAL_CLIENTS = frozenset({"127.0.0.1", "::1", "localhost", "testclient"})  # "testclient": Litestar's test client
PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


class NotASeller(PermissionDeniedException):
    page_message = "The seller portal is open only to the accounts of professional sellers."


def _signed_in(connection: ASGIConnection) -> Viewer:
    viewer = viewer_of(connection)
    if not viewer.is_signed_in:
        raise SignInRequired()
    return viewer


def requires_sign_in(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    _signed_in(connection)


def requires_seller(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if not _signed_in(connection).is_seller:
        raise NotASeller()


def requires_operator(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if not _signed_in(connection).is_operator:
        raise PermissionDeniedException()


def requires_dev_machine(settings: Settings) -> Guard:
    """Development pages (the mailbox shows password reset links) exist only in the demo store (production does
    not mount them), on this machine, when no SMTP server is set, and never through a proxy (behind a reverse
    proxy on the same host every client would look local). 404, not 403: outside this machine they do not
    exist."""

    def dev_machine_only(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        local = client_address(connection) in LOCAL_CLIENTS
        proxied = any(name in connection.headers for name in PROXY_HEADERS)
        if settings.smtp_host or not local or proxied:
            raise NotFoundException()

    return dev_machine_only


# The longest page address a sign-in carries along (`next`): longer is no page a person came from.
MAX_NEXT_LENGTH = 2000


def redirect_to_sign_in(request: Request, _: SignInRequired) -> Redirect:
    # After a POST there is no page to come back to with the same request: the path is enough.
    query = request.url.query if request.method == "GET" else ""
    target = request.url.path + (f"?{query}" if query else "")
    if len(quote(target, safe="/")) > MAX_NEXT_LENGTH:
        # safe_next would refuse it, and a Location that long is refused by some clients: the page alone.
        target = request.url.path[:MAX_NEXT_LENGTH]
    return Redirect(path=f"/login?next={quote(target, safe='/')}", status_code=303)
