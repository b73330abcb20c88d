"""HEAD answers wherever GET does, with GET's status and headers and no body (RFC 9110 9.3.2)."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

ROOT = Path(__file__).resolve().parents[2]
PAGES = [
    "/", "/search?q=iphone", "/c/smartphones", "/p/apple-iphone-13-128-gb-midnight",
    "/p/apple-iphone-13-128-gb-midnight/reviews", "/legal/terms", "/legal/ranking", "/legal/privacy", "/login",
    "/signup", "/cart", "/contact", "/robots.txt", "/sitemap.xml", "/no-such-page", "/static/css/encore.css",
    f"/static/css/encore.{hashlib.sha256((ROOT / 'static/css/encore.css').read_bytes()).hexdigest()[:12]}.css",
]
PARAMETER = re.compile(r"\{(\w+):(\w+)\}")


async def assert_head_is_get_without_body(client: AsyncTestClient, path: str) -> None:
    got = await client.get(path)
    head = await client.head(path)
    assert head.status_code == got.status_code, path
    assert head.content == b"", path
    assert dict(head.headers) == dict(got.headers), path


async def test_head_on_the_store_pages_is_get_without_the_body(client: AsyncTestClient) -> None:
    client.follow_redirects = False
    for path in PAGES:
        await assert_head_is_get_without_body(client, path)


async def test_head_on_a_signed_in_page_is_get_without_the_body(client: AsyncTestClient, shopper: dict) -> None:
    for path in ["/account/orders", "/checkout"]:
        await assert_head_is_get_without_body(client, path)


def get_paths(app: Litestar) -> list[str]:
    """A concrete path for each route that answers GET, parameters filled with a value of their type."""
    example = {"int": "1", "str": "x", "path": "x"}
    return [PARAMETER.sub(lambda m: example[m.group(2)], route.path) for route in app.routes
            if isinstance(route, HTTPRoute) and "GET" in route.methods]


async def test_no_route_that_answers_get_refuses_head(client: AsyncTestClient) -> None:
    client.follow_redirects = False
    paths = get_paths(client.app)
    assert len(paths) > 50
    for path in paths:
        got = await client.get(path)
        head = await client.head(path)
        assert head.status_code == got.status_code != 405, path
        assert head.content == b"", path
