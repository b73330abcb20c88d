"""Security headers on every response, and `Cache-Control: no-store` on every private one.

One `before_send` hook, so error pages, redirects and static files carry the same headers as pages. The
policy allows scripts and styles from the store itself only: no inline `<script>`, no `style=""` attribute
(htmx's own indicator style is turned off in templates/base.html), and no page may be framed, so "Order with
obligation to pay" and the seller's accept/refuse forms cannot be clicked through someone else's page.

A response is private when it is for someone the store knows (a session cookie: signed in, a cart, and so
every page of the account, checkout, the seller portal and the console) or when its route is declared
`NO_STORE` (the sign-in, sign-up and password forms, in storefront.web.areas). Public pages keep the caching
their handlers chose: a product page's add-to-cart token is bound to no one.
"""
from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import BeforeMessageSendHookHandler, Message, Scope

from storefront.settings import Settings

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
HSTS = "max-age=31536000"  # a year; no includeSubDomains: the operator's other hosts are not ours to decide
NO_STORE = {"cache": "no-store"}  # route opt: no cache may keep this page, whoever asks


def _is_private(scope: Scope) -> bool:
    viewer = scope.get("state", {}).get("viewer")
    if viewer is not None and viewer.session is not None:
        return True
    handler = scope.get("route_handler")
    return handler is not None and handler.opt.get("cache") == NO_STORE["cache"]


def content_security_policy(settings: Settings) -> str:
    """The policy above; with Stripe, its hosted payment page joins `form-action`: "Order" and "Pay" are forms
    whose answer redirects there, and browsers hold a form's redirects to the form's page's policy."""
    if settings.payment_provider != "stripe":
        return CONTENT_SECURITY_POLICY
    return CONTENT_SECURITY_POLICY.replace("form-action 'self'",
                                           f"form-action 'self' {settings.stripe_checkout_origin}")


def security_headers(settings: Settings) -> BeforeMessageSendHookHandler:
    """Litestar's `before_send` hook: it sees every response the app sends, unmatched paths and the allowed
    hosts' 400 included, which a route's middleware would not."""
    fixed = {
        "content-security-policy": content_security_policy(settings),
        "x-content-type-options": "nosniff",
        "referrer-policy": "strict-origin-when-cross-origin",
        "x-frame-options": "DENY",
        "cross-origin-opener-policy": "same-origin",
    }
    # HSTS over plain http is ignored by browsers; over https it keeps the next visit off plain http.
    if settings.public_base_url.startswith("https://"):
        fixed["strict-transport-security"] = HSTS

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        for name, value in fixed.items():
            headers[name] = value
        # A handler's own "private, no-store" (downloads, inspection photos) says the same and more: kept.
        if _is_private(scope) and headers.get("cache-control") != "private, no-store":
            headers["cache-control"] = "no-store"

    return add_headers
