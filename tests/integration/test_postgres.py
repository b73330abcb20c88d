"""The store on PostgreSQL: migrations run for real (`manage migrate` in a subprocess, as production
does), the demo catalogue loads, and the browsing path works on a database the test creates and drops."""
from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from search_index.drain import OutboxDrainer
from storefront.app import create_app
from storefront.sellers.tables import Offer, Seller

pytestmark = pytest.mark.postgres


async def test_migrations_create_every_table(postgres_store) -> None:
    rows = await postgres_store.engine.run_ddl(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    )
    names = {row["table_name"] for row in rows}
    assert {"category", "brand", "product_model", "variant", "seller", "offer", "search_outbox",
            "migration"} <= names


async def test_browsing_works_on_postgres(postgres_store) -> None:
    app = create_app(postgres_store.settings, postgres_store.backend)
    async with AsyncTestClient(app=app) as client:
        search = await client.get("/search", params={"q": "iphnoe"})
        assert search.status_code == 200 and "iPhone" in search.text
        product = await client.get("/p/apple-iphone-13-128-gb-midnight")
        assert product.status_code == 200 and "Choose the condition" in product.text


async def test_new_rows_get_fresh_ids_after_the_demo_load(postgres_store) -> None:
    seller = Seller(name="Sequence Check", slug="sequence-check", status="pending")
    await seller.save()
    assert seller.id > 25


async def test_dereferencing_a_seller_reaches_search_on_postgres(postgres_store) -> None:
    from storefront.moderation.referencing import terminate_seller
    from tests.integration.commerce import make_account

    # The catalogue loaded here has no demo accounts: the operator is made for the test.
    operator = await make_account(role="operator")
    drainer = OutboxDrainer(postgres_store.backend, postgres_store.settings.ranking)
    seller = await Seller.select().where(Seller.slug == "green-byte").first()
    offered = {row["variant"] for row in await Offer.select(Offer.variant).where(Offer.seller == seller["id"])}
    await terminate_seller(seller["id"], kind="breach", ground="law", facts="It sold devices with forged serials.",
                           operator_id=operator["id"], settings=postgres_store.settings)
    await drainer.drain()
    for doc in postgres_store.backend.search(postgres_store.query(per_page=500)).hits:
        if doc["id"] in offered:
            assert seller["id"] not in {o["seller_id"] for o in doc["offers"]}


async def test_the_audit_log_refuses_changes_on_postgres(postgres_store) -> None:
    import datetime as dt

    from storefront.moderation.tables import AuditEntry

    await AuditEntry.insert(AuditEntry(action="checked", subject_type="seller", subject_id=1,
                                       created_at=dt.datetime.now(dt.UTC)))
    for attempt in (AuditEntry.update({AuditEntry.detail: "rewritten"}, force=True),
                    AuditEntry.delete(force=True)):
        with pytest.raises(Exception, match="append-only"):
            await attempt
    with pytest.raises(Exception, match="append-only"):
        await postgres_store.engine.run_ddl("TRUNCATE audit_entry")
    assert await AuditEntry.count() >= 1


async def test_the_database_fallback_answers_on_postgres_as_the_engine_counts(postgres_store) -> None:
    from search_index.fallback import search_database

    query = postgres_store.query(text="galaxy s22", grade="good")
    engine = postgres_store.backend.search(query)
    database = await search_database(query, postgres_store.settings.ranking)
    assert database.total == engine.total > 0
    assert database.facets == engine.facets
    assert all("Galaxy S22" in hit["title"] for hit in database.hits)


async def test_the_sitemap_lists_and_dates_products_on_postgres(postgres_store) -> None:
    app = create_app(postgres_store.settings, postgres_store.backend)
    async with AsyncTestClient(app=app) as client:
        sitemap = await client.get("/sitemap.xml")
    assert sitemap.status_code == 200
    assert "<loc>http://127.0.0.1:8000/p/apple-iphone-13-128-gb-midnight</loc><lastmod>" in sitemap.text
    assert "<loc>http://127.0.0.1:8000/c/smartphones</loc><lastmod>" in sitemap.text


async def test_a_catalogue_request_is_approved_on_postgres(postgres_store) -> None:
    """The request's columns, the brand and model found or made, the variant with its JSON specifications."""
    from storefront.catalog import requests as catalogue
    from storefront.catalog.safety import with_check_digit
    from storefront.catalog.tables import CatalogueRequest, Category, ProductModel, Variant
    from storefront.demo.catalogue_requests import DEMO_REQUEST
    from tests.integration.commerce import make_account

    operator = await make_account(role="operator")
    seller = await Seller.select(Seller.id).where(Seller.slug == "green-byte").first()
    category = await Category.select(Category.id).where(Category.slug == "smartphones").first()
    data = catalogue.read_request_form({**DEMO_REQUEST, "category": str(category["id"]),
                                        "ean": with_check_digit("280000000077")})
    request_id = await catalogue.submit_request(seller["id"], data)
    variant_id = await catalogue.approve_request(request_id, data, operator_id=operator["id"],
                                                 settings=postgres_store.settings)
    variant = await Variant.select().where(Variant.id == variant_id).output(load_json=True).first()
    assert variant["specs"] == {"Colour": "Milk", "Storage": "256 GB", "Screen": "6.7 in", "Network": "5G"}
    model = await ProductModel.select().where(ProductModel.id == variant["model"]).first()
    assert (model["name"], model["eu_responsible_name"]) == ("Phone (2a)", "Nothing Europe B.V.")
    row = await CatalogueRequest.select().where(CatalogueRequest.id == request_id).first()
    assert (row["status"], row["variant"]) == ("approved", variant_id)
