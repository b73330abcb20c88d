"""A browser that asks again for what it already has gets 304 Not Modified and no body."""
from __future__ import annotations

import hashlib
from pathlib import Path

from litestar import Litestar, Response, get
from litestar.testing import AsyncTestClient

from search_index.backends import SearchBackend
from storefront.catalog.tables import Variant
from storefront.sellers.tables import Offer
from storefront.settings import Settings
from storefront.web.transfer import transfer_layer
from tests.integration.builders import change_offer

ROOT = Path(__file__).resolve().parents[2]
STYLESHEET = ROOT / "static/css/encore.css"
PRODUCT = "/p/apple-iphone-13-128-gb-midnight"


def stylesheet_url() -> str:
    return f"/static/css/encore.{hashlib.sha256(STYLESHEET.read_bytes()).hexdigest()[:12]}.css"


async def test_a_static_file_named_by_its_etag_is_not_sent_again(client: AsyncTestClient) -> None:
    first = await client.get(stylesheet_url())
    again = await client.get(stylesheet_url(), headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["cache-control"] == "max-age=31536000, public, immutable"


async def test_a_static_file_not_modified_since_the_browser_got_it_is_not_sent_again(
        client: AsyncTestClient) -> None:
    first = await client.get("/static/css/encore.css")
    again = await client.get("/static/css/encore.css", headers={"If-Modified-Since": first.headers["last-modified"]})
    assert again.status_code == 304
    assert again.content == b""


async def test_a_static_file_modified_since_then_is_sent(client: AsyncTestClient) -> None:
    response = await client.get("/static/css/encore.css",
                                headers={"If-Modified-Since": "Thu, 01 Jan 2015 00:00:00 GMT"})
    assert response.status_code == 200
    assert response.content == STYLESHEET.read_bytes()


async def test_another_etag_gets_the_file(client: AsyncTestClient) -> None:
    response = await client.get("/static/css/encore.css", headers={"If-None-Match": '"0123456789ab"'})
    assert response.status_code == 200
    assert response.content == STYLESHEET.read_bytes()


async def test_a_product_page_unchanged_since_the_browser_got_it_is_not_sent_again(client: AsyncTestClient) -> None:
    first = await client.get(PRODUCT)
    assert first.headers["etag"].startswith('W/"')
    again = await client.get(PRODUCT, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    assert "HX-Request" in again.headers["vary"]


async def test_a_product_page_whose_price_changed_is_sent_again(client: AsyncTestClient, settings: Settings,
                                                                backend: SearchBackend) -> None:
    first = await client.get(PRODUCT)
    variant = await Variant.select(Variant.id).where(Variant.slug == PRODUCT.removeprefix("/p/")).first()
    offer = await Offer.select(Offer.id).where(Offer.variant == variant["id"]).order_by(Offer.id).first()
    await change_offer(offer["id"], settings, backend, price_cents=12_345)
    again = await client.get(PRODUCT, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 200
    assert "€123.45" in again.text
    assert again.headers["etag"] != first.headers["etag"]


async def test_an_answer_about_one_visitor_gets_no_etag() -> None:
    @get("/mine", sync_to_thread=False)
    def mine() -> Response[str]:
        return Response("yours only", headers={"Cache-Control": "private, no-store"})

    @get("/cookie", sync_to_thread=False)
    def cookie() -> Response[str]:
        return Response("hello", cookies={"visit": "1"})

    @get("/everyone", sync_to_thread=False)
    def everyone() -> str:
        return "the same for all"

    app = Litestar([mine, cookie, everyone])
    app.asgi_handler = transfer_layer(app.asgi_handler)
    async with AsyncTestClient(app) as client:
        assert "etag" not in (await client.get("/mine")).headers
        assert "etag" not in (await client.get("/cookie")).headers
        assert (await client.get("/everyone")).headers["etag"] == 'W/"83b1229f8ee09d0e3b145082"'
