"""CSRF protection for every unsafe method, without a cookie for anonymous readers.

Two checks, both required:
- the browser's own word: a cross-site `Sec-Fetch-Site`, an opaque `Origin: null` (a sandboxed frame, a
  redirect across sites) or an `Origin` other than PUBLIC_BASE_URL's is refused. The public address, not the
  `Host` header: behind a reverse proxy the Host the app sees is not what the browser visited, and a Host
  header is the requester's to write;
- a signed token in the form (`_csrf`) or the `X-CSRF-Token` header. Once a session exists the token is
  bound to it. Before that (signing in, signing up, a first "add to cart") it is bound to nothing
  and expires after a few hours; only handlers marked `opt={"csrf": "anonymous"}` accept such a token.
Handlers that authenticate otherwise (a payment provider's signed notification) are marked
`opt={"csrf": "exempt"}`.
"""
from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import urlsplit

from litestar import Request
from litestar.exceptions import PermissionDeniedException

from storefront.inputs import MAX_TIMESTAMP, parse_whole, same_signature
from storefront.web.viewer import Viewer

FIELD = "_csrf"
HEADER = "X-CSRF-Token"
ANONYMOUS_MAX_AGE = 6 * 3600
# Tokens are issued on the hour, so a page renders the same bytes all hour long and a browser that asks
# again gets a 304 (storefront/web/transfer.py) instead of the same page with another token. An anonymous
# token therefore lasts 5 to 6 hours.
ISSUE_STEP = 3600
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class CsrfFailed(PermissionDeniedException):
    detail = "This form has expired or did not come from this shop. Please go back, reload and try again."


def _sign(secret: str, binding: str, issued: int) -> str:
    return hmac.new(secret.encode(), f"{binding}|{issued}".encode(), hashlib.sha256).hexdigest()


def _binding(viewer: Viewer) -> str:
    return f"session:{viewer.session.token_hash}" if viewer.session else "anonymous"


def issue(secret: str, viewer: Viewer, now: float | None = None) -> str:
    issued = int(now if now is not None else time.time()) // ISSUE_STEP * ISSUE_STEP
    return f"{issued}.{_sign(secret, _binding(viewer), issued)}"


def verify(secret: str, viewer: Viewer, token: str, *, allow_anonymous: bool, now: float | None = None) -> bool:
    issued_text, _, signature = (token or "").partition(".")
    issued = parse_whole(issued_text, MAX_TIMESTAMP)
    if issued is None or not signature:
        return False
    now = now if now is not None else time.time()
    if viewer.session and same_signature(signature, _sign(secret, _binding(viewer), issued)):
        return True
    if not allow_anonymous or now - issued > ANONYMOUS_MAX_AGE:
        return False
    return same_signature(signature, _sign(secret, "anonymous", issued))


_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> tuple[str, str, int | None] | None:
    """(scheme, host, port) with the scheme's default port filled in; None for what is not a URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname:
        return None
    return parts.scheme.lower(), parts.hostname.lower(), port


def _same_origin(request: Request, public_base_url: str) -> bool:
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        return False
    origin = request.headers.get("Origin")
    if origin is None:
        # Older browsers and non-browser clients send none; the signed token below still has to match.
        return True
    return origin != "null" and origin_of(origin) == origin_of(public_base_url)


async def check(request: Request, viewer: Viewer, secret: str, public_base_url: str) -> None:
    if request.method in SAFE_METHODS:
        return
    mode = request.route_handler.opt.get("csrf")
    if mode == "exempt":
        return
    if not _same_origin(request, public_base_url):
        raise CsrfFailed()
    token = request.headers.get(HEADER)
    if token is None and request.content_type[0] in ("application/x-www-form-urlencoded", "multipart/form-data"):
        token = (await request.form()).get(FIELD)
    if not verify(secret, viewer, token or "", allow_anonymous=mode == "anonymous"):
        raise CsrfFailed()
