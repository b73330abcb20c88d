"""How every response travels: HEAD answered as GET, bodies compressed, unchanged bodies answered 304.

`transfer_layer` wraps the whole application, outside Litestar's router, in this order:

1. `HeadAsGet`: the router answers 405 to HEAD on a route declared for GET only, so HEAD reaches the
   app as GET and its body is dropped on the way out; HEAD therefore sends exactly GET's headers,
   Content-Length and Content-Encoding included, wherever GET answers.
2. Litestar's `CompressionMiddleware`: brotli when the browser accepts it, gzip otherwise; responses
   under `MINIMUM_SIZE` go as they are. It adds `Accept-Encoding` to whatever `Vary` the page set.
3. `ConditionalGet`: a 200 answer to GET gets a weak ETag of its identity body (unless it brought its own,
   as static files do) and becomes a 304 when the request's `If-None-Match` names it, or, without one,
   when `If-Modified-Since` is not older than its `Last-Modified`. It sits inside the compression because
   gzip writes the time into its output: only the identity body hashes to the same tag twice.

Answers about one visitor (`Cache-Control: private` or `no-store`, or one that sets a cookie) get no ETag.
"""
from __future__ import annotations

import hashlib
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from litestar.config.compression import CompressionConfig
from litestar.datastructures import Headers, MutableScopeHeaders
from litestar.middleware.compression import CompressionMiddleware

if TYPE_CHECKING:
    from litestar.types import ASGIApp, HTTPResponseStartEvent, Message, Receive, Scope, Send

# Below about a kilobyte compression saves less than a packet and costs a compressor each time.
MINIMUM_SIZE = 1024
# Brotli 5 makes pages about 11 % smaller than gzip at no more time (docs/performance.md); gzip 6 is as
# small as gzip 9 within 1 % and quicker.
COMPRESSION = CompressionConfig(backend="brotli", brotli_quality=5, gzip_compress_level=6,
                                minimum_size=MINIMUM_SIZE)


def transfer_layer(app: ASGIApp) -> ASGIApp:
    return HeadAsGet(CompressionMiddleware(ConditionalGet(app), config=COMPRESSION))


class HeadAsGet:
    """HEAD is GET without the body (RFC 9110 9.3.2): one rule for every route instead of a HEAD handler each."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            # The server (and Litestar's before_send hooks, which read this same scope) see a HEAD again from
            # the moment the answer starts.
            scope["method"] = "HEAD"
            if message["type"] != "http.response.body":
                await send(message)
            elif not message.get("more_body", False):
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        # The scope itself, not a copy: what the router records in it (the route handler and its opt, such as
        # "no-store") must reach the hooks that send the headers, as for a GET.
        scope["method"] = "GET"
        try:
            await self.app(scope, receive, send_headers_only)
        finally:
            scope["method"] = "HEAD"


def weak_etag(body: bytes) -> str:
    return f'W/"{hashlib.blake2b(body, digest_size=12).hexdigest()}"'


def _opaque(tag: str) -> str:
    """Weak comparison (RFC 9110 8.8.3.2): `W/"x"` and `"x"` name the same representation."""
    return tag.strip().removeprefix("W/")


def is_not_modified(request: Headers, etag: str, last_modified: str | None) -> bool:
    if_none_match = request.get("if-none-match")
    if if_none_match is not None:
        named = if_none_match.split(",")
        return any(tag.strip() == "*" or _opaque(tag) == _opaque(etag) for tag in named)
    if_modified_since = request.get("if-modified-since")
    if if_modified_since is None or last_modified is None:
        return False
    try:
        return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False


def _about_one_visitor(headers: MutableScopeHeaders) -> bool:
    cache_control = headers.get("cache-control", "").lower()
    return "no-store" in cache_control or "private" in cache_control or "set-cookie" in headers


class ConditionalGet:
    """ETag and 304 for every complete 200 answer to GET; streamed answers and errors pass untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        request = Headers.from_scope(scope)
        held: HTTPResponseStartEvent | None = None

        async def send_conditionally(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start" and message["status"] == 200:
                held = message  # until the body shows whether it is complete and unchanged
                return
            if held is None or message["type"] != "http.response.body":
                await send(message)
                return
            start, held = held, None
            headers = MutableScopeHeaders(start)
            if message.get("more_body", False) or _about_one_visitor(headers):
                await send(start)
                await send(message)
                return
            etag = headers.get("etag") or weak_etag(message["body"])
            headers["etag"] = etag
            if not is_not_modified(request, etag, headers.get("last-modified")):
                await send(start)
                await send(message)
                return
            del headers["content-length"]
            await send({**start, "status": 304})
            await send({"type": "http.response.body", "body": b"", "more_body": False})

        await self.app(scope, receive, send_conditionally)
