"""Shoppers write model names and storage joined or apart, and abbreviate: the demo store's search finds
what they mean with its engine and with its database fallback alike."""
from __future__ import annotations

import pytest

from search_index.backends import SearchBackend, SearchUnavailable
from search_index.query import SearchQuery, SearchResult
from search_index.service import search
from storefront.settings import Settings


class EngineDown:
    """The engine does not answer, so the store answers from its database."""

    name = "down"

    def search(self, query: SearchQuery) -> SearchResult:
        raise SearchUnavailable("connection refused")


@pytest.fixture(params=["engine", "database"])
def answering(request: pytest.FixtureRequest, backend: SearchBackend) -> object:
    return backend if request.param == "engine" else EngineDown()


async def titles(answering: object, settings: Settings, text: str) -> list[str]:
    found = await search(answering, settings, SearchQuery(text=text, per_page=200))  # type: ignore[arg-type]
    assert found.degraded == isinstance(answering, EngineDown)
    return sorted(card.document["title"] for card in found.cards)


async def test_ps5_finds_the_playstation_5(answering: object, settings: Settings) -> None:
    assert await titles(answering, settings, "ps5") == ["Sony PlayStation 5 1 TB White",
                                                        "Sony PlayStation 5 825 GB White"]


async def test_iphone13_finds_the_iphone_13(answering: object, settings: Settings) -> None:
    found = await titles(answering, settings, "iphone13")
    assert "Apple iPhone 13 128 GB Midnight" in found and "Apple iPhone 13 Pro 256 GB Graphite" in found
    assert all(title.startswith("Apple iPhone 13 ") for title in found)
    assert found == await titles(answering, settings, "iPhone 13")


async def test_256gb_finds_the_256_gb_variants(answering: object, settings: Settings) -> None:
    found = await titles(answering, settings, "256gb")
    assert {"Apple iPhone 13 256 GB Starlight", "Samsung Galaxy S21 256 GB Cream",
            "Apple MacBook Air M1 256 GB Silver"} <= set(found)
    assert all(" 256 GB " in title for title in found)
    assert found == await titles(answering, settings, "256 gb")


async def test_galaxy_s21_256gb_finds_the_galaxy_s21_256_gb_variants(answering: object, settings: Settings) -> None:
    found = await titles(answering, settings, "galaxy s21 256gb")
    assert found == ["Samsung Galaxy S21 256 GB Cream", "Samsung Galaxy S21 256 GB Green",
                     "Samsung Galaxy S21 256 GB Lavender", "Samsung Galaxy S21 256 GB Phantom Black"]


@pytest.mark.parametrize("text", ["ps5", "iphone13", "256gb", "galaxy s21 256gb"])
async def test_the_database_counts_what_the_engine_counts(backend: SearchBackend, settings: Settings,
                                                          text: str) -> None:
    from search_index.fallback import search_database

    query = SearchQuery(text=text)
    engine = backend.search(query)
    database = await search_database(query, settings.ranking)
    assert engine.total > 0
    assert (database.total, database.facets) == (engine.total, engine.facets)
