"""Throttles through HTTP: a guesser is slowed down without locking the owner out, one client cannot spray
many accounts or flood inboxes, memory stays bounded, and two app instances on one Redis count together."""
from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from storefront.app import create_app
from storefront.settings import Settings, ThrottleRules
from storefront.throttle import BoundedMemoryStorage, Throttle
from tests.integration.commerce import PASSWORD, make_account
from tests.integration.smtp_standin import free_port
from tests.integration.test_accounts import log_in, mail_to, post_form

WRONG = "guess guess guess"
# The sliding-window counter weighs the previous window by the time left in it: just after a window edge
# (every 15 minutes for these rates) the last window's 10 failures weigh 9.99 and an 11th is let through.
# That is the approximation `limits` documents, not a fault; a test counting exactly keeps clear of the edge.
WINDOW_SECONDS = 15 * 60
EDGE_MARGIN_SECONDS = 45


@pytest.fixture(autouse=True)
def clear_of_window_edges() -> None:
    left = WINDOW_SECONDS - time.time() % WINDOW_SECONDS
    if left < EDGE_MARGIN_SECONDS:
        time.sleep(left + 1)


class FromAddress:
    """The app as reached from another network address: the test client always says "testclient"."""

    def __init__(self, app: Litestar, host: str) -> None:
        self.app, self.host = app, host

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "lifespan":
            scope = {**scope, "client": (self.host, 50_000)}
        await self.app(scope, receive, send)


@asynccontextmanager
async def client_of(app: Litestar, host: str) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app=FromAddress(app, host)) as client:  # type: ignore[arg-type]
        yield client


def with_rules(settings: Settings, **rules: str) -> Settings:
    return replace(settings, throttles=replace(settings.throttles, **rules))


async def test_a_guesser_waits_but_the_owner_signs_in_from_elsewhere(settings: Settings, backend) -> None:
    owner = await make_account()
    app = create_app(settings, backend)
    async with client_of(app, "203.0.113.66") as guesser, client_of(app, "198.51.100.7") as owners_phone:
        for _ in range(10):
            assert (await log_in(guesser, owner["email"], password=WRONG)).status_code == 400
        assert (await log_in(guesser, owner["email"], password=PASSWORD)).status_code == 429
        assert (await log_in(owners_phone, owner["email"], password=PASSWORD)).status_code == 303


async def test_one_client_trying_many_accounts_is_slowed_down(settings: Settings, backend) -> None:
    app = create_app(with_rules(settings, sign_in_failures_per_client="5 per 15 minutes"), backend)
    accounts = [await make_account() for _ in range(6)]
    async with client_of(app, "203.0.113.66") as sprayer, client_of(app, "198.51.100.7") as someone_else:
        for account in accounts[:5]:  # one password on each account: no account sees more than one failure
            assert (await log_in(sprayer, account["email"], password=WRONG)).status_code == 400
        answer = await log_in(sprayer, accounts[5]["email"], password=PASSWORD)
        assert answer.status_code == 429
        assert "Too many failed attempts from your connection" in answer.text
        assert (await log_in(someone_else, accounts[5]["email"], password=PASSWORD)).status_code == 303


async def test_a_right_password_clears_the_count_for_that_account_only(settings: Settings, backend) -> None:
    app = create_app(with_rules(settings, sign_in_failures_per_account_and_client="3 per 15 minutes"), backend)
    account = await make_account()
    async with client_of(app, "203.0.113.66") as client:
        for _ in range(2):
            await log_in(client, account["email"], password=WRONG)
        assert (await log_in(client, account["email"], password=PASSWORD)).status_code == 303
        await post_form(client, "/", {}, action="/logout")
        for _ in range(2):
            assert (await log_in(client, account["email"], password=WRONG)).status_code == 400
        assert (await log_in(client, account["email"], password=PASSWORD)).status_code == 303


async def test_reset_requests_answer_alike_and_mail_only_an_existing_account(client: AsyncTestClient) -> None:
    known = (await make_account())["email"]
    unknown = f"nobody-{uuid.uuid4().hex[:8]}@example.com"
    for_known = await post_form(client, "/password/forgot", {"email": known})
    for_unknown = await post_form(client, "/password/forgot", {"email": unknown})
    assert (for_known.status_code, for_known.headers["location"], for_known.text) == (
        303, "/password/forgot?sent=1", "")
    assert (for_unknown.status_code, for_unknown.headers["location"], for_unknown.text) == (
        303, "/password/forgot?sent=1", "")
    # The lookup and the e-mail ran after the response, before the test client handed it back.
    assert len(await mail_to(known, "password_reset")) == 1
    assert await mail_to(unknown, "password_reset") == []


async def test_one_client_cannot_ask_for_resets_without_end(settings: Settings, backend) -> None:
    app = create_app(with_rules(settings, account_requests_per_client="2 per hour"), backend)
    addresses = [(await make_account())["email"] for _ in range(3)]
    async with client_of(app, "203.0.113.66") as flooder, client_of(app, "198.51.100.7") as someone_else:
        answers = [await post_form(flooder, "/password/forgot", {"email": a}) for a in addresses]
        assert [a.status_code for a in answers] == [303, 303, 429]
        assert "Too many requests from your connection" in answers[2].text
        assert await mail_to(addresses[2], "password_reset") == []
        assert (await post_form(someone_else, "/password/forgot", {"email": addresses[2]})).status_code == 303
    assert len(await mail_to(addresses[2], "password_reset")) == 1


async def test_memory_counts_are_dropped_once_their_window_has_passed() -> None:
    storage = BoundedMemoryStorage(sweep_seconds=0)
    throttle = Throttle.of("test", "1 per second", storage, secret="s")
    for n in range(50_000):
        await throttle.hit(f"someone-{n}@example.com")
    assert storage.keys_held >= 50_000
    await asyncio.sleep(2.1)  # a sliding-window counter lives two windows
    await storage.sweep()
    assert storage.keys_held == 0


async def test_the_memory_storage_does_not_sweep_on_every_hit() -> None:
    storage = BoundedMemoryStorage(sweep_seconds=60)
    throttle = Throttle.of("test", "1 per second", storage, secret="s")
    await throttle.hit("first@example.com")
    await asyncio.sleep(0)  # the first sweep runs
    sweep = storage.timer
    for n in range(100):
        await throttle.hit(f"someone-{n}@example.com")
        await asyncio.sleep(0)
    assert storage.timer is sweep  # no new sweep within the minute


def _redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=2):
            return True
    except OSError:
        return False


@pytest.mark.redis
@pytest.mark.skipif(not _redis_available(), reason="no Redis at 127.0.0.1:6379")
async def test_two_app_instances_on_one_redis_count_together(settings: Settings, backend) -> None:
    import redis.asyncio as aioredis

    prefix = f"encore-test-{uuid.uuid4().hex[:12]}"
    shared = replace(settings, throttles=ThrottleRules(storage_url="redis://127.0.0.1:6379/0", key_prefix=prefix))
    account = await make_account()
    first_worker, second_worker = create_app(shared, backend), create_app(shared, backend)
    try:
        async with client_of(first_worker, "203.0.113.66") as one, client_of(second_worker, "203.0.113.66") as two:
            for client in (one, two) * 5:
                assert (await log_in(client, account["email"], password=WRONG)).status_code == 400
            assert (await log_in(one, account["email"], password=PASSWORD)).status_code == 429
            assert (await log_in(two, account["email"], password=PASSWORD)).status_code == 429
    finally:
        connection = aioredis.Redis.from_url("redis://127.0.0.1:6379/0")
        keys = [key async for key in connection.scan_iter(match=f"*{prefix}*")]
        if keys:
            await connection.delete(*keys)
        await connection.aclose()


async def test_with_the_counts_unreachable_people_still_sign_in_and_ask_for_resets(settings: Settings,
                                                                                   backend) -> None:
    owner = await make_account()
    nothing_listens = free_port()  # a Redis that is down
    down = replace(settings, throttles=ThrottleRules(storage_url=f"redis://127.0.0.1:{nothing_listens}/0"))
    async with client_of(create_app(down, backend), "198.51.100.7") as client:
        assert (await log_in(client, owner["email"], password=WRONG)).status_code == 400
        assert (await log_in(client, owner["email"], password=PASSWORD)).status_code == 303
        client.cookies.clear()
        assert (await post_form(client, "/password/forgot", {"email": owner["email"]})).status_code == 303
