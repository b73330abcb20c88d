"""Who is asking, as far as throttles are concerned: the client's network address, in one place.

Today the peer address of the connection. Behind a reverse proxy that is the proxy's: swap this for the
function that honours X-Forwarded-For from trusted proxies only, and every throttle follows.
"""
from __future__ import annotations

from litestar import Request


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
