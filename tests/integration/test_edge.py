"""The store's edge: security headers, private pages kept out of caches, allowed hosts, the CSRF origin check
against the public address, and what a reverse proxy says about the client believed only from a trusted one."""
from __future__ import annotations

import dataclasses

import pytest
from litestar import Litestar, Request, get
from litestar.middleware import DefineMiddleware
from litestar.testing import AsyncTestClient
from litestar.types import ASGIApp, Receive, Scope, Send

from storefront.accounts.tables import Account
from storefront.app import create_app
from storefront.reviews.tables import Review
from storefront.settings import Settings
from storefront.web.edge import TrustForwardedHeaders, client_address
from tests.integration.commerce import PASSWORD, csrf_from, make_account, offer_in_stock, sign_in

POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
          "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


# --- Headers on every response --------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/search?q=iphone", "/no-such-page", "/static/css/encore.css"])
async def test_every_response_carries_the_security_headers(client: AsyncTestClient, path: str) -> None:
    response = await client.get(path)
    assert response.headers["content-security-policy"] == POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"


async def test_no_page_of_the_store_may_be_framed_and_nothing_inline_is_allowed(client: AsyncTestClient) -> None:
    policy = (await client.get("/")).headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


async def test_hsts_is_sent_only_when_the_public_address_is_https(settings: Settings, backend) -> None:
    async with AsyncTestClient(app=create_app(settings, backend)) as plain:
        assert "strict-transport-security" not in (await plain.get("/")).headers
    https = dataclasses.replace(settings, public_base_url="https://shop.example")
    async with AsyncTestClient(app=create_app(https, backend), base_url="https://shop.example") as secure:
        assert (await secure.get("/")).headers["strict-transport-security"] == "max-age=31536000"


async def test_the_product_page_with_reviews_and_colours_has_no_inline_style(client: AsyncTestClient) -> None:
    review = await Review.select(Review.variant.slug.as_alias("slug")).where(Review.status == "published").first()
    page = (await client.get(f"/p/{review['slug']}")).text
    assert 'class="reviews__bars"' in page and 'class="swatch"' in page
    assert " style=" not in page and "<style" not in page
    assert '"includeIndicatorStyles":false' in page  # else htmx injects a <style> the policy refuses


# --- Private pages are never stored by a cache ----------------------------------------------------------------

@pytest.mark.parametrize("path", ["/legal/terms", "/p/apple-iphone-13-128-gb-midnight", "/search?q=iphone"])
async def test_a_public_page_to_an_anonymous_visitor_keeps_its_caching(client: AsyncTestClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("cache-control", "")


@pytest.mark.parametrize("path", ["/login", "/signup", "/password/forgot", "/password/reset/not-a-token"])
async def test_the_sign_in_and_password_forms_are_not_stored(client: AsyncTestClient, path: str) -> None:
    response = await client.get(path)
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", ["/", "/legal/terms", "/account/orders"])
async def test_every_page_to_a_signed_in_person_is_not_stored(client: AsyncTestClient, path: str) -> None:
    account = await make_account()
    await sign_in(client, account["id"])
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"


async def test_an_anonymous_cart_is_not_stored(client: AsyncTestClient) -> None:
    from tests.integration.test_checkout import add

    assert (await add(client, await offer_in_stock())).status_code in (200, 303)
    response = await client.get("/cart")
    assert response.status_code == 200 and "Remove" in response.text
    assert response.headers["cache-control"] == "no-store"


async def test_the_operators_console_is_not_stored(client: AsyncTestClient) -> None:
    operator = await make_account(role="operator")
    await sign_in(client, operator["id"])
    response = await client.get("/ops/")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"


# --- Allowed hosts ----------------------------------------------------------------------------------------------

async def test_an_unknown_host_gets_400(client: AsyncTestClient) -> None:
    response = await client.get("/", headers={"Host": "evil.example"})
    assert response.status_code == 400


async def test_the_public_address_and_configured_hosts_are_answered(settings: Settings, backend) -> None:
    configured = dataclasses.replace(settings, public_base_url="https://shop.example",
                                     allowed_hosts=("internal.shop.example",))
    async with AsyncTestClient(app=create_app(configured, backend), base_url="https://shop.example") as client:
        assert (await client.get("/")).status_code == 200
        assert (await client.get("/", headers={"Host": "internal.shop.example"})).status_code == 200
        assert (await client.get("/", headers={"Host": "testserver.local"})).status_code == 400


async def test_the_public_host_with_its_port_is_answered(settings: Settings, backend) -> None:
    on_a_port = dataclasses.replace(settings, public_base_url="http://127.0.0.1:8123", allowed_hosts=())
    async with AsyncTestClient(app=create_app(on_a_port, backend), base_url="http://127.0.0.1:8123") as client:
        assert (await client.get("/")).status_code == 200
        assert (await client.get("/", headers={"Host": "127.0.0.1:9999"})).status_code == 400


# --- CSRF: the origin is the public address's -----------------------------------------------------------------

async def _sign_up(client: AsyncTestClient, email: str, origin: str):
    token = csrf_from((await client.get("/signup")).text)
    return await client.post("/signup", data={"_csrf": token, "email": email, "name": "Ann", "password": PASSWORD},
                             headers={"Origin": origin}, follow_redirects=False)


async def test_an_origin_that_matches_the_host_header_but_not_the_public_address_is_refused(
        client: AsyncTestClient) -> None:
    # The test client's Host is testserver.local; the public address is http://127.0.0.1:8000.
    response = await _sign_up(client, "host-origin@example.com", "http://testserver.local")
    assert response.status_code == 403
    assert not await Account.exists().where(Account.email == "host-origin@example.com")


async def test_an_opaque_null_origin_is_refused(client: AsyncTestClient) -> None:
    response = await _sign_up(client, "null-origin@example.com", "null")
    assert response.status_code == 403
    assert not await Account.exists().where(Account.email == "null-origin@example.com")


async def test_the_public_address_as_origin_is_accepted(client: AsyncTestClient) -> None:
    response = await _sign_up(client, "public-origin@example.com", "http://127.0.0.1:8000")
    assert response.status_code == 303
    assert await Account.exists().where(Account.email == "public-origin@example.com")


# --- Forwarded headers ----------------------------------------------------------------------------------------

class FromPeer:
    """Stands in for the socket: the connection comes from the address in the test's `X-Test-Peer` header
    (Litestar's test client always says "testclient")."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            peer = dict(scope["headers"]).get(b"x-test-peer")
            if peer:
                scope["client"] = (peer.decode(), 40000)
        await self.app(scope, receive, send)


@get("/who", sync_to_thread=False)
def who(request: Request) -> dict[str, str]:
    return {"address": client_address(request), "scheme": request.url.scheme}


def echo_app(trusted: tuple[str, ...]) -> Litestar:
    settings = Settings(trusted_proxies=trusted)
    return Litestar([who], middleware=[FromPeer, DefineMiddleware(TrustForwardedHeaders, settings=settings)])


async def test_forwarded_headers_from_an_untrusted_peer_change_nothing() -> None:
    async with AsyncTestClient(app=echo_app(("10.0.0.0/8",))) as client:
        answer = (await client.get("/who", headers={"X-Test-Peer": "198.51.100.4", "X-Forwarded-For": "127.0.0.1",
                                                     "X-Forwarded-Proto": "https"})).json()
    assert answer == {"address": "198.51.100.4", "scheme": "http"}


async def test_forwarded_headers_from_a_trusted_proxy_give_the_client_and_scheme() -> None:
    async with AsyncTestClient(app=echo_app(("10.0.0.0/8",))) as client:
        answer = (await client.get("/who", headers={"X-Test-Peer": "10.1.2.3", "X-Forwarded-For": "203.0.113.9",
                                                     "X-Forwarded-Proto": "https"})).json()
    assert answer == {"address": "203.0.113.9", "scheme": "https"}


async def test_an_address_the_client_wrote_before_the_proxy_is_not_believed() -> None:
    async with AsyncTestClient(app=echo_app(("10.0.0.0/8",))) as client:
        answer = (await client.get("/who", headers={"X-Test-Peer": "10.1.2.3",
                                                     "X-Forwarded-For": "127.0.0.1, 203.0.113.9"})).json()
    assert answer == {"address": "203.0.113.9", "scheme": "http"}


async def test_without_trusted_proxies_no_one_is_believed() -> None:
    async with AsyncTestClient(app=echo_app(())) as client:
        answer = (await client.get("/who", headers={"X-Test-Peer": "10.1.2.3",
                                                     "X-Forwarded-For": "203.0.113.9"})).json()
    assert answer == {"address": "10.1.2.3", "scheme": "http"}


async def notice_via(client: AsyncTestClient, headers: dict[str, str]) -> int:
    """Sends a notice through the public form, every request with `headers`; returns the POST's status."""
    from tests.integration.test_notices import details

    token = csrf_from((await client.get("/report", headers=headers)).text)
    data = {"_csrf": token, **details(location="https://encore.example/a")}
    return (await client.post("/report", data=data, headers=headers, follow_redirects=False)).status_code


def via_proxy(peer: str, forwarded_for: str) -> dict[str, str]:
    return {"X-Test-Peer": peer, "X-Forwarded-For": forwarded_for}


async def test_the_store_counts_notices_by_the_address_a_trusted_proxy_forwarded(
        settings: Settings, backend, monkeypatch: pytest.MonkeyPatch) -> None:
    from storefront.web import notices as notice_pages

    monkeypatch.setattr(notice_pages, "NOTICES_PER_ADDRESS_HOUR", 1)
    behind_proxy = dataclasses.replace(settings, trusted_proxies=("10.0.0.1",))
    async with AsyncTestClient(app=FromPeer(create_app(behind_proxy, backend))) as client:  # type: ignore[arg-type]
        first = await notice_via(client, via_proxy("10.0.0.1", "203.0.113.1"))
        other = await notice_via(client, via_proxy("10.0.0.1", "203.0.113.2"))
        again = await notice_via(client, via_proxy("10.0.0.1", "203.0.113.1"))
    assert (first, other, again) == (303, 303, 429)


async def test_an_untrusted_peer_cannot_escape_the_notice_limit_by_forging_addresses(
        settings: Settings, backend, monkeypatch: pytest.MonkeyPatch) -> None:
    from storefront.web import notices as notice_pages

    monkeypatch.setattr(notice_pages, "NOTICES_PER_ADDRESS_HOUR", 1)
    behind_proxy = dataclasses.replace(settings, trusted_proxies=("10.0.0.1",))
    async with AsyncTestClient(app=FromPeer(create_app(behind_proxy, backend))) as client:  # type: ignore[arg-type]
        first = await notice_via(client, via_proxy("198.51.100.7", "203.0.113.1"))
        forged = await notice_via(client, via_proxy("198.51.100.7", "203.0.113.2"))
    assert (first, forged) == (303, 429)
