"""Webhooks through HTTP and a real receiver: the portal page, the test event, the signature, the retries on
their schedule (the clock is a parameter, never slept on), and one delivery per event however many senders.

Each test makes its own seller and seller user, and starts its own receiver on a free loopback port.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from html import unescape

import pytest
from litestar.testing import AsyncTestClient

from storefront.sellers.tables import Seller
from storefront.settings import Settings
from storefront.webhooks import endpoints
from storefront.webhooks.sender import deliver_due
from storefront.webhooks.tables import WebhookDelivery, WebhookEndpoint
from tests.conftest import ROOT, bind_store, unbind_store
from tests.integration.commerce import make_account, post_form, sign_in
from tests.integration.test_valid_html import nu_checker as nu_checker
from tests.integration.webhook_receiver import Receiver, start_receiver

SECRET = re.compile(r"<code>(whsec_[A-Za-z0-9_-]+)</code>")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server, standin = start_receiver()
    try:
        yield standin
    finally:
        server.shutdown()
        server.server_close()


async def make_seller() -> int:
    tag = uuid.uuid4().hex[:8]
    seller = Seller(name=f"Hooks {tag}", slug=f"hooks-{tag}", legal_name=f"Hooks {tag} SAS", status="referenced",
                    email=f"hooks-{tag}@example.com", joined_at=dt.datetime.now(dt.UTC))
    await seller.save()
    return seller.id


async def seller_client(client: AsyncTestClient) -> int:
    """A new seller, its user signed in on `client`, which no longer follows redirects."""
    seller_id = await make_seller()
    account = await make_account("seller", seller_id=seller_id)
    await sign_in(client, account["id"])
    client.follow_redirects = False
    return seller_id


async def set_up_endpoint(client: AsyncTestClient, url: str) -> str:
    """The seller saves `url` in the portal; returns the signing secret the page shows."""
    response = await post_form(client, "/seller/webhooks", "/seller/webhooks/endpoint", {"url": url})
    assert response.status_code == 303
    page = (await client.get("/seller/webhooks")).text
    match = SECRET.search(page)
    assert match, "the page shows no signing secret"
    return match.group(1)


def readme_verifier():
    """The verification snippet of README.md's Webhooks section, run as a receiver would copy it."""
    section = re.search(r"^## Webhooks\n(.*?)(?=^## )", (ROOT / "README.md").read_text(), re.S | re.M)
    assert section, "README.md has no Webhooks section"
    code = re.search(r"```python\n(.*?)```", section.group(1), re.S)
    assert code, "the Webhooks section has no Python snippet"
    namespace: dict = {}
    exec(code.group(1), namespace)
    return namespace["verify_encore_signature"]


async def pings(seller_id: int, count: int) -> list[str]:
    return [await endpoints.send_test_event(seller_id) for _ in range(count)]


# The portal


async def test_a_seller_sets_its_endpoint_and_sees_its_secret(client: AsyncTestClient, settings: Settings) -> None:
    seller_id = await seller_client(client)
    secret = await set_up_endpoint(client, "http://127.0.0.1:9/encore")
    endpoint = await WebhookEndpoint.select().where(WebhookEndpoint.seller == seller_id).first()
    assert (endpoint["url"], endpoint["secret"], endpoint["enabled"]) == ("http://127.0.0.1:9/encore", secret, True)


async def test_a_refused_address_comes_back_with_its_message_and_what_was_typed(client: AsyncTestClient) -> None:
    await seller_client(client)
    response = await post_form(client, "/seller/webhooks", "/seller/webhooks/endpoint",
                               {"url": "ftp://files.example.com/in"})
    assert response.status_code == 400
    page = unescape(response.text)
    assert "Give a full address starting with https://, such as https://example.com/encore." in page
    assert 'value="ftp://files.example.com/in"' in page


async def test_the_test_event_reaches_the_receiver_right_after_the_response_signed_as_the_readme_says(
        client: AsyncTestClient, receiver: Receiver) -> None:
    await seller_client(client)
    secret = await set_up_endpoint(client, receiver.url)
    response = await post_form(client, "/seller/webhooks", "/seller/webhooks/test")
    assert (response.status_code, response.headers["location"]) == (303, "/seller/webhooks?done=test")
    assert receiver.wait_for(1) == 1  # the sweeps are off in tests: the request woke the sender
    request = receiver.requests[0]
    assert request.path == "/encore/webhooks"
    assert request.headers["content-type"] == "application/json"
    assert request.event["type"] == "ping"
    assert request.headers["encore-event-id"] == request.event["id"]
    verify_encore_signature = readme_verifier()
    assert verify_encore_signature(secret, request.headers["encore-signature"], request.body)
    assert not verify_encore_signature(secret, request.headers["encore-signature"], request.body + b" ")


async def test_the_log_shows_the_delivery_and_its_payload(client: AsyncTestClient, receiver: Receiver) -> None:
    seller_id = await seller_client(client)
    await set_up_endpoint(client, receiver.url)
    await post_form(client, "/seller/webhooks", "/seller/webhooks/test")
    receiver.wait_for(1)
    await deliver_due_soon(seller_id)
    delivery = await WebhookDelivery.select().where(WebhookDelivery.seller == seller_id).first()
    page = unescape((await client.get("/seller/webhooks")).text)
    assert f'href="/seller/webhooks/deliveries/{delivery["id"]}"' in page
    assert "Delivered" in page and "1 of 7" in page
    detail = unescape((await client.get(f"/seller/webhooks/deliveries/{delivery['id']}")).text)
    assert delivery["event_id"] in detail
    assert '"type": "ping"' in detail
    assert "A test event from the seller portal. Nothing happened to your orders." in detail


async def deliver_due_soon(seller_id: int, seconds: float = 10) -> None:
    """Waits until the sender woken by the request has written what it did."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not await WebhookDelivery.exists().where((WebhookDelivery.seller == seller_id)
                                                    & (WebhookDelivery.status == "pending")):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the delivery is still pending")


async def test_a_test_event_without_an_endpoint_is_refused_with_a_message(client: AsyncTestClient) -> None:
    await seller_client(client)
    response = await post_form(client, "/seller/webhooks", "/seller/webhooks/test")
    assert response.status_code == 400
    assert "Give your endpoint&#39;s address first." in response.text


async def test_a_test_event_while_the_endpoint_is_off_is_refused(client: AsyncTestClient) -> None:
    await seller_client(client)
    await set_up_endpoint(client, "http://127.0.0.1:9/encore")
    assert (await post_form(client, "/seller/webhooks", "/seller/webhooks/enabled", {"enabled": "off"})
            ).status_code == 303
    response = await post_form(client, "/seller/webhooks", "/seller/webhooks/test")
    assert response.status_code == 400
    assert "Turn the endpoint on first: while it is off it receives nothing." in response.text


async def test_a_new_secret_replaces_the_old_one(client: AsyncTestClient) -> None:
    await seller_client(client)
    old = await set_up_endpoint(client, "http://127.0.0.1:9/encore")
    response = await post_form(client, "/seller/webhooks", "/seller/webhooks/secret")
    assert (response.status_code, response.headers["location"]) == (303, "/seller/webhooks?done=rotated")
    page = (await client.get("/seller/webhooks?done=rotated")).text
    new = SECRET.search(page)
    assert new and new.group(1) != old
    assert "A new signing secret is in use" in page


async def test_another_sellers_deliveries_are_not_visible(client: AsyncTestClient) -> None:
    other = await make_seller()
    await endpoints.save_endpoint(other, "http://127.0.0.1:9/other", replace_demo())
    [other_event] = await pings(other, 1)
    other_delivery = await WebhookDelivery.select(WebhookDelivery.id).where(
        WebhookDelivery.event_id == other_event).first()
    await seller_client(client)
    assert (await client.get(f"/seller/webhooks/deliveries/{other_delivery['id']}")).status_code == 404
    page = (await client.get("/seller/webhooks")).text
    assert other_event not in page and "http://127.0.0.1:9/other" not in page
    assert "No events yet." in page


def replace_demo() -> Settings:
    """Settings of the demo store, whose address rules the tests' loopback receivers need."""
    return replace(Settings(), environment="demo")


# Sending, with the clock as a parameter


async def endpoint_for(receiver: Receiver) -> int:
    seller_id = await make_seller()
    await endpoints.save_endpoint(seller_id, receiver.url, replace_demo())
    return seller_id


async def test_a_failing_receiver_is_retried_on_the_backoff_schedule_then_the_delivery_fails(
        prepared_store: Settings, receiver: Receiver) -> None:
    receiver.status = 500
    seller_id = await endpoint_for(receiver)
    [event_id] = await pings(seller_id, 1)
    start = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    # 1 min, 5 min, 30 min, 2 h, 6 h and 24 h after each failed attempt, in seconds from the first one.
    schedule = [0, 60, 360, 2160, 9360, 30_960, 117_360]
    for attempt, due in enumerate(schedule, start=1):
        if due:
            assert await deliver_due(prepared_store, now=start + dt.timedelta(seconds=due - 1)) == 0
            assert len(receiver.requests) == attempt - 1, f"attempt {attempt} came early"
        assert await deliver_due(prepared_store, now=start + dt.timedelta(seconds=due)) == 0
        assert len(receiver.requests) == attempt, f"attempt {attempt} did not come at {due} s"
    assert await deliver_due(prepared_store, now=start + dt.timedelta(days=30)) == 0
    assert len(receiver.requests) == 7
    delivery = await WebhookDelivery.select().where(WebhookDelivery.event_id == event_id).first()
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == ("failed", 7, 500)
    assert delivery["last_error"] == "The endpoint answered 500."
    assert {event["id"] for event in receiver.events()} == {event_id}


async def test_a_receiver_that_recovers_gets_the_event_at_the_next_attempt(prepared_store: Settings,
                                                                          receiver: Receiver) -> None:
    receiver.status = 503
    seller_id = await endpoint_for(receiver)
    [event_id] = await pings(seller_id, 1)
    now = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    assert await deliver_due(prepared_store, now=now) == 0
    receiver.status = 204
    assert await deliver_due(prepared_store, now=now + dt.timedelta(seconds=59)) == 0
    assert await deliver_due(prepared_store, now=now + dt.timedelta(minutes=1)) == 1
    delivery = await WebhookDelivery.select().where(WebhookDelivery.event_id == event_id).first()
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"], delivery["last_error"]) == (
        "delivered", 2, 204, "")
    assert len(receiver.requests) == 2


async def test_a_receiver_that_does_not_answer_in_time_is_retried(prepared_store: Settings,
                                                                 receiver: Receiver) -> None:
    receiver.delay = 1.5
    seller_id = await endpoint_for(receiver)
    [event_id] = await pings(seller_id, 1)
    now = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    assert await deliver_due(prepared_store, now=now, timeout=0.3) == 0
    delivery = await WebhookDelivery.select().where(WebhookDelivery.event_id == event_id).first()
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == ("pending", 1, None)
    assert delivery["last_error"] == "No answer within 0.3 seconds."
    assert delivery["next_attempt_at"] == now + dt.timedelta(minutes=1)


async def test_a_redirect_is_not_followed(prepared_store: Settings, receiver: Receiver) -> None:
    receiver.status = 301
    seller_id = await endpoint_for(receiver)
    [event_id] = await pings(seller_id, 1)
    await deliver_due(prepared_store, now=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
    delivery = await WebhookDelivery.select().where(WebhookDelivery.event_id == event_id).first()
    assert delivery["last_error"] == ("The endpoint answered 301; redirects are not followed: give the final "
                                      "address.")


async def test_events_waiting_when_the_endpoint_is_turned_off_are_not_sent(prepared_store: Settings,
                                                                          receiver: Receiver) -> None:
    seller_id = await endpoint_for(receiver)
    [event_id] = await pings(seller_id, 1)
    await endpoints.set_enabled(seller_id, False)
    assert await deliver_due(prepared_store, now=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)) == 0
    delivery = await WebhookDelivery.select().where(WebhookDelivery.event_id == event_id).first()
    assert (delivery["status"], delivery["attempts"]) == ("failed", 0)
    assert receiver.requests == []


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, prepared_store: Settings) -> Iterator[Settings]:
    """The demo store's copy, or the tables bound for this test to a migrated PostgreSQL database."""
    if request.param == "sqlite":
        yield prepared_store
        return
    url = request.getfixturevalue("postgres_url")
    bound = bind_store(url)
    try:
        yield replace(prepared_store, database_url=url)
    finally:
        unbind_store(bound)


async def test_two_senders_at_once_post_each_event_once(database: Settings, receiver: Receiver) -> None:
    seller_id = await endpoint_for(receiver)
    events = await pings(seller_id, 30)
    now = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    delivered = await asyncio.gather(deliver_due(database, now=now), deliver_due(database, now=now))
    assert sum(delivered) == 30
    assert sorted(event["id"] for event in receiver.events()) == sorted(events)
    assert await WebhookDelivery.count().where((WebhookDelivery.seller == seller_id)
                                               & (WebhookDelivery.status == "delivered")) == 30


# Valid HTML: the crawl of test_valid_html.py does not reach these pages yet (the portal links "API and
# webhooks" to /seller/api), so they are checked here, with an endpoint, a delivery and a refused form.


async def test_the_webhook_pages_are_valid_html(client: AsyncTestClient, receiver: Receiver, tmp_path,
                                                nu_checker: list[str]) -> None:
    seller_id = await seller_client(client)
    empty = (await client.get("/seller/webhooks")).text
    refused = (await post_form(client, "/seller/webhooks", "/seller/webhooks/endpoint", {"url": "ftp://x"})).text
    await set_up_endpoint(client, receiver.url)
    await post_form(client, "/seller/webhooks", "/seller/webhooks/test")
    receiver.wait_for(1)
    await deliver_due_soon(seller_id)
    delivery = await WebhookDelivery.select(WebhookDelivery.id).where(WebhookDelivery.seller == seller_id).first()
    pages = {"empty": empty, "refused": refused, "full": (await client.get("/seller/webhooks?done=test")).text,
             "delivery": (await client.get(f"/seller/webhooks/deliveries/{delivery['id']}")).text}
    for name, html in pages.items():
        (tmp_path / f"{name}.html").write_text(html, encoding="utf-8")
    done = subprocess.run([*nu_checker, *(str(tmp_path / f"{name}.html") for name in pages)], capture_output=True,
                          text=True, timeout=300)
    messages = json.loads(done.stderr or "{}").get("messages", [])
    assert [f"{m.get('url', '').rsplit('/', 1)[-1]} line {m.get('lastLine')}: {m.get('message')}"
            for m in messages if m.get("type") in ("error", "non-document-error")] == []


async def test_with_htmx_the_test_button_gets_the_delivery_log_alone(client: AsyncTestClient) -> None:
    await seller_client(client)
    await set_up_endpoint(client, "http://127.0.0.1:9/encore")
    page = (await client.get("/seller/webhooks")).text
    assert 'data-hx-post="/seller/webhooks/test" data-hx-target="#webhook-log"' in page
    response = await post_form(client, "/seller/webhooks", "/seller/webhooks/test", headers={"HX-Request": "true"})
    assert (response.status_code, response.headers["location"]) == (303, "/seller/webhooks?done=test")
    fragment = await client.get("/seller/webhooks?done=test", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith("<section id=\"webhook-log\"")
    assert "<html" not in fragment.text
    assert "A test event is on its way." in fragment.text
    assert "HX-Request" in fragment.headers["vary"]


async def test_old_delivered_and_failed_events_are_deleted_and_waiting_ones_kept(prepared_store: Settings) -> None:
    from storefront.webhooks.outbox import purge_old_deliveries

    seller_id = await make_seller()
    await endpoints.save_endpoint(seller_id, "http://127.0.0.1:9/encore", replace_demo())
    delivered, failed, waiting, recent = await pings(seller_id, 4)
    for event_id, status in ((delivered, "delivered"), (failed, "failed"), (recent, "delivered")):
        await WebhookDelivery.update({WebhookDelivery.status: status}).where(WebhookDelivery.event_id == event_id)
    now = dt.datetime.now(dt.UTC)
    await WebhookDelivery.update({WebhookDelivery.created_at: now - dt.timedelta(days=91)}).where(
        WebhookDelivery.event_id.is_in([delivered, failed, waiting]))
    assert await purge_old_deliveries(now=now) == 2
    kept = await WebhookDelivery.select(WebhookDelivery.event_id).where(WebhookDelivery.seller == seller_id)
    assert {row["event_id"] for row in kept} == {waiting, recent}
