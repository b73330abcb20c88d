"""When the search engine fails, shoppers still get pages; when the database changes, search follows."""
from __future__ import annotations

import logging
import re

import pytest
from litestar.testing import AsyncTestClient

from search_index.backends import SearchUnavailable
from search_index.query import SearchQuery
from storefront.app import create_app
from storefront.catalog.tables import Variant


class EngineDown:
    """A search backend whose server does not answer: every call fails as the real adapters do."""

    name = "down"

    def configure(self) -> None:
        raise SearchUnavailable("connection refused")

    def replace_all(self, docs) -> int:
        raise SearchUnavailable("connection refused")

    upsert = delete = replace_all

    def search(self, query: SearchQuery):
        raise SearchUnavailable("connection refused")

    def health(self) -> bool:
        return False


class EngineBroken(EngineDown):
    def search(self, query: SearchQuery):
        raise RuntimeError("a bug, not an outage")


@pytest.fixture
async def client_without_engine(prepared_store) -> AsyncTestClient:
    async with AsyncTestClient(app=create_app(prepared_store, EngineDown())) as client:
        yield client


async def test_search_answers_from_the_database_with_a_notice_when_the_engine_is_down(
    client_without_engine: AsyncTestClient,
) -> None:
    response = await client_without_engine.get("/search", params={"q": "galaxy s22", "grade": "good"})
    assert response.status_code == 200
    assert "Search is running in a simplified mode" in response.text
    titles = re.findall(r'<h3 class="card__title">(.*?)</h3>', response.text)
    assert titles and all("Galaxy S22" in t for t in titles)


async def test_category_and_home_pages_survive_the_engine_being_down(client_without_engine: AsyncTestClient) -> None:
    for path in ("/", "/c/consoles"):
        response = await client_without_engine.get(path)
        assert response.status_code == 200, path
        assert "simplified mode" in response.text


class Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def test_an_unexpected_error_is_an_html_500_page_and_its_traceback_is_logged(prepared_store) -> None:
    recorder = Recorder()
    # Attached after start-up: the app's logging configuration replaces the root logger's handlers.
    async with AsyncTestClient(app=create_app(prepared_store, EngineBroken())) as client:
        logging.getLogger("storefront.errors").addHandler(recorder)
        try:
            response = await client.get("/search")
        finally:
            logging.getLogger("storefront.errors").removeHandler(recorder)
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "Something went wrong on our side" in response.text and "a bug, not an outage" not in response.text
    assert recorder.records, "the 500 was not logged"
    exc_info = recorder.records[0].exc_info
    assert exc_info and "a bug, not an outage" in str(exc_info[1])


async def test_a_price_change_reaches_search_when_it_is_committed(client: AsyncTestClient, backend, settings) -> None:
    from tests.integration.builders import change_offer

    doc = backend.search(SearchQuery(text="switch oled")).hits[0]
    featured = doc["offers"][0]
    await change_offer(featured["offer_id"], settings, backend, price_cents=12_345)
    fresh = next(d for d in backend.search(SearchQuery(text="switch oled")).hits if d["id"] == doc["id"])
    prices = {o["offer_id"]: o["price_cents"] for o in fresh["offers"]}
    assert prices[featured["offer_id"]] == 12_345


async def test_the_database_fallback_builds_documents_only_for_products_that_match(
    client_without_engine: AsyncTestClient, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from search_index import build

    built: list[int] = []
    real_product_document = build.product_document

    def counted(**parts):
        built.append(parts["variant"]["id"])
        return real_product_document(**parts)

    monkeypatch.setattr(build, "product_document", counted)
    response = await client_without_engine.get("/search", params={"q": "galaxy s22"})
    assert response.status_code == 200 and "simplified mode" in response.text
    galaxy_s22 = {v["id"] for v in await Variant.select(Variant.id).where(Variant.model.name.like("Galaxy S22%"))}
    assert built, "the page shows products, so it built their documents"
    assert set(built) <= galaxy_s22, "no document was built for a product that does not match the text"


@pytest.mark.parametrize("query", [
    SearchQuery(text="galaxy s22", grade="good"), SearchQuery(text="azerty"), SearchQuery(text="128 gb"),
    SearchQuery(category="consoles", brands=("nintendo",)), SearchQuery(text="smartph", colors=("Blue",)),
], ids=lambda query: repr(query.text or query.category))
async def test_the_database_fallback_counts_products_and_facets_as_the_engine_does(
    backend, settings, query: SearchQuery
) -> None:
    from search_index import build
    from search_index.fallback import search_database

    await build.rebuild(backend, settings.ranking)  # the index as the database stands, whatever came before
    engine = backend.search(query)
    database = await search_database(query, settings.ranking)
    assert engine.total > 0
    assert (database.total, database.facets) == (engine.total, engine.facets)
    assert {hit["id"] for hit in database.hits} <= {hit["id"] for hit in backend.search(
        SearchQuery(**{**query.__dict__, "per_page": 1_000})).hits}
