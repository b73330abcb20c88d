"""One place drains the search outbox: after the response to a request that wrote to it, never after a read."""
from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from search_index import build
from search_index.drain import OutboxDrainer
from search_index.query import SearchQuery
from storefront.catalog.outbox import mark_model_for_reindex
from storefront.catalog.tables import SearchOutbox
from storefront.sellers.tables import Seller
from tests.integration.commerce import make_account, post_form, sign_in
from tests.integration.test_referencing import exclusive_seller


async def test_reads_never_drain_and_a_write_is_in_search_once_its_response_is_sent(
    client: AsyncTestClient, backend, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    drainer = OutboxDrainer(backend, settings.ranking)
    shop = await exclusive_seller()
    await mark_model_for_reindex(shop.model_id)
    await drainer.drain()
    drains: list[int] = []
    real_drain = build.drain

    async def counted(*args):
        drains.append(await real_drain(*args))
        return drains[-1]

    monkeypatch.setattr(build, "drain", counted)
    operator = await make_account(role="operator", name="Otto Operator")
    await sign_in(client, operator["id"])
    try:
        for path in ("/", "/search?q=walkie", f"/p/{shop.slug}", f"/ops/products/{shop.model_id}"):
            assert (await client.get(path)).status_code == 200, path
        assert drains == [], "a request that wrote nothing to the outbox does not look at it"
        assert shop.slug in {hit["slug"] for hit in backend.search(SearchQuery(text=shop.product_name)).hits}

        response = await post_form(client, f"/ops/products/{shop.model_id}",
                                   f"/ops/products/{shop.model_id}/dereference",
                                   {"ground": "dangerous", "facts": "The battery swells when charging."})
        assert response.status_code == 200 and "answers 410" in response.text
        assert drains == [1], "the dereferencing drained its one variant, once"
        assert await SearchOutbox.count() == 0
        assert shop.slug not in {hit["slug"] for hit in backend.search(SearchQuery(text=shop.product_name)).hits}
    finally:
        await Seller.update({Seller.status: "dereferenced"}).where(Seller.id == shop.seller_id)
        await mark_model_for_reindex(shop.model_id)
        await real_drain(backend, settings.ranking)
