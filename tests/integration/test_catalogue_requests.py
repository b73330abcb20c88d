"""Catalogue requests through HTTP: a seller asks for a missing model, each field is checked, the operator corrects,
approves (the variant exists, is findable and can be offered) or refuses with a reason; the seller is told by
e-mail either way, every decision is in the audit log, and nobody sees a request that is not theirs."""
from __future__ import annotations

import datetime as dt
import json
import random
import re
import uuid
from html import unescape

import pytest
from litestar.testing import AsyncTestClient

from storefront.catalog.safety import with_check_digit
from storefront.catalog.tables import Brand, CatalogueRequest, Category, ProductModel, Variant
from storefront.mail.tables import OutboxEmail
from storefront.moderation.tables import AuditEntry
from storefront.sellers.listing_views import find_variants
from storefront.sellers.listings import OfferFields, create_offer
from storefront.sellers.tables import Seller
from tests.integration.commerce import make_account, sign_in

CSRF = re.compile(r'name="_csrf" value="([^"]+)"')


def new_ean() -> str:
    return with_check_digit("7" + "".join(random.choice("0123456789") for _ in range(11)))


async def smartphones() -> int:
    return (await Category.select(Category.id).where(Category.slug == "smartphones").first())["id"]


async def request_form(**changes: str) -> dict[str, str]:
    return {"brand_name": f"Nothing {uuid.uuid4().hex[:4]}", "model_name": "Phone (2a)",
            "category": str(await smartphones()), "storage_gb": "256", "color": "Milk", "ean": new_ean(),
            "specifications": "Screen: 6.7 in\nProcessor: Dimensity 7200 Pro",
            "manufacturer_name": "Nothing Technology Limited",
            "manufacturer_address": "30 Bridge Street, London EC4V 6BJ, United Kingdom",
            "manufacturer_country": "GB", "manufacturer_email": "safety@nothing.example",
            "eu_responsible_name": "Nothing Technology Europe B.V.",
            "eu_responsible_address": "Stadhouderskade 1, 1054 ES Amsterdam, Netherlands",
            "eu_responsible_email": "eu-safety@nothing.example", "product_type": "Smartphone (mobile phone)",
            "safety_information": "Contains a lithium-ion battery: do not open, puncture or heat it.",
            **changes}


async def new_seller(tag: str = "") -> tuple[int, dict]:
    tag = tag or uuid.uuid4().hex[:6]
    seller = Seller(name=f"Refurb {tag}", slug=f"refurb-{tag}", legal_name=f"Refurb {tag} SAS",
                    email=f"contact@refurb-{tag}.example", status="referenced", self_certified=True,
                    joined_at=dt.datetime.now(dt.UTC))
    await seller.save()
    account = await make_account("seller", seller_id=seller.id, name=f"Refurb {tag} team")
    return seller.id, account


@pytest.fixture
async def seller(client: AsyncTestClient) -> dict:
    seller_id, account = await new_seller()
    await sign_in(client, account["id"])
    return {"id": seller_id, "account": account,
            "email": (await Seller.select(Seller.email).where(Seller.id == seller_id).first())["email"]}


async def post(client: AsyncTestClient, page: str, action: str, data: dict[str, str]):
    html = (await client.get(page)).text
    token = CSRF.search(html)
    assert token, f"{page} has a form"
    return await client.post(action, data={"_csrf": token.group(1), **data}, follow_redirects=False)


async def ask(client: AsyncTestClient, data: dict[str, str]):
    return await post(client, "/seller/catalogue-requests/new", "/seller/catalogue-requests", data)


async def as_operator(client: AsyncTestClient) -> dict:
    client.cookies.clear()
    operator = await make_account("operator", name="Olga Operator")
    await sign_in(client, operator["id"])
    return operator


async def mail_to(address: str) -> list[dict]:
    return await OutboxEmail.select().where(
        (OutboxEmail.to_address == address) & (OutboxEmail.kind == "catalogue_request")).order_by(OutboxEmail.id)


def request_id_of(answer) -> int:
    assert answer.status_code == 303, answer.text
    return int(re.fullmatch(r"/seller/catalogue-requests/(\d+)\?done=sent", answer.headers["location"]).group(1))


# The seller's side


async def test_the_request_form_takes_the_search_the_seller_typed(client: AsyncTestClient, seller: dict) -> None:
    with_brand = await client.get("/seller/catalogue-requests/new", params={"q": "samsung Galaxy S24 Ultra"})
    assert with_brand.status_code == 200
    assert 'name="brand_name" type="text"' in with_brand.text
    assert 'value="Samsung"' in with_brand.text and 'value="Galaxy S24 Ultra"' in with_brand.text
    model_only = await client.get("/seller/catalogue-requests/new", params={"q": "Phone (2a)"})
    assert 'value="Phone (2a)"' in unescape(model_only.text)


async def test_a_seller_requests_a_model_and_sees_it_waiting(client: AsyncTestClient, seller: dict) -> None:
    data = await request_form()
    request_id = request_id_of(await ask(client, data))
    row = await CatalogueRequest.select().where(CatalogueRequest.id == request_id).first()
    assert (row["seller_id"], row["status"], row["ean"], row["storage_gb"]) == (seller["id"], "pending", data["ean"],
                                                                               256)
    assert row["manufacturer_country"] == "GB" and row["eu_responsible_name"] == "Nothing Technology Europe B.V."
    page = await client.get(f"/seller/catalogue-requests/{request_id}?done=sent")
    assert "Your request is sent" in page.text and "Waiting for our review" in page.text
    listing = unescape((await client.get("/seller/catalogue-requests")).text)
    assert f"{data['brand_name']} Phone (2a) 256 GB Milk" in listing
    assert "Can't find your model? Request it" in listing


PROBLEMS = [
    ("brand_name", "", "Fill this in."),
    ("model_name", "", "Fill this in."),
    ("category", "", "Choose the category the product belongs in."),
    ("storage_gb", "256 GB", "Give the storage in whole gigabytes"),
    ("color", "", "Fill this in."),
    ("ean", "", "Enter the EAN (GTIN)"),
    ("ean", "12345", "An EAN (GTIN) is 8, 12, 13 or 14 digits"),
    ("ean", "4006381333932", "last digit does not match"),
    ("specifications", "Screen 6.7 in", "Line 1 needs a name, a colon and a value"),
    ("manufacturer_name", "", "Fill this in: buyers see it under “Product safety”"),
    ("manufacturer_address", "", "Fill this in: buyers see it under “Product safety”"),
    ("manufacturer_country", "U1", "Use the two-letter country code"),
    ("manufacturer_email", "safety-at-nothing", "Enter an e-mail address like safety@manufacturer.example."),
    ("eu_responsible_name", "", "The manufacturer is outside the EU"),
    ("eu_responsible_email", "nope", "Enter an e-mail address like safety@manufacturer.example."),
    ("product_type", "", "Fill this in: buyers see it under “Product safety”"),
    ("safety_information", "Be careful.", "Write the warnings a buyer needs"),
]


@pytest.mark.parametrize(("field", "value", "message"), PROBLEMS,
                         ids=[f"{p[0]}-{i}" for i, p in enumerate(PROBLEMS)])
async def test_each_field_is_checked_and_what_was_typed_is_kept(client: AsyncTestClient, seller: dict, field: str,
                                                               value: str, message: str) -> None:
    data = await request_form(**{field: value})
    answer = await ask(client, data)
    assert answer.status_code == 400
    assert message in unescape(answer.text)
    assert f'id="f-{field}-error"' in answer.text
    assert 'value="Phone (2a)"' in unescape(answer.text) or field == "model_name"
    assert not await CatalogueRequest.exists().where(CatalogueRequest.seller_id == seller["id"])


async def test_a_manufacturer_in_the_eu_needs_no_responsible_person(client: AsyncTestClient, seller: dict) -> None:
    data = await request_form(manufacturer_country="DE", eu_responsible_name="", eu_responsible_address="",
                              eu_responsible_email="")
    request_id = request_id_of(await ask(client, data))
    row = await CatalogueRequest.select().where(CatalogueRequest.id == request_id).first()
    assert row["eu_responsible_name"] == ""


async def test_an_ean_already_in_the_catalogue_is_refused_with_its_product(client: AsyncTestClient,
                                                                          seller: dict) -> None:
    variant = await Variant.select(Variant.ean, Variant.slug).where(Variant.ean != "").first()
    answer = await ask(client, await request_form(ean=variant["ean"]))
    assert answer.status_code == 400
    assert f"already in the catalogue (/p/{variant['slug']})" in unescape(answer.text)


async def test_the_same_ean_twice_while_pending_is_refused(client: AsyncTestClient, seller: dict) -> None:
    data = await request_form()
    request_id_of(await ask(client, data))
    again = await ask(client, data)
    assert again.status_code == 400 and "You have already asked for this EAN" in unescape(again.text)


async def test_a_seller_never_sees_another_sellers_request(client: AsyncTestClient, seller: dict) -> None:
    _, other_account = await new_seller()
    client.cookies.clear()
    await sign_in(client, other_account["id"])
    data = await request_form(model_name="Secret Prototype")
    theirs = request_id_of(await ask(client, data))
    client.cookies.clear()
    await sign_in(client, seller["account"]["id"])
    assert (await client.get(f"/seller/catalogue-requests/{theirs}")).status_code == 404
    assert "Secret Prototype" not in (await client.get("/seller/catalogue-requests")).text


async def test_only_the_operator_reaches_the_console_queue(client: AsyncTestClient, seller: dict) -> None:
    assert (await client.get("/ops/catalogue-requests")).status_code == 403  # a seller
    shopper = await make_account()
    client.cookies.clear()
    await sign_in(client, shopper["id"])
    assert (await client.get("/ops/catalogue-requests")).status_code == 403
    assert (await client.get("/seller/catalogue-requests")).status_code == 403
    client.cookies.clear()
    anonymous = await client.get("/ops/catalogue-requests", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")


# The operator's side


async def test_approving_makes_a_findable_variant_that_the_seller_can_offer(client: AsyncTestClient,
                                                                           seller: dict) -> None:
    data = await request_form()
    request_id = request_id_of(await ask(client, data))
    operator = await as_operator(client)
    queue = unescape((await client.get("/ops/catalogue-requests")).text)
    assert f"{data['brand_name']} Phone (2a) 256 GB Milk" in queue
    page = f"/ops/catalogue-requests/{request_id}"
    corrected = {**data, "color": "Milk White", "specifications": "Screen: 6.7 in"}
    answer = await post(client, page, f"{page}/approve", corrected)
    assert answer.status_code == 303 and answer.headers["location"] == f"{page}?done=approved"

    variant = await Variant.select().where(Variant.ean == data["ean"]).output(load_json=True).first()
    assert (variant["storage_gb"], variant["color"]) == (256, "Milk White")
    assert variant["slug"] == f"{data['brand_name'].lower().replace(' ', '-')}-phone-2a-256-gb-milk-white"
    assert variant["specs"] == {"Colour": "Milk White", "Storage": "256 GB", "Screen": "6.7 in"}
    model = await ProductModel.select().where(ProductModel.id == variant["model"]).first()
    assert (model["name"], model["manufacturer_name"], model["eu_responsible_name"]) == (
        "Phone (2a)", "Nothing Technology Limited", "Nothing Technology Europe B.V.")
    assert await Brand.exists().where(Brand.name == data["brand_name"])
    row = await CatalogueRequest.select().where(CatalogueRequest.id == request_id).first()
    assert (row["status"], row["variant"], row["color"]) == ("approved", variant["id"], "Milk White")

    product = await client.get(f"/p/{variant['slug']}")
    assert product.status_code == 200 and "Nothing Technology Limited" in product.text
    assert [v["id"] for v in await find_variants(f"{data['brand_name']} 256")] == [variant["id"]]
    offer_id = await create_offer(seller["id"], OfferFields(sku=f"PH2A-{uuid.uuid4().hex[:6]}",
                                                            variant_id=variant["id"], grade="excellent",
                                                            price_cents=29_900, stock=3))
    assert offer_id > 0

    (message,) = await mail_to(seller["email"])
    assert "is in the catalogue" in message["subject"] and f"/p/{variant['slug']}" in message["body"]
    trail = await AuditEntry.select().where((AuditEntry.subject_type == "catalogue")
                                           & (AuditEntry.subject_id == request_id))
    assert [(e["action"], e["actor"]) for e in trail] == [("catalogue request approved", operator["id"])]


async def test_a_request_for_a_known_model_adds_a_variant_to_it(client: AsyncTestClient, seller: dict) -> None:
    model = await ProductModel.select().where(ProductModel.slug == "samsung-galaxy-s23").first()
    variants_before = await Variant.count().where(Variant.model == model["id"])
    data = await request_form(brand_name="samsung", model_name="galaxy s23", color="Sky Blue",
                              manufacturer_name="Someone Else Ltd")
    request_id = request_id_of(await ask(client, data))
    await as_operator(client)
    page = f"/ops/catalogue-requests/{request_id}"
    assert (await post(client, page, f"{page}/approve", data)).status_code == 303
    variant = await Variant.select().where(Variant.ean == data["ean"]).first()
    assert variant["model"] == model["id"]
    assert await Variant.count().where(Variant.model == model["id"]) == variants_before + 1
    assert [b["name"].casefold() for b in await Brand.select(Brand.name)].count("samsung") == 1
    kept = await ProductModel.select(ProductModel.manufacturer_name).where(ProductModel.id == model["id"]).first()
    assert kept["manufacturer_name"] == "Samsung Electronics GmbH"  # the shared catalogue keeps its own


async def test_a_variant_that_exists_already_cannot_be_approved(client: AsyncTestClient, seller: dict) -> None:
    data = await request_form(brand_name="Samsung", model_name="Galaxy S23", storage_gb="128", color="Cream")
    request_id = request_id_of(await ask(client, data))
    await as_operator(client)
    page = f"/ops/catalogue-requests/{request_id}"
    answer = await post(client, page, f"{page}/approve", data)
    assert answer.status_code == 400
    assert "This model already has this storage and colour (/p/samsung-galaxy-s23-128-gb-cream)" in unescape(
        answer.text)
    assert not await Variant.exists().where(Variant.ean == data["ean"])


async def test_the_operator_corrects_a_request_before_deciding(client: AsyncTestClient, seller: dict) -> None:
    data = await request_form()
    request_id = request_id_of(await ask(client, data))
    await as_operator(client)
    page = f"/ops/catalogue-requests/{request_id}"
    bad = await post(client, page, f"{page}/correct", {**data, "ean": "123"})
    assert bad.status_code == 400 and 'value="123"' in bad.text
    answer = await post(client, page, f"{page}/correct", {**data, "model_name": "Phone (2a) Plus"})
    assert answer.status_code == 303
    row = await CatalogueRequest.select().where(CatalogueRequest.id == request_id).first()
    assert (row["model_name"], row["status"]) == ("Phone (2a) Plus", "pending")


async def test_refusing_needs_a_reason_which_the_seller_receives(client: AsyncTestClient, seller: dict) -> None:
    data = await request_form()
    request_id = request_id_of(await ask(client, data))
    operator = await as_operator(client)
    page = f"/ops/catalogue-requests/{request_id}"
    too_short = await post(client, page, f"{page}/refuse", {"reason": "No."})
    assert too_short.status_code == 400 and "Tell the seller why" in too_short.text
    reason = "This EAN belongs to a phone sold only outside the EU; it cannot be listed here."
    answer = await post(client, page, f"{page}/refuse", {"reason": reason})
    assert answer.status_code == 303 and answer.headers["location"] == f"{page}?done=refused"
    row = await CatalogueRequest.select().where(CatalogueRequest.id == request_id).first()
    assert (row["status"], row["reason"], row["variant"]) == ("refused", reason, None)
    (message,) = await mail_to(seller["email"])
    assert "refused" in message["subject"] and reason in message["body"]
    assert await AuditEntry.exists().where((AuditEntry.action == "catalogue request refused")
                                           & (AuditEntry.subject_id == request_id)
                                           & (AuditEntry.actor == operator["id"]))
    decided = await post(client, page, f"{page}/approve", data)
    assert decided.status_code == 400 and "already decided" in decided.text
    assert not await Variant.exists().where(Variant.ean == data["ean"])

    client.cookies.clear()
    await sign_in(client, seller["account"]["id"])
    seen = unescape((await client.get(f"/seller/catalogue-requests/{request_id}")).text)
    assert "Refused" in seen and reason in seen


async def test_the_specifications_are_stored_as_given(client: AsyncTestClient, seller: dict) -> None:
    data = await request_form(specifications="Screen: 6.7 in\n\nWeight:  190 g")
    request_id = request_id_of(await ask(client, data))
    await as_operator(client)
    page = f"/ops/catalogue-requests/{request_id}"
    assert (await post(client, page, f"{page}/approve", data)).status_code == 303
    variant = await Variant.select(Variant.specs).where(Variant.ean == data["ean"]).first()
    assert json.loads(variant["specs"]) == {"Colour": "Milk", "Storage": "256 GB", "Screen": "6.7 in",
                                            "Weight": "190 g"}


async def test_the_demo_store_has_a_request_waiting_in_the_console(client: AsyncTestClient) -> None:
    await as_operator(client)
    queue = unescape((await client.get("/ops/catalogue-requests")).text)
    assert "Nothing Phone (2a) 256 GB Milk" in queue and "ReNew Lab" in queue
    detail = await client.get("/ops/catalogue-requests/1")
    assert detail.status_code == 200 and 'value="Nothing Technology Limited"' in detail.text


async def test_a_brand_made_in_another_worker_reaches_this_ones_search_documents(prepared_store) -> None:
    from storefront.catalog import queries

    await queries.load_snapshot([1])  # this worker has read the brands
    brand = Brand(name="Elsewhere", slug="elsewhere")
    await brand.save()  # as an approval in another worker would
    model = ProductModel(name="Far Phone", slug="elsewhere-far-phone", brand=brand.id, category=await smartphones())
    await model.save()
    snapshot = await queries.load_snapshot([model.id])
    assert snapshot.brands[brand.id]["name"] == "Elsewhere"
    assert (await queries.model_with_context(model.id))[1]["name"] == "Elsewhere"
