"""The console's catalogue measures through HTTP: referencing a seller, terminating it with notice or
dereferencing it for a breach, reinstating it, dereferencing a product, and what shoppers and search see
after each. Every measure leaves a statement of reasons in the seller's mailbox and a line in the audit log."""
from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import re
import uuid
from dataclasses import dataclass
from html import unescape

import pytest
from litestar.testing import AsyncTestClient

from search_index.drain import OutboxDrainer
from storefront.app import create_app
from storefront.catalog.outbox import mark_model_for_reindex
from storefront.catalog.tables import Brand, Category, ProductModel, Variant
from storefront.mail.tables import OutboxEmail
from storefront.moderation import referencing
from storefront.moderation.tables import AuditEntry, Complaint, Decision
from storefront.sellers.services import iban_with_check_digits
from storefront.sellers.tables import Offer, Seller
from storefront.settings import Settings
from tests.integration.commerce import make_account, post_form, sign_in


@dataclass
class ExclusiveSeller:
    """A seller that alone offers one product, so its fate decides whether that product can be bought."""

    seller_id: int
    name: str
    email: str
    model_id: int
    slug: str
    product_name: str
    account_id: int
    account_email: str


async def exclusive_seller(status: str = "referenced", **identity: object) -> ExclusiveSeller:
    tag = uuid.uuid4().hex[:6]
    name = f"Atelier {tag}"
    now = dt.datetime.now(dt.UTC)
    seller = Seller(name=name, slug=f"atelier-{tag}", legal_name=f"Atelier {tag} SARL", address="2 quai du Port",
                    phone="+33 2 40 00 00 00", email=f"contact@atelier-{tag}.example", trade_register_number="RCS 1",
                    self_certified=True, status=status, joined_at=now, representative_name="Anne Ouest",
                    id_document="ID card 4455", payment_account=iban_with_check_digits("FR", "3000400001" + "7" * 13))
    for column, value in identity.items():
        setattr(seller, column, value)
    await seller.save()
    brand = await Brand.select(Brand.id).first()
    category = await Category.select(Category.id).where(Category.slug == "smartphones").first()
    product_name = f"Walkie {tag}"
    model = ProductModel(name=product_name, slug=f"walkie-{tag}", brand=brand["id"], category=category["id"])
    await model.save()
    variant = Variant(model=model.id, slug=f"walkie-{tag}-64-gb-black", storage_gb=64, color="Black",
                      reference_price_cents=30_000)
    await variant.save()
    await Offer(seller=seller.id, variant=variant.id, grade="excellent", price_cents=12_900, stock=4,
                updated_at=now).save()
    account = await make_account(role="seller", seller_id=seller.id, name=f"{name} owner")
    return ExclusiveSeller(seller.id, name, seller.email, model.id, variant.slug, product_name, account["id"],
                           account["email"])


async def reindex(shop: ExclusiveSeller, drainer: OutboxDrainer) -> None:
    await mark_model_for_reindex(shop.model_id)
    await drainer.drain()


@pytest.fixture
async def operator_client(client: AsyncTestClient) -> AsyncTestClient:
    operator = await make_account(role="operator", name="Olga Operator")
    await sign_in(client, operator["id"])
    return client


async def found_in_search(client: AsyncTestClient, shop: ExclusiveSeller) -> bool:
    """The product is among the results (the page repeats the query, so look for its link)."""
    return f'href="/p/{shop.slug}' in (await client.get("/search", params={"q": shop.product_name})).text


async def mail_to(address: str) -> list[dict]:
    return await OutboxEmail.select().where(OutboxEmail.to_address == address).order_by(OutboxEmail.id)


@pytest.mark.parametrize("path", ["/ops/sellers", "/ops/sellers/1", "/ops/products", "/ops/products/1", "/ops/audit"])
async def test_the_catalogue_console_is_for_operators_only(client: AsyncTestClient, path: str) -> None:
    anonymous = await client.get(path, follow_redirects=False)
    assert anonymous.status_code in (302, 303) and anonymous.headers["location"].startswith("/login")
    shopper = await make_account()
    await sign_in(client, shopper["id"])
    assert (await client.get(path)).status_code == 403


async def test_a_pending_seller_goes_on_sale_when_referenced(operator_client: AsyncTestClient, drainer) -> None:
    shop = await exclusive_seller(status="pending")
    await reindex(shop, drainer)
    assert not await found_in_search(operator_client, shop)
    listing = await operator_client.get("/ops/sellers?status=pending")
    assert shop.name in listing.text
    queue = (await operator_client.get("/ops/")).text
    assert re.search(r"Sellers waiting to be referenced: <strong>[1-9]", queue), "the queue points to it"

    response = await post_form(operator_client, f"/ops/sellers/{shop.seller_id}",
                               f"/ops/sellers/{shop.seller_id}/reference")
    assert response.status_code == 200 and "its offers are on sale" in response.text
    assert (await Seller.select(Seller.status).where(Seller.id == shop.seller_id).first())["status"] == "referenced"
    assert await found_in_search(operator_client, shop)
    assert shop.name in (await operator_client.get(f"/p/{shop.slug}")).text
    assert any(m["kind"] == "seller_referenced" for m in await mail_to(shop.email))
    await Seller.update({Seller.status: "dereferenced"}).where(Seller.id == shop.seller_id)
    await reindex(shop, drainer)


async def test_a_seller_without_complete_traceability_cannot_be_referenced(operator_client: AsyncTestClient) -> None:
    shop = await exclusive_seller(status="pending", trade_register_number="", self_certified=False)
    response = await post_form(operator_client, f"/ops/sellers/{shop.seller_id}",
                               f"/ops/sellers/{shop.seller_id}/reference")
    assert response.status_code == 400
    text = unescape(response.text)
    assert text.count("trade register number, self-certification") == 1, "what is missing is said once"
    assert re.search(r'<button type="submit" disabled[^>]*>Reference this seller</button>', text)
    assert (await Seller.select(Seller.status).where(Seller.id == shop.seller_id).first())["status"] == "pending"


async def test_the_console_names_seller_states_and_counts_no_offer_of_a_pending_seller_on_sale(
    operator_client: AsyncTestClient,
) -> None:
    shop = await exclusive_seller(status="pending")
    listing = (await operator_client.get("/ops/sellers?status=pending")).text
    row = listing[listing.index(shop.name):].split("</tr>")[0]
    assert "Waiting for referencing" in row and ">pending<" not in row
    page = unescape((await operator_client.get(f"/ops/sellers/{shop.seller_id}")).text)
    assert re.search(r"<dt>Offers</dt><dd>0 on sale of [1-9]", page)


async def test_dereferencing_for_a_breach_takes_the_offers_off_at_once(
    operator_client: AsyncTestClient, shop: ExclusiveSeller
) -> None:
    assert await found_in_search(operator_client, shop)
    facts = "Three buyers received phones with counterfeit screens in October."
    response = await post_form(operator_client, f"/ops/sellers/{shop.seller_id}",
                               f"/ops/sellers/{shop.seller_id}/terminate",
                               {"kind": "breach", "ground": "quality_charter", "facts": facts})
    assert response.status_code == 200 and "offers have left search" in response.text

    assert (await operator_client.get(f"/p/{shop.slug}")).status_code == 410, "no other seller offers it"
    assert not await found_in_search(operator_client, shop)
    decision = await Decision.select().where(
        (Decision.subject_type == "seller") & (Decision.subject_id == shop.seller_id)).first()
    assert decision["measure"] == "seller dereferenced for a breach"
    assert decision["recipient_account"] == shop.account_id
    statement = [m for m in await mail_to(shop.email) if m["kind"] == "statement_of_reasons"][-1]
    assert facts in statement["body"] and "Breach of the quality charter" in statement["body"]
    assert "no automated means" in statement["body"] and f"/decisions/{decision['id']}/contest" in statement["body"]
    trail = await AuditEntry.select().where(
        (AuditEntry.subject_type == "seller") & (AuditEntry.subject_id == shop.seller_id))
    assert any(e["action"] == "decision: seller dereferenced for a breach" for e in trail)


async def test_a_breach_needs_its_ground_and_facts_and_keeps_what_was_typed(
    operator_client: AsyncTestClient, shop: ExclusiveSeller
) -> None:
    response = await post_form(operator_client, f"/ops/sellers/{shop.seller_id}",
                               f"/ops/sellers/{shop.seller_id}/terminate",
                               {"kind": "breach", "ground": "", "facts": "Fake <b>IMEI</b> numbers"})
    assert response.status_code == 400
    assert "Choose the rule the seller breached." in response.text
    assert "Fake &lt;b&gt;IMEI&lt;/b&gt; numbers" in response.text
    assert (await Seller.select(Seller.status).where(Seller.id == shop.seller_id).first())["status"] == "referenced"


async def test_terminating_for_convenience_gives_notice_then_the_offers_leave(
    operator_client: AsyncTestClient, shop: ExclusiveSeller, drainer: OutboxDrainer, settings: Settings
) -> None:
    before = dt.datetime.now(dt.UTC)
    response = await post_form(operator_client, f"/ops/sellers/{shop.seller_id}",
                               f"/ops/sellers/{shop.seller_id}/terminate",
                               {"kind": "convenience", "facts": "We are closing the walkie-talkie category."})
    assert response.status_code == 200 and "Notice given" in response.text

    seller = await Seller.select().where(Seller.id == shop.seller_id).first()
    notice = seller["terminates_at"] - before
    assert dt.timedelta(days=30) <= notice < dt.timedelta(days=30, minutes=1)
    assert seller["status"] == "referenced" and await found_in_search(operator_client, shop), "still on sale"
    statement = [m for m in await mail_to(shop.email) if m["kind"] == "statement_of_reasons"][-1]
    assert f"until {seller['terminates_at']:%d %B %Y}" in statement["body"]
    assert "contract terminated with notice" in statement["subject"]
    assert "Ground: notice of 30 days (Termination for convenience under the seller conditions)" in statement["body"]

    assert await referencing.apply_due_terminations(now=before + dt.timedelta(days=29)) == 0
    # Two processes running the job at once: one takes the seller off, and one audit entry says so.
    ended = await asyncio.gather(*(referencing.apply_due_terminations(now=before + dt.timedelta(days=31))
                                   for _ in range(2)))
    assert sorted(ended) == [0, 1]
    assert await AuditEntry.count().where((AuditEntry.action == "notice period ended")
                                          & (AuditEntry.subject_id == shop.seller_id)) == 1
    await drainer.drain()  # what the scheduled jobs do after their run
    assert not await found_in_search(operator_client, shop)
    assert (await operator_client.get(f"/p/{shop.slug}")).status_code == 410


async def test_the_notice_period_comes_from_the_configuration(
    prepared_store: Settings, backend, shop: ExclusiveSeller
) -> None:
    app = create_app(dataclasses.replace(prepared_store, seller_termination_notice_days=45), backend)
    async with AsyncTestClient(app=app) as client:
        operator = await make_account(role="operator")
        await sign_in(client, operator["id"])
        page = await client.get(f"/ops/sellers/{shop.seller_id}")
        assert "with 45 days' notice" in unescape(page.text)
        await post_form(client, f"/ops/sellers/{shop.seller_id}", f"/ops/sellers/{shop.seller_id}/terminate",
                        {"kind": "convenience", "facts": "Contract not renewed this year."})
    seller = await Seller.select().where(Seller.id == shop.seller_id).first()
    assert seller["terminates_at"] - dt.datetime.now(dt.UTC) > dt.timedelta(days=44)


async def test_reinstating_puts_the_offers_back_on_sale(
    operator_client: AsyncTestClient, shop: ExclusiveSeller
) -> None:
    await post_form(operator_client, f"/ops/sellers/{shop.seller_id}", f"/ops/sellers/{shop.seller_id}/terminate",
                    {"kind": "breach", "ground": "law", "facts": "Listings claimed the phones were new."})
    assert not await found_in_search(operator_client, shop)
    response = await post_form(operator_client, f"/ops/sellers/{shop.seller_id}",
                               f"/ops/sellers/{shop.seller_id}/reinstate", {"note": "Listings corrected."})
    assert "Reinstated" in response.text
    assert await found_in_search(operator_client, shop)
    assert (await operator_client.get(f"/p/{shop.slug}")).status_code == 200
    assert any(m["kind"] == "seller_reinstated" and "Listings corrected." in m["body"]
               for m in await mail_to(shop.email))


async def contested_breach(client: AsyncTestClient, shop: ExclusiveSeller) -> tuple[dict, dict]:
    """The operator dereferences the shop for a breach and the seller contests it, both through the pages.
    Returns the operator's account and the open complaint."""
    operator = await make_account(role="operator")
    await sign_in(client, operator["id"])
    await post_form(client, f"/ops/sellers/{shop.seller_id}", f"/ops/sellers/{shop.seller_id}/terminate",
                    {"kind": "breach", "ground": "sales_conditions", "facts": "Orders left unshipped for 10 days."})
    decision = await Decision.select().where(
        (Decision.subject_type == "seller") & (Decision.subject_id == shop.seller_id)).first()
    await sign_in(client, shop.account_id)
    await post_form(client, f"/decisions/{decision['id']}/contest", f"/decisions/{decision['id']}/contest",
                    {"message": "The orders were shipped; the carrier lost the scans. Tracking numbers attached."})
    complaint = await Complaint.select().where(Complaint.decision == decision["id"]).first()
    return operator, complaint


async def test_a_seller_contests_and_the_operator_reverses_the_dereferencing(
    client: AsyncTestClient, shop: ExclusiveSeller
) -> None:
    operator, complaint = await contested_breach(client, shop)
    assert complaint["status"] == "open"

    await sign_in(client, operator["id"])
    assert f"/ops/complaints/{complaint['id']}" in (await client.get("/ops/")).text
    await post_form(client, f"/ops/complaints/{complaint['id']}", f"/ops/complaints/{complaint['id']}/resolve",
                    {"outcome": "reversed", "note": "The carrier confirmed the deliveries."})
    assert (await Seller.select(Seller.status).where(Seller.id == shop.seller_id).first())["status"] == "referenced"
    assert await found_in_search(client, shop)
    outcome = [m for m in await mail_to(shop.account_email) if m["kind"] == "complaint_outcome"][-1]
    assert "your shop is listed again" in outcome["body"]


async def test_reversing_a_termination_with_notice_withdraws_the_notice(
    client: AsyncTestClient, shop: ExclusiveSeller
) -> None:
    operator = await make_account(role="operator")
    await sign_in(client, operator["id"])
    await post_form(client, f"/ops/sellers/{shop.seller_id}", f"/ops/sellers/{shop.seller_id}/terminate",
                    {"kind": "convenience", "facts": "We are closing the walkie-talkie category."})
    decision = await Decision.select().where(
        (Decision.subject_type == "seller") & (Decision.subject_id == shop.seller_id)).first()
    assert decision["measure"] == "contract terminated with notice"

    await sign_in(client, shop.account_id)
    await post_form(client, f"/decisions/{decision['id']}/contest", f"/decisions/{decision['id']}/contest",
                    {"message": "Our walkie-talkies are our best sellers; please keep the category."})
    complaint = await Complaint.select().where(Complaint.decision == decision["id"]).first()
    await sign_in(client, operator["id"])
    await post_form(client, f"/ops/complaints/{complaint['id']}", f"/ops/complaints/{complaint['id']}/resolve",
                    {"outcome": "reversed", "note": "The category stays."})

    seller = await Seller.select(Seller.status, Seller.terminates_at).where(Seller.id == shop.seller_id).first()
    assert seller == {"status": "referenced", "terminates_at": None}
    outcome = [m for m in await mail_to(shop.account_email) if m["kind"] == "complaint_outcome"][-1]
    assert "the notice of termination is withdrawn" in outcome["body"]


async def test_dereferencing_a_product_answers_410_and_tells_its_sellers(
    operator_client: AsyncTestClient, shop: ExclusiveSeller
) -> None:
    found = await operator_client.get("/ops/products", params={"q": shop.product_name})
    assert f"/ops/products/{shop.model_id}" in found.text
    response = await post_form(operator_client, f"/ops/products/{shop.model_id}",
                               f"/ops/products/{shop.model_id}/dereference",
                               {"ground": "dangerous", "facts": "The battery overheats when charging (recall 14)."})
    assert "answers 410" in response.text
    assert (await operator_client.get(f"/p/{shop.slug}")).status_code == 410
    assert not await found_in_search(operator_client, shop)
    statement = [m for m in await mail_to(shop.email) if m["kind"] == "statement_of_reasons"][-1]
    assert "It endangers health, safety or the environment" in statement["body"]
    assert shop.product_name in statement["body"]

    await post_form(operator_client, f"/ops/products/{shop.model_id}", f"/ops/products/{shop.model_id}/reinstate",
                    {"note": "Recall concerned another batch."})
    assert (await operator_client.get(f"/p/{shop.slug}")).status_code == 200
    assert await found_in_search(operator_client, shop)


async def test_dereferencing_a_product_twice_is_refused_with_a_message(
    operator_client: AsyncTestClient, shop: ExclusiveSeller
) -> None:
    data = {"ground": "prohibited", "facts": "Jammer function is illegal to sell in the EU."}
    await post_form(operator_client, f"/ops/products/{shop.model_id}", f"/ops/products/{shop.model_id}/dereference",
                    data)
    again = await operator_client.post(f"/ops/products/{shop.model_id}/dereference",
                                       data={"_csrf": "", **data})
    assert again.status_code == 403, "no token, no measure"
    page = await operator_client.get(f"/ops/products/{shop.model_id}")
    assert "Put it back on the store" in page.text and "Dereference the product" not in page.text


async def test_the_audit_log_lists_decisions_and_has_no_way_to_change_them(
    operator_client: AsyncTestClient, shop: ExclusiveSeller
) -> None:
    await post_form(operator_client, f"/ops/sellers/{shop.seller_id}", f"/ops/sellers/{shop.seller_id}/terminate",
                    {"kind": "breach", "ground": "law", "facts": "Sold devices reported stolen."})
    page = await operator_client.get("/ops/audit")
    assert page.status_code == 200
    assert "decision: seller dereferenced for a breach" in page.text
    assert f'href="/ops/sellers/{shop.seller_id}"' in page.text
    assert "<form" not in page.text.split("<main", 1)[1].split("</main>", 1)[0]
    for method in ("post", "put", "patch", "delete"):
        response = await operator_client.request(method.upper(), "/ops/audit")
        assert response.status_code in (403, 405), method


async def test_the_database_itself_refuses_to_edit_or_delete_the_audit_log(
    operator_client: AsyncTestClient, shop: ExclusiveSeller
) -> None:
    await post_form(operator_client, f"/ops/sellers/{shop.seller_id}", f"/ops/sellers/{shop.seller_id}/terminate",
                    {"kind": "breach", "ground": "law", "facts": "Sold devices reported stolen."})
    entry = await AuditEntry.select().where(AuditEntry.subject_id == shop.seller_id).first()
    with pytest.raises(Exception, match="append-only"):
        await AuditEntry.update({AuditEntry.detail: "nothing happened"}).where(AuditEntry.id == entry["id"])
    with pytest.raises(Exception, match="append-only"):
        await AuditEntry.delete().where(AuditEntry.id == entry["id"])
    assert (await AuditEntry.select().where(AuditEntry.id == entry["id"]).first())["detail"] == entry["detail"]


async def test_the_seller_sees_its_notice_and_how_to_contest_it_in_its_portal(
    client: AsyncTestClient, shop: ExclusiveSeller
) -> None:
    operator = await make_account(role="operator")
    await sign_in(client, operator["id"])
    await post_form(client, f"/ops/sellers/{shop.seller_id}", f"/ops/sellers/{shop.seller_id}/terminate",
                    {"kind": "convenience", "facts": "We no longer list two-way radios."})
    decision = await Decision.select().where(
        (Decision.subject_type == "seller") & (Decision.subject_id == shop.seller_id)).first()
    await sign_in(client, shop.account_id)
    dashboard = unescape((await client.get("/seller/")).text)
    assert "Notice of termination" in dashboard
    assert f'href="/decisions/{decision["id"]}/contest"' in dashboard
    assert "contract terminated with notice" in dashboard
    assert "Termination for convenience under the seller conditions: notice of 30 days" in dashboard


async def test_an_applicant_completes_its_details_and_can_then_be_referenced(client: AsyncTestClient) -> None:
    shop = await exclusive_seller(status="pending", trade_register_number="", self_certified=False)
    await sign_in(client, shop.account_id)
    dashboard = unescape((await client.get("/seller/")).text)
    assert "We still need your trade register number, self-certification" in dashboard
    assert 'href="/seller/company"' in dashboard

    details = {"legal_name": "Atelier Ouest SARL", "address": "2 quai du Port, 44000 Nantes", "country": "fr",
               "phone": "+33 2 40 00 00 00", "email": shop.email, "trade_register_number": "", "vat_number": "FR1",
               "representative_name": "Anne Ouest", "id_document": "ID card 4455",
               "payment_account": "FR76 3000 6000 0112 3456 7890 189"}
    refused = await post_form(client, "/seller/company", "/seller/company", details)
    assert refused.status_code == 400
    assert "Fill this in" in refused.text and "Certify that you offer only products" in unescape(refused.text)
    assert 'value="2 quai du Port, 44000 Nantes"' in refused.text, "what was typed comes back"
    mistyped = await post_form(client, "/seller/company", "/seller/company",
                               {**details, "payment_account": "FR76 3000 6000 0112 3456 7890 188"})
    assert "This is not a valid IBAN" in mistyped.text

    saved = await post_form(client, "/seller/company", "/seller/company",
                            {**details, "trade_register_number": "RCS Nantes 732 829 320", "self_certified": "yes"})
    assert saved.status_code == 200 and "Your details are saved" in saved.text
    seller = await Seller.select().where(Seller.id == shop.seller_id).first()
    assert seller["trade_register_number"] == "RCS Nantes 732 829 320" and seller["country"] == "FR"
    assert referencing.traceability_gaps(seller) == []
    assert seller["payment_account"] == "FR7630006000011234567890189", "stored without its spaces"

    operator = await make_account(role="operator")
    await sign_in(client, operator["id"])
    await post_form(client, f"/ops/sellers/{shop.seller_id}", f"/ops/sellers/{shop.seller_id}/reference")
    assert (await Seller.select(Seller.status).where(Seller.id == shop.seller_id).first())["status"] == "referenced"

    await sign_in(client, shop.account_id)
    locked = await post_form(client, "/seller/company", "/seller/company",
                             {**details, "trade_register_number": "RCS Nantes 552 100 554", "self_certified": "yes"})
    assert locked.status_code == 400 and "write to us" in locked.text
    kept = await Seller.select(Seller.trade_register_number).where(Seller.id == shop.seller_id).first()
    assert kept["trade_register_number"] == "RCS Nantes 732 829 320"
    await Seller.update({Seller.status: "dereferenced"}).where(Seller.id == shop.seller_id)


def _badges(listing: str) -> dict[str, int]:
    return {key: int(count) for key, count in re.findall(r'status=(\w+)"[^>]*>[^<]*<span class="badge">(\d+)<',
                                                         listing)}


async def test_the_seller_filters_list_and_count_a_seller_under_notice(operator_client: AsyncTestClient) -> None:
    before = _badges((await operator_client.get("/ops/sellers?status=notice")).text)
    shop = await exclusive_seller(terminates_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=30))
    listing = (await operator_client.get("/ops/sellers?status=notice")).text
    after = _badges(listing)
    assert shop.name in listing
    assert after["notice"] == before["notice"] + 1 and after["referenced"] == before["referenced"] + 1
    assert after["all"] == after["pending"] + after["referenced"] + after["dereferenced"]
    assert shop.name not in (await operator_client.get("/ops/sellers?status=pending")).text


async def test_the_product_search_ignores_case_and_counts_offers_on_sale(operator_client: AsyncTestClient) -> None:
    shop = await exclusive_seller()
    found = (await operator_client.get(f"/ops/products?q={shop.product_name.lower()}")).text
    assert f'<a href="/ops/products/{shop.model_id}">{shop.product_name}</a>' in found
    page = (await operator_client.get(f"/ops/products/{shop.model_id}")).text
    assert "1 offer on sale." in page and f'href="/p/{shop.slug}"' in page
