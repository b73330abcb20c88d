"""Each test starts from the demo store as `prepare` made it, whatever the test before it did.

The two tests run in this order (pytest keeps the file's order): the first takes the whole catalogue off
sale and out of search, the second still finds it all.
"""
from __future__ import annotations

from search_index.backends import SearchBackend
from search_index.query import SearchQuery
from storefront.catalog.tables import Variant
from storefront.sellers.tables import Offer
from storefront.settings import Settings
from tests.integration.builders import reindex

DEMO_OFFERS = 3_008
IPHONES_IN_SEARCH = 72


async def test_a_test_may_take_the_whole_catalogue_off_sale(prepared_store: Settings, backend: SearchBackend) -> None:
    await Offer.update({Offer.status: "removed"}, force=True)
    await reindex([row["id"] for row in await Variant.select(Variant.id)], prepared_store, backend)
    assert await Offer.count().where(Offer.status == "active") == 0
    assert backend.search(SearchQuery(text="iphone")).total == 0


async def test_the_next_test_finds_the_demo_store_whole(prepared_store: Settings, backend: SearchBackend) -> None:
    assert await Offer.count().where(Offer.status == "active") == DEMO_OFFERS
    assert backend.search(SearchQuery(text="iphone")).total == IPHONES_IN_SEARCH
