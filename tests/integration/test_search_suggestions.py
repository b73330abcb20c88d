"""A search that finds nothing suggests the products found with fewer words and the closest categories, as
links, on the full page (no JavaScript needed) and in the fragment HTMX swaps in."""
from __future__ import annotations

import html
import logging
import re

from litestar.testing import AsyncTestClient

from search_index.backends import SearchBackend
from search_index.query import SearchQuery
from search_index.suggestions import suggest
from storefront.app import create_app
from storefront.settings import Settings
from tests.integration.test_search_resilience import EngineDown, Recorder

HTMX = {"HX-Request": "true"}


def suggestion_links(page: str) -> list[tuple[str, str]]:
    [block] = re.findall(r'<div class="suggestions">(.*?)\n</div>', page, re.S)
    return [(html.unescape(href), html.unescape(text))
            for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', block)]


async def test_a_word_that_matches_nothing_is_left_out_and_its_products_suggested(client: AsyncTestClient) -> None:
    response = await client.get("/search", params={"q": "galaxy s21 xyzzy"})
    assert response.status_code == 200
    assert "No product matches." in response.text
    links = suggestion_links(response.text)
    assert links[0] == ("/search?q=galaxy+s21", "“galaxy s21”")
    assert "Did you mean" in response.text and "8 products for “galaxy s21”, among them:" in response.text
    products = [title for href, title in links if href.startswith("/p/")]
    assert len(products) == 4 and all(title.startswith("Samsung Galaxy S21 ") for title in products)
    assert ("/c/smartphones", "Smartphones") in links


async def test_the_htmx_fragment_carries_the_same_suggestions(client: AsyncTestClient) -> None:
    page = await client.get("/search", params={"q": "galaxy s21 xyzzy"})
    fragment = await client.get("/search", params={"q": "galaxy s21 xyzzy"}, headers=HTMX)
    assert "<html" not in fragment.text
    assert suggestion_links(fragment.text) == suggestion_links(page.text)


async def test_a_misspelt_category_suggests_that_category(client: AsyncTestClient) -> None:
    response = await client.get("/search", params={"q": "tablette"})
    assert "No product matches." in response.text
    assert suggestion_links(response.text)[0] == ("/c/tablets", "Tablets")
    assert "Did you mean one of these categories?" in response.text


async def test_with_the_engine_down_the_database_suggests_the_same(prepared_store: Settings) -> None:
    outage = Recorder()
    async with AsyncTestClient(app=create_app(prepared_store, EngineDown())) as client:
        # Attached after start-up: the app's logging configuration replaces the root logger's handlers.
        logging.getLogger("search_index.service").addHandler(outage)
        try:
            response = await client.get("/search", params={"q": "galaxy s21 xyzzy"})
        finally:
            logging.getLogger("search_index.service").removeHandler(outage)
    assert "simplified mode" in response.text
    # The search and the suggested products' search; the counts in between go straight to the database.
    assert len(outage.records) == 2
    links = suggestion_links(response.text)
    assert links[0] == ("/search?q=galaxy+s21", "“galaxy s21”")
    assert all(title.startswith("Samsung Galaxy S21 ") for href, title in links if href.startswith("/p/"))


async def test_words_that_find_nothing_together_keep_the_one_finding_the_most(backend: SearchBackend,
                                                                              settings: Settings) -> None:
    found = await suggest(backend, settings, SearchQuery(text="apple galaxy"))
    assert (found.text, len(found.products)) == ("apple", 4)  # more Apple products than Galaxy ones


async def test_nothing_close_still_offers_the_top_level_categories(backend: SearchBackend,
                                                                   settings: Settings) -> None:
    found = await suggest(backend, settings, SearchQuery(text="qqq"))
    assert (found.text, found.products, found.close_names) == ("", [], False)
    assert found.categories == [{"name": "Smartphones", "slug": "smartphones"},
                                {"name": "Tablets", "slug": "tablets"}, {"name": "Laptops", "slug": "laptops"}]


async def test_suggestions_keep_the_filters(client: AsyncTestClient) -> None:
    response = await client.get("/c/smartphones", params={"q": "galaxy s21 xyzzy", "storage": "256 GB"})
    links = suggestion_links(response.text)
    assert links[0] == ("/c/smartphones?q=galaxy+s21&storage=256+GB", "“galaxy s21”")
    assert "4 products for “galaxy s21”:" in response.text
    products = [title for href, title in links if href.startswith("/p/")]
    assert sorted(products) == ["Samsung Galaxy S21 256 GB Cream", "Samsung Galaxy S21 256 GB Green",
                                "Samsung Galaxy S21 256 GB Lavender", "Samsung Galaxy S21 256 GB Phantom Black"]
