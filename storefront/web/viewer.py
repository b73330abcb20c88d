"""Who is asking: the session (only if the request carries its cookie), the account and the cart badge.

Anonymous requests without a cookie cost nothing here: no query, no row, no cookie. The viewer is loaded by a
middleware, so guards, handlers (through the `viewer` dependency) and templates all see the same one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.enums import ScopeType
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from storefront.accounts import sessions
from storefront.accounts.sessions import SESSION_LIFETIME, SessionState
from storefront.accounts.views import viewer_account
from storefront.settings import Settings

SESSION_COOKIE = "encore_session"


class SignInRequired(NotAuthorizedException):
    """Raised for anonymous visitors; the app answers with a redirect to the sign-in page."""


@dataclass
class Viewer:
    session: SessionState | None = None
    account: dict[str, Any] | None = None
    cart_count: int = 0

    @property
    def signed_in_account(self) -> dict[str, Any]:
        """The account, for handlers behind a sign-in guard: there it is always present, and an anonymous
        request that reached one anyway is sent to sign in rather than failing on a missing account."""
        if self.account is None:
            raise SignInRequired()
        return self.account

    @property
    def is_signed_in(self) -> bool:
        return self.account is not None

    @property
    def is_seller(self) -> bool:
        return bool(self.account and self.account["role"] == "seller" and self.account["seller"])

    @property
    def is_operator(self) -> bool:
        return bool(self.account and self.account["role"] == "operator")


ANONYMOUS = Viewer()


async def load_viewer(request: ASGIConnection) -> Viewer:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return ANONYMOUS
    session = await sessions.load(token)
    if session is None:
        return ANONYMOUS
    account = None
    if session.account_id is not None:
        account = await viewer_account(session.account_id)
    cart_count = 0
    if session.cart_id:
        from storefront.cart.service import item_count

        cart_count = await item_count(session.cart_id)
    return Viewer(session=session, account=account, cart_count=cart_count)


def viewer_of(request: ASGIConnection) -> Viewer:
    return getattr(request.state, "viewer", ANONYMOUS)


class IdentifyViewer(ASGIMiddleware):
    """Loads the viewer into the request state before guards run (Litestar runs guards before the
    `before_request` hook, so a viewer loaded there would come too late for them). Pictures and static files
    need no viewer."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if not scope["path"].startswith(("/static/", "/media/")):
            scope.setdefault("state", {})["viewer"] = await load_viewer(ASGIConnection(scope))
        await next_app(scope, receive, send)


def session_cookie(token: str, settings: Settings) -> Cookie:
    return Cookie(key=SESSION_COOKIE, value=token, path="/", httponly=True, samesite="lax",
                  secure=settings.public_base_url.startswith("https://"),
                  max_age=int(SESSION_LIFETIME.total_seconds()))


def expired_session_cookie(settings: Settings) -> Cookie:
    return Cookie(key=SESSION_COOKIE, value="", path="/", httponly=True, samesite="lax",
                  secure=settings.public_base_url.startswith("https://"), max_age=0)
