"""What a search engine reads: /robots.txt, the sitemap (every URL it lists answers 200), and on every page
it may index exactly one canonical URL and a title of its own."""
from __future__ import annotations

import datetime as dt
import re
from html import unescape
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from litestar.testing import AsyncTestClient

from storefront.sellers.tables import Offer
from storefront.web import crawlers
from tests.integration.test_referencing import exclusive_seller
from tests.integration.test_valid_html import crawl

BASE = "http://127.0.0.1:8000"  # PUBLIC_BASE_URL's default, which the tests' settings keep
NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
CANONICAL = re.compile(r'<link rel="canonical" href="([^"]*)">')
NOINDEX = re.compile(r'<meta name="robots" content="[^"]*noindex')
TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def google_allows(robots: str, path: str) -> bool:
    """Google's reading of robots.txt for `User-agent: *`: the longest matching rule wins, Allow on a tie;
    `*` matches any run of characters and `$` the end. (Python's robotparser knows neither.)"""
    best: tuple[int, bool] = (-1, True)
    for line in robots.splitlines():
        field, _, value = line.partition(":")
        value = value.strip()
        if field.strip().lower() not in ("allow", "disallow") or not value:
            continue
        pattern = "".join(".*" if c == "*" else "$" if c == "$" else re.escape(c) for c in value)
        if re.match(pattern, path):
            allowed = field.strip().lower() == "allow"
            if (len(value), allowed) > best:
                best = (len(value), allowed)
    return best[1]


async def listed_urls(client: AsyncTestClient) -> list[str]:
    """Every <loc> of the sitemap, through its index when it is one."""
    response = await client.get("/sitemap.xml")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/xml")
    root = ElementTree.fromstring(response.content)
    if root.tag == f"{NS}urlset":
        return [loc.text or "" for loc in root.iter(f"{NS}loc")]
    urls = []
    for loc in root.iter(f"{NS}loc"):
        part = await client.get(urlsplit(loc.text or "").path)
        assert part.status_code == 200
        urls += [inner.text or "" for inner in ElementTree.fromstring(part.content).iter(f"{NS}loc")]
    return urls


def lastmod_of(xml: bytes, url: str) -> str | None:
    for entry in ElementTree.fromstring(xml).iter(f"{NS}url"):
        if entry.findtext(f"{NS}loc") == url:
            return entry.findtext(f"{NS}lastmod")
    raise AssertionError(f"{url} is not listed")


async def test_robots_txt_keeps_crawlers_out_of_private_areas_and_names_the_sitemap(client: AsyncTestClient) -> None:
    response = await client.get("/robots.txt")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    robots = response.text
    assert robots.startswith("User-agent: *\n")
    assert f"Sitemap: {BASE}/sitemap.xml" in robots.splitlines()
    for private in ("/account/orders", "/cart", "/checkout/address", "/seller/orders", "/ops", "/ops/audit",
                    "/dev/mailbox", "/login", "/signup", "/password/forgot", "/sandbox/pay/X1", "/report",
                    "/reviews/3/report", "/decisions/4/contest", "/search?q=iphone", "/search?brand=apple&page=2",
                    "/c/smartphones?grade=good", "/c/smartphones?sort=price_asc&page=2",
                    "/p/apple-iphone-13-128-gb-midnight/reviews?sort=newest"):
        assert not google_allows(robots, private), private
    for public in ("/", "/search", "/search?page=3", "/c/smartphones", "/c/smartphones?page=2", "/legal/terms",
                   "/p/apple-iphone-13-128-gb-midnight", "/p/apple-iphone-13-128-gb-midnight/reviews",
                   "/p/apple-iphone-13-128-gb-midnight/reviews?page=2", "/contact", "/media/variant/1.svg",
                   "/sitemap.xml"):
        assert google_allows(robots, public), public


async def test_every_url_the_sitemap_lists_answers_200_is_indexable_and_has_its_own_title(
        client: AsyncTestClient) -> None:
    urls = await listed_urls(client)
    robots = (await client.get("/robots.txt")).text
    assert len(urls) == len(set(urls)), "no URL is listed twice"
    assert {f"{BASE}/", f"{BASE}/legal/terms", f"{BASE}/legal/ranking", f"{BASE}/legal/reviews",
            f"{BASE}/contact/authorities", f"{BASE}/c/smartphones",
            f"{BASE}/p/apple-iphone-13-128-gb-midnight"} <= set(urls)
    titles: dict[str, str] = {}
    for url in urls:
        assert url.startswith(BASE + "/")
        response = await client.get(url.removeprefix(BASE))
        assert response.status_code == 200, url
        assert not NOINDEX.search(response.text), f"{url} is listed but says noindex"
        assert CANONICAL.findall(response.text) == [url], f"{url} is not its own canonical URL"
        titles[url] = unescape(TITLE.findall(response.text)[0])
        assert google_allows(robots, url.removeprefix(BASE)), f"robots.txt keeps crawlers from {url}"
    repeated = {title for title in titles.values() if list(titles.values()).count(title) > 1}
    assert repeated == set()


async def test_the_sitemap_lists_only_products_on_sale_dated_by_their_offers(client: AsyncTestClient) -> None:
    on_sale = await exclusive_seller()
    written = dt.datetime(2026, 10, 5, 8, 30, tzinfo=dt.UTC)
    await Offer.update({Offer.updated_at: written}).where(Offer.seller == on_sale.seller_id)
    sold_out = await exclusive_seller()
    await Offer.update({Offer.stock: 0}).where(Offer.seller == sold_out.seller_id)
    gone = await exclusive_seller(status="dereferenced")  # its product page answers 410
    pending = await exclusive_seller(status="pending")
    xml = (await client.get("/sitemap.xml")).content
    urls = {loc.text for loc in ElementTree.fromstring(xml).iter(f"{NS}loc")}
    assert f"{BASE}/p/{on_sale.slug}" in urls
    assert lastmod_of(xml, f"{BASE}/p/{on_sale.slug}") == "2026-10-05T08:30:00+00:00"
    for unlisted in (sold_out, gone, pending):
        assert f"{BASE}/p/{unlisted.slug}" not in urls
    assert (await client.get(f"/p/{gone.slug}")).status_code == 410
    # No row says when a legal text changed: no date rather than an invented one.
    assert lastmod_of(xml, f"{BASE}/legal/terms") is None


async def test_a_large_sitemap_is_split_into_parts_under_an_index(client: AsyncTestClient,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    whole = await listed_urls(client)
    monkeypatch.setattr(crawlers, "URLS_PER_SITEMAP", 100)
    response = await client.get("/sitemap.xml")
    index = ElementTree.fromstring(response.content)
    assert index.tag == f"{NS}sitemapindex"
    parts = [loc.text for loc in index.iter(f"{NS}loc")]
    expected_parts = -(-len(whole) // 100)
    assert parts == [f"{BASE}/sitemaps/{n}.xml" for n in range(1, expected_parts + 1)]
    assert all(entry.findtext(f"{NS}lastmod") for entry in index.iter(f"{NS}sitemap"))
    assert await listed_urls(client) == whole
    assert (await client.get(f"/sitemaps/{expected_parts + 1}.xml")).status_code == 404
    assert (await client.get("/sitemaps/one.xml")).status_code == 404


async def test_every_indexable_page_a_visitor_reaches_has_one_canonical_and_a_title_of_its_own(
        client: AsyncTestClient) -> None:
    pages = await crawl(client)
    assert len(pages) > 40, "the crawl reached the shop's kinds of pages"
    title_of: dict[str, str] = {}
    for path, html in pages.items():
        if NOINDEX.search(html):
            assert CANONICAL.findall(html) == [], f"{path} says noindex and names a canonical URL"
            continue
        canonicals = CANONICAL.findall(html)
        assert len(canonicals) == 1, f"{path} has {len(canonicals)} canonical links"
        # Pages that name the same canonical URL are one page to a search engine (a sort order, say).
        title = unescape(TITLE.findall(html)[0])
        assert title_of.setdefault(canonicals[0], title) == title, path
    titles = list(title_of.values())
    assert sorted({t for t in titles if titles.count(t) > 1}) == []


async def test_later_pages_have_their_own_title_and_canonical_and_filters_are_not_indexed(
        client: AsyncTestClient) -> None:
    second = (await client.get("/c/smartphones", params={"page": "2", "sort": "price_asc", "utm_source": "x"})).text
    assert CANONICAL.findall(second) == [f"{BASE}/c/smartphones?page=2"]
    assert unescape(TITLE.findall(second)[0]) == "Refurbished smartphones — page 2 · Encore"
    first = (await client.get("/c/smartphones")).text
    assert CANONICAL.findall(first) == [f"{BASE}/c/smartphones"]
    assert unescape(TITLE.findall(first)[0]) == "Refurbished smartphones · Encore"
    filtered = (await client.get("/c/smartphones", params={"grade": "good"})).text
    assert NOINDEX.search(filtered) and CANONICAL.findall(filtered) == []
    beyond = (await client.get("/c/smartphones", params={"page": "200"})).text
    assert NOINDEX.search(beyond), "a page past the last one is not indexed"


async def test_review_sort_orders_are_not_indexed_and_the_default_order_is_canonical(
        client: AsyncTestClient) -> None:
    slug = "apple-iphone-13-128-gb-midnight"
    default = (await client.get(f"/p/{slug}/reviews", params={"sort": "relevance"})).text
    assert CANONICAL.findall(default) == [f"{BASE}/p/{slug}/reviews"]
    assert not NOINDEX.search(default)
    newest = (await client.get(f"/p/{slug}/reviews", params={"sort": "newest"})).text
    assert NOINDEX.search(newest) and CANONICAL.findall(newest) == []
    second = (await client.get(f"/p/{slug}/reviews", params={"page": "2"})).text
    assert CANONICAL.findall(second) == [f"{BASE}/p/{slug}/reviews?page=2"]
    assert unescape(TITLE.findall(second)[0]) == ("Reviews of the Apple iPhone 13 128 GB Midnight refurbished"
                                                 " — page 2 · Encore")
