"""The edge of the store: who is asking and by which address, behind a reverse proxy or not.

A reverse proxy tells the store the client's address and scheme in `X-Forwarded-For` and `X-Forwarded-Proto`.
Anyone can send those headers, so they are believed only when the connection comes from one of
TRUSTED_PROXIES; `TrustForwardedHeaders` then rewrites the request's client and scheme once, before anything
else reads them, and `client_address(request)` is the one way the rest of the code asks for the address
(throttles, notices, the dev pages' guard). The Host header is checked against the allowed hosts by Litestar's
own AllowedHostsMiddleware (`allowed_hosts_config`).
"""
from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from litestar.config.allowed_hosts import AllowedHostsConfig
from litestar.connection import ASGIConnection
from litestar.datastructures import Headers
from litestar.types import ASGIApp, Receive, Scope, Send

from storefront.settings import Settings

UNKNOWN = "unknown"
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_address(request: ASGIConnection) -> str:
    """The client's IP address: the connection's peer, or what a trusted proxy said it forwarded for."""
    return request.client.host if request.client else UNKNOWN


def _networks(settings: Settings) -> tuple[_Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in settings.trusted_proxies)


def _is_trusted(address: str, networks: tuple[_Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def forwarded_client(peer: str, forwarded_for: str, networks: tuple[_Network, ...]) -> str:
    """The first address, from the right, that is not one of our proxies: each proxy appends the address it
    heard from, so everything left of that could have been written by the client itself."""
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            return hop
    return hops[0] if hops else peer


class TrustForwardedHeaders:
    """ASGI middleware: when the peer is a trusted proxy, the client and scheme it forwarded become the
    request's own. From anyone else the headers change nothing."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.networks = _networks(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] in ("http", "websocket") and self.networks and client and _is_trusted(client[0],
                                                                                              self.networks):
            headers = Headers.from_scope(scope)
            forwarded_for = headers.get("x-forwarded-for")
            if forwarded_for:
                scope["client"] = (forwarded_client(client[0], forwarded_for, self.networks), 0)
            # The proxy nearest to us writes last: its word is the rightmost.
            proto = (headers.get("x-forwarded-proto") or "").rsplit(",", 1)[-1].strip().lower()
            if proto in ("http", "https"):
                scope["scheme"] = proto if scope["type"] == "http" else {"http": "ws", "https": "wss"}[proto]
        await self.app(scope, receive, send)


def allowed_hosts_config(settings: Settings) -> AllowedHostsConfig:
    """PUBLIC_BASE_URL's host and ALLOWED_HOSTS; any other Host header is answered 400.

    Each host is listed bare and, when PUBLIC_BASE_URL names a port, with that port too: Litestar 2.22 to 2.25
    compare the whole Host header, port included (litestar-org/litestar#4869)."""
    public = urlsplit(settings.public_base_url)
    hosts = [public.hostname or "", *settings.allowed_hosts]
    with_ports = [f"{host}:{public.port}" for host in hosts if public.port and ":" not in host]
    return AllowedHostsConfig(allowed_hosts=sorted({host for host in [*hosts, *with_ports] if host}),
                              www_redirect=False)
