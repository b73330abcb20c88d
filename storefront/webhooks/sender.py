"""Posting the events that wait: the `send-webhooks` job (storefront.jobs.registry) runs `deliver_due`.

Each due delivery is claimed before it is posted, by one conditional UPDATE that sets `claimed_by` only where
no live claim holds it, exactly as the mail outbox does: two senders (two processes, two hosts, a sweep and a
wake-up) never post one delivery twice, short of a sender dying between the endpoint's answer and the write
that records it (at least once). Receivers deduplicate by the event id, which every payload carries.

An attempt succeeds on a 2xx answer within TIMEOUT_SECONDS; redirects are not followed. A failed attempt
is retried after each delay of BACKOFF in turn, then the delivery is failed: 7 attempts over about 33 hours.
`now` is a parameter so tests drive the clock instead of sleeping.

In production (not the demo store) the host name is resolved at each attempt, every address it gives must be
on the public internet, and the request goes to the address that was checked (with the name in Host and in
TLS's SNI, so the certificate is still checked against the name): a name re-pointed at an internal address
after it was saved (DNS rebinding) reaches nothing inside.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import logging
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from storefront.settings import Settings
from storefront.webhooks.endpoints import is_public
from storefront.webhooks.signing import HEADER, signature_header
from storefront.webhooks.states import DeliveryStatus
from storefront.webhooks.tables import WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)
BACKOFF = (dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=30), dt.timedelta(hours=2),
           dt.timedelta(hours=6), dt.timedelta(hours=24))
MAX_ATTEMPTS = len(BACKOFF) + 1
TIMEOUT_SECONDS = 5.0
# Deliveries one claim takes: each seller's are posted in turn and the sellers' side by side, so a claim
# outlasts BATCH timeouts in a row.
BATCH = 20
CLAIM = dt.timedelta(seconds=BATCH * TIMEOUT_SECONDS * 3)
USER_AGENT = "Encore-Webhooks/1"


class Undeliverable(Exception):
    """The address may not be posted to (production's public-internet rule), or its name does not resolve."""


@dataclass(frozen=True)
class Target:
    url: httpx.URL
    headers: dict[str, str] = field(default_factory=dict)
    extensions: dict[str, Any] = field(default_factory=dict)


async def target_of(url: str, *, public_only: bool) -> Target:
    """Where to post: the URL itself, or, with `public_only`, the checked address it resolves to."""
    parsed = httpx.URL(url)
    if not public_only:
        return Target(parsed)
    if parsed.scheme != "https":
        raise Undeliverable("Only https addresses are posted to: change the address to https://.")
    host = parsed.host
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, parsed.port or 443, type=socket.SOCK_STREAM)
        except OSError as error:
            raise Undeliverable(f"The name {host} does not resolve ({error}).") from None
        addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
    if not addresses:
        raise Undeliverable(f"The name {host} does not resolve.")
    for address in addresses:
        if not is_public(address):
            raise Undeliverable(f"{host} leads to {address}, which is not on the public internet: not sent.")
    extensions = {"sni_hostname": host} if parsed.scheme == "https" else {}
    return Target(parsed.copy_with(host=str(addresses[0])), {"Host": parsed.netloc.decode("ascii")}, extensions)


def _claimable(now: dt.datetime) -> Any:
    return ((WebhookDelivery.status == DeliveryStatus.pending) & (WebhookDelivery.next_attempt_at <= now)
            & (WebhookDelivery.claimed_until.is_null() | (WebhookDelivery.claimed_until < now)))


async def claim(now: dt.datetime, limit: int = BATCH) -> list[dict[str, Any]]:
    """Takes up to `limit` due deliveries for this caller alone, oldest first (storefront.mail.outbox.claim
    explains why the UPDATE repeating the condition lets one sender win each row, on both databases)."""
    candidates = [row["id"] for row in await WebhookDelivery.select(WebhookDelivery.id).where(_claimable(now))
                  .order_by(WebhookDelivery.id).limit(limit)]
    if not candidates:
        return []
    token = uuid.uuid4().hex
    await WebhookDelivery.update({WebhookDelivery.claimed_by: token, WebhookDelivery.claimed_until: now + CLAIM}
                                 ).where(WebhookDelivery.id.is_in(candidates) & _claimable(now))
    return await WebhookDelivery.select().where(WebhookDelivery.claimed_by == token).order_by(WebhookDelivery.id)


async def deliver_due(settings: Settings, *, now: dt.datetime | None = None,
                      timeout: float = TIMEOUT_SECONDS) -> int:
    """Posts every delivery due at `now` until none is left to claim; returns how many were delivered. Without
    `now` each batch reads the clock afresh, so a long backlog is not signed with a time receivers refuse."""
    fixed = now

    def clock() -> dt.datetime:
        return fixed or dt.datetime.now(dt.UTC)

    batch = await claim(clock())
    if not batch:
        return 0  # the every-minute run with nothing due costs one query
    delivered = 0
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False) as client:
        while batch:
            endpoints = {row["seller"]: row for row in await WebhookEndpoint.select().where(
                WebhookEndpoint.seller.is_in(list({row["seller"] for row in batch})))}
            by_seller: dict[int, list[dict[str, Any]]] = {}
            for row in batch:
                by_seller.setdefault(row["seller"], []).append(row)
            delivered += sum(await asyncio.gather(*(
                _in_turn(client, rows, endpoints.get(seller), clock, public_only=not settings.is_demo,
                         timeout=timeout) for seller, rows in by_seller.items())))
            batch = await claim(clock())
    return delivered


async def _in_turn(client: httpx.AsyncClient, rows: list[dict[str, Any]], endpoint: dict[str, Any] | None,
                   clock: Callable[[], dt.datetime], *, public_only: bool, timeout: float) -> int:
    """One seller's events one after the other, oldest first, so they arrive in the order they happened (a retry
    may still come after a later event); the sellers' side by side."""
    delivered = 0
    for row in rows:
        delivered += await _attempt(client, row, endpoint, clock(), public_only=public_only, timeout=timeout)
    return delivered


async def _post(client: httpx.AsyncClient, row: dict[str, Any], endpoint: dict[str, Any], now: dt.datetime, *,
                public_only: bool, timeout: float) -> tuple[int | None, str]:
    """One attempt: the answer's status code (None when there was none) and what went wrong ("" for 2xx)."""
    body = row["payload"].encode()
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, "Encore-Event-Id": row["event_id"],
               "Encore-Event-Type": row["event_type"],
               HEADER: signature_header(endpoint["secret"], int(now.timestamp()), body)}
    try:
        async with asyncio.timeout(timeout):
            target = await target_of(endpoint["url"], public_only=public_only)
            # Streamed and never read: only the status counts, and a body of any size is left on the wire.
            async with client.stream("POST", target.url, content=body, headers={**headers, **target.headers},
                                     extensions=target.extensions) as response:
                code = response.status_code
    except (TimeoutError, httpx.TimeoutException):
        return None, f"No answer within {timeout:g} seconds."
    except Undeliverable as refused:
        return None, str(refused)
    except httpx.HTTPError as error:
        return None, f"Could not reach the endpoint: {str(error) or type(error).__name__}."[:500]
    if 200 <= code < 300:
        return code, ""
    if 300 <= code < 400:
        return code, f"The endpoint answered {code}; redirects are not followed: give the final address."
    return code, f"The endpoint answered {code}."


async def _attempt(client: httpx.AsyncClient, row: dict[str, Any], endpoint: dict[str, Any] | None,
                   now: dt.datetime, *, public_only: bool, timeout: float) -> bool:
    mine = (WebhookDelivery.id == row["id"]) & (WebhookDelivery.claimed_by == row["claimed_by"])
    released: dict[Any, Any] = {WebhookDelivery.claimed_by: None, WebhookDelivery.claimed_until: None}
    if endpoint is None or not endpoint["enabled"]:
        await WebhookDelivery.update({**released, WebhookDelivery.status: DeliveryStatus.failed,
                                      WebhookDelivery.last_error: "The endpoint was turned off before this event "
                                                                  "went out: not sent."}).where(mine)
        return False
    code, error = await _post(client, row, endpoint, now, public_only=public_only, timeout=timeout)
    attempts = row["attempts"] + 1
    changes: dict[Any, Any] = {**released, WebhookDelivery.attempts: attempts, WebhookDelivery.last_status_code: code,
                               WebhookDelivery.last_error: error, WebhookDelivery.last_attempt_at: now}
    if not error:
        changes |= {WebhookDelivery.status: DeliveryStatus.delivered, WebhookDelivery.delivered_at: now}
    elif attempts >= MAX_ATTEMPTS:
        changes[WebhookDelivery.status] = DeliveryStatus.failed
    else:
        changes[WebhookDelivery.next_attempt_at] = now + BACKOFF[attempts - 1]
    if error:
        log.info("webhook %s to seller %s, attempt %s: %s", row["event_id"], row["seller"], attempts, error)
    await WebhookDelivery.update(changes).where(mine)
    return not error
