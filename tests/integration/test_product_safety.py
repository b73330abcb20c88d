"""Product safety (GPSR Art. 19) and trader information (DSA Art. 30(7), 31) on the product page: every field of
the model's safety information with the variant's EAN, the EU responsible person when the manufacturer is outside
the EU, and each offer, featured or not, with its seller's details. The operator sets the safety information."""
from __future__ import annotations

import re
from html import unescape

import pytest
from litestar.testing import AsyncTestClient

from storefront.catalog.tables import ProductModel, Variant
from storefront.demo.data import MANUFACTURERS, PRODUCT_SAFETY
from storefront.moderation.tables import AuditEntry
from storefront.sellers.tables import Offer
from tests.integration.commerce import make_account, sign_in

IPHONE = "apple-iphone-13-128-gb-midnight"
PIXEL = "google-pixel-7-128-gb-obsidian"
CSRF = re.compile(r'name="_csrf" value="([^"]+)"')


def safety_section(html: str) -> str:
    start = html.index('id="product-safety"')
    return unescape(html[start:html.index("</section>", start)])


async def test_the_product_page_shows_every_field_of_the_product_safety_information(
        client: AsyncTestClient) -> None:
    page = await client.get(f"/p/{IPHONE}")
    section = safety_section(page.text)
    variant = await Variant.select(Variant.ean).where(Variant.slug == IPHONE).first()
    for text in ("Apple Distribution International Ltd", "Hollyhill Industrial Estate, Hollyhill, Cork, T23 YK84",
                 "product-safety@apple.example", "Smartphone (mobile phone)", variant["ean"],
                 "Contains a lithium-ion battery: do not open, puncture, crush or heat it"):
        assert text in section, text
    assert variant["ean"] and len(variant["ean"]) == 13
    assert "Responsible person in the EU" not in section  # Apple's manufacturer here is in Ireland


async def test_a_manufacturer_outside_the_eu_names_its_eu_responsible_person(client: AsyncTestClient) -> None:
    section = safety_section((await client.get(f"/p/{PIXEL}")).text)
    assert "Google LLC" in section and "Mountain View" in section
    assert "Responsible person in the EU" in section
    assert "Google Ireland Limited" in section and "Gordon House, Barrow Street, Dublin 4" in section
    assert "eu-safety@google.example" in section


async def test_the_demo_catalogue_gives_every_model_its_safety_information(prepared_store) -> None:
    models = await ProductModel.select()
    assert len(models) == 73
    assert [m["name"] for m in models if not (m["manufacturer_name"] and m["product_type"]
                                              and len(m["safety_information"]) >= 20)] == []
    outside = [m for m in models if m["manufacturer_country"] not in ("IE", "DE", "NL")]
    assert outside and all(m["eu_responsible_name"] for m in outside)
    assert set(MANUFACTURERS) >= {"Apple", "Samsung"} and "smartphones" in PRODUCT_SAFETY


async def test_a_model_without_safety_information_says_it_is_being_added(client: AsyncTestClient) -> None:
    model = await Variant.select(Variant.model).where(Variant.slug == IPHONE).first()
    await ProductModel.update({ProductModel.manufacturer_name: ""}).where(ProductModel.id == model["model"])
    section = safety_section((await client.get(f"/p/{IPHONE}")).text)
    assert "being added" in section


async def test_every_offer_on_the_product_page_links_its_sellers_trader_information(
        client: AsyncTestClient) -> None:
    html = (await client.get(f"/p/{IPHONE}")).text
    offer_ids = [int(o) for o in re.findall(r'id="offer-(\d+)"', html)]
    others = html[html.index('id="others-title"'):]
    assert len(re.findall(r'<tr id="offer-\d+"', others)) >= 1 and len(offer_ids) >= 5, "featured and other offers"
    assert html.count('<details class="seller-identity">') == len(offer_ids)
    sellers = {row["id"]: row for row in await Offer.select(
        Offer.id, Offer.seller.legal_name.as_alias("legal_name"), Offer.seller.phone.as_alias("phone"),
        Offer.seller.trade_register_number.as_alias("register")).where(Offer.id.is_in(offer_ids))}
    for offer_id, following in zip(offer_ids, [*offer_ids[1:], None], strict=True):
        begin = html.index(f'id="offer-{offer_id}"')
        block = unescape(html[begin:html.index(f'id="offer-{following}"') if following else len(html)])
        seller = sellers[offer_id]
        for detail in (seller["legal_name"], seller["phone"], seller["register"], "Self-certification"):
            assert detail in block, (offer_id, detail)


@pytest.fixture
async def operator_client(client: AsyncTestClient) -> tuple[AsyncTestClient, dict]:
    operator = await make_account("operator", name="Olga Operator")
    await sign_in(client, operator["id"])
    return client, operator


async def model_id_of(slug: str) -> int:
    return (await Variant.select(Variant.model).where(Variant.slug == slug).first())["model"]


async def test_the_console_shows_a_products_safety_information(operator_client) -> None:
    client, _ = operator_client
    page = unescape((await client.get(f"/ops/products/{await model_id_of(PIXEL)}")).text)
    assert "Product safety" in page and "Google LLC" in page and "Google Ireland Limited" in page


async def test_the_operator_corrects_the_safety_information_and_every_listing_shows_it(operator_client) -> None:
    client, operator = operator_client
    model_id = await model_id_of(PIXEL)
    form_page = await client.get(f"/ops/products/{model_id}/safety")
    assert form_page.status_code == 200 and 'value="Google LLC"' in form_page.text
    model = await ProductModel.select().where(ProductModel.id == model_id).first()
    fields = {name: model[name] for name in ("manufacturer_name", "manufacturer_address", "manufacturer_country",
                                             "manufacturer_email", "eu_responsible_name", "eu_responsible_address",
                                             "eu_responsible_email", "product_type", "safety_information")}
    token = CSRF.search(form_page.text).group(1)

    missing = await client.post(f"/ops/products/{model_id}/safety", follow_redirects=False,
                                data={"_csrf": token, **fields, "eu_responsible_name": ""})
    assert missing.status_code == 400
    assert "The manufacturer is outside the EU" in unescape(missing.text)

    warnings = "Contains a lithium-ion battery. Do not use it near water after a drop: its seals may be damaged."
    saved = await client.post(f"/ops/products/{model_id}/safety", follow_redirects=False,
                              data={"_csrf": token, **fields, "safety_information": warnings})
    assert saved.status_code == 303 and saved.headers["location"] == f"/ops/products/{model_id}?done=safety_saved"
    assert warnings in safety_section((await client.get(f"/p/{PIXEL}")).text)
    assert await AuditEntry.exists().where((AuditEntry.action == "product safety information set")
                                           & (AuditEntry.subject_id == model_id)
                                           & (AuditEntry.actor == operator["id"]))


async def test_a_manufacturer_moving_into_the_eu_drops_the_responsible_person(operator_client) -> None:
    client, _ = operator_client
    model_id = await model_id_of(PIXEL)
    form_page = await client.get(f"/ops/products/{model_id}/safety")
    model = await ProductModel.select().where(ProductModel.id == model_id).first()
    data = {name: model[name] for name in ("manufacturer_name", "manufacturer_address", "manufacturer_email",
                                           "eu_responsible_name", "eu_responsible_address", "eu_responsible_email",
                                           "product_type", "safety_information")}
    answer = await client.post(f"/ops/products/{model_id}/safety", follow_redirects=False, data={
        "_csrf": CSRF.search(form_page.text).group(1), **data, "manufacturer_country": "ie"})
    assert answer.status_code == 303
    section = safety_section((await client.get(f"/p/{PIXEL}")).text)
    assert "Responsible person in the EU" not in section and "Google Ireland Limited" not in section
