"""The one place the search outbox is drained: after the response to a request that wrote to it.

Domain writes only mark variants in the outbox (storefront.catalog.outbox). `DrainOutboxAfterResponse`
watches each HTTP request for such a mark and, once the response has been sent, reindexes what the outbox
holds; a request that marked nothing (every read) costs no query. The scheduled jobs and
`manage sync-index` call the same `OutboxDrainer.drain()` to catch up after an engine outage.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from search_index import build
from search_index.backends import SearchBackend
from storefront.catalog.outbox import stop_watching, watch_marks
from storefront.ranking import RankingWeights

log = logging.getLogger(__name__)

# ASGI's own types, spelled out so this module needs no web framework. As loose as this middleware's use of
# them (it reads scope["type"] and passes messages through untouched), so that a framework's stricter
# TypedDict scopes and messages fit them.
Scope = Mapping[str, Any]
Receive = Callable[[], Awaitable[Any]]
Send = Callable[[Any], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class OutboxDrainer:
    """Reindexes what the outbox holds, with the store's engine and ranking weights."""

    backend: SearchBackend
    weights: RankingWeights

    async def drain(self) -> int:
        return await build.drain(self.backend, self.weights)


class DrainOutboxAfterResponse:
    """ASGI middleware. The drain runs before the ASGI call returns, so whoever waits for the request to be
    fully handled (a test client, a graceful shutdown) sees search already up to date."""

    def __init__(self, app: ASGIApp, drainer: OutboxDrainer) -> None:
        self.app = app
        self.drainer = drainer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        marks, token = watch_marks()
        try:
            await self.app(scope, receive, send)
        finally:
            stop_watching(token)
            if marks.written:
                await self._drain()

    async def _drain(self) -> None:
        try:
            await self.drainer.drain()
        except Exception:
            # The response is already sent and the rows stay in the outbox: the next drain catches up.
            log.exception("draining the search outbox failed")
