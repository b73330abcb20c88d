"""Pages, stylesheets and scripts travel compressed when the browser accepts it, and decode to the same bytes."""
from __future__ import annotations

import gzip
import re
from pathlib import Path

import brotli
from litestar import Litestar, Response, get
from litestar.response import Stream
from litestar.testing import AsyncTestClient

from storefront.app import create_app
from storefront.web.guards import PUBLIC
from storefront.web.transfer import transfer_layer

ROOT = Path(__file__).resolve().parents[2]
IDENTITY = {"Accept-Encoding": "identity"}
GZIP = {"Accept-Encoding": "gzip"}


async def raw_get(client: AsyncTestClient, path: str, headers: dict[str, str]) -> tuple[dict[str, str], bytes]:
    """The headers and the bytes as they came over the wire, before the client decodes them."""
    async with client.stream("GET", path, headers=headers) as response:
        assert response.status_code == 200
        return dict(response.headers), b"".join([chunk async for chunk in response.aiter_raw()])


async def asset_url(client: AsyncTestClient, name: str) -> str:
    home = (await client.get("/")).text
    match = re.search(rf'"(/static/{re.escape(name)}\.[0-9a-f]{{12}}\.(?:css|js))"', home)
    assert match, f"the home page does not link {name}"
    return match.group(1)


async def test_a_search_page_comes_gzip_encoded_and_decodes_to_the_page_itself(client: AsyncTestClient) -> None:
    plain_headers, plain = await raw_get(client, "/search?q=iphone", IDENTITY)
    headers, body = await raw_get(client, "/search?q=iphone", GZIP)
    assert "content-encoding" not in plain_headers
    assert headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == plain
    assert int(headers["content-length"]) == len(body) < len(plain) / 4


async def test_brotli_goes_to_browsers_that_accept_it(client: AsyncTestClient) -> None:
    _, plain = await raw_get(client, "/c/smartphones", IDENTITY)
    headers, body = await raw_get(client, "/c/smartphones", {"Accept-Encoding": "gzip, deflate, br"})
    assert headers["content-encoding"] == "br"
    assert brotli.decompress(body) == plain


async def test_the_stylesheet_and_scripts_come_gzip_encoded(client: AsyncTestClient) -> None:
    for name, file in [("css/encore", "static/css/encore.css"), ("vendor/htmx.min", "static/vendor/htmx.min.js"),
                       ("js/encore", "static/js/encore.js")]:
        headers, body = await raw_get(client, await asset_url(client, name), GZIP)
        assert headers["content-encoding"] == "gzip", name
        assert gzip.decompress(body) == (ROOT / file).read_bytes(), name


async def test_caches_are_told_the_answer_varies_by_htmx_and_by_encoding(client: AsyncTestClient) -> None:
    page = await client.get("/search?q=iphone", headers=GZIP)
    fragment = await client.get("/search?q=iphone", headers={**GZIP, "HX-Request": "true"})
    for response in (page, fragment):
        assert [name.strip() for name in response.headers["vary"].split(",")] == ["HX-Request", "Accept-Encoding"]


async def test_a_small_answer_goes_as_it_is(client: AsyncTestClient) -> None:
    home = (await client.get("/")).text
    icon = re.search(r'href="(/static/img/favicon\.[0-9a-f]{12}\.svg)"', home)
    assert icon
    headers, body = await raw_get(client, icon.group(1), GZIP)
    assert "content-encoding" not in headers
    assert body == (ROOT / "static/img/favicon.svg").read_bytes()


async def test_a_streamed_answer_arrives_whole_compressed_as_it_goes_and_head_gets_no_body() -> None:
    parts = [f"line {number}: {'x' * 200}\n".encode() for number in range(50)]

    @get("/export", sync_to_thread=False)
    def export() -> Stream:
        return Stream(iter(parts), media_type="text/plain")

    app = Litestar([export])
    app.asgi_handler = transfer_layer(app.asgi_handler)
    async with AsyncTestClient(app) as client:
        headers, body = await raw_get(client, "/export", GZIP)
        head = await client.head("/export", headers=GZIP)
    assert headers["content-encoding"] == "gzip"
    assert "content-length" not in headers and "etag" not in headers
    assert gzip.decompress(body) == b"".join(parts)
    assert head.status_code == 200 and head.content == b""


async def test_what_a_page_says_it_varies_on_is_kept_beside_htmx_and_encoding(settings, backend) -> None:
    @get("/by-language", sync_to_thread=False, opt=PUBLIC)
    def by_language() -> Response[str]:
        return Response("a page in the visitor's language " * 50, headers={"Vary": "Accept-Language"})

    app = create_app(settings, backend)
    app.register(by_language)
    async with AsyncTestClient(app) as client:
        response = await client.get("/by-language", headers=GZIP)
    assert [name.strip() for name in response.headers["vary"].split(",")] == [
        "Accept-Language", "HX-Request", "Accept-Encoding"]
