"""Documents numbered without gaps: statements, invoices and receipts, issued once, as PDF and CSV.

The month under test is October 2026, closed on every day these tests run: one €129.00 sale (free shipping) of
the `shop` fixture's seller, paid on the 10th and accepted on the 11th (commission €12.90), and the €50.00 fee
booked on the 1st. Statement: €129.00 − €12.90 − €50.00 = €66.10 to pay out. Invoice: €50.00 + €12.90 = €62.90
including VAT at 20 %: €52.42 net and €10.48 VAT. The buyer's service fee: 2 % of €129.00 = €2.58 (€0.43 VAT).
"""
from __future__ import annotations

import asyncio
import datetime as dt
import io
import secrets
from dataclasses import dataclass

import pytest
from litestar.testing import AsyncTestClient
from pypdf import PdfReader

from search_index.drain import OutboxDrainer
from storefront.cart import service as carts
from storefront.documents import service
from storefront.documents.numbering import Subject, issue
from storefront.documents.states import DocumentKind
from storefront.documents.tables import Document, DocumentCounter
from storefront.jobs.registry import job_named
from storefront.mail.tables import OutboxEmail
from storefront.orders import transitions
from storefront.orders.placement import DeliveryAddress, place_order
from storefront.orders.tables import SellerOrder
from storefront.payments import ledger
from storefront.payments.monthly_fees import book_monthly_fees
from storefront.sellers.tables import Offer, Seller
from storefront.settings import Settings
from tests.conftest import bind_store, unbind_store
from tests.integration.commerce import make_account, sign_in
from tests.integration.test_referencing import ExclusiveSeller, exclusive_seller
from tests.integration.test_seller_portal import text_of

OCTOBER = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
YEAR = dt.datetime.now(dt.UTC).year  # documents are numbered in the year they are issued


@dataclass
class SoldMonth:
    shop: ExclusiveSeller
    buyer: dict
    reference: str


async def sold_in_october(settings: Settings, drainer: OutboxDrainer, buyer_name: str = "Louise Fournier") -> SoldMonth:
    shop = await exclusive_seller(joined_at=dt.datetime(2026, 9, 14, tzinfo=dt.UTC))
    await book_monthly_fees(settings, now=OCTOBER.replace(hour=1))
    buyer = await make_account(name=buyer_name)
    offer = await Offer.select(Offer.id).where(Offer.seller == shop.seller_id).first()
    cart_id = await carts.create_cart(buyer["id"])
    await carts.add(cart_id, offer["id"], 1)
    placed = await place_order(cart_id=cart_id, account_id=buyer["id"], payment_means="card", settings=settings,
                               address=DeliveryAddress(buyer_name, "5 quai Rambaud", "69002", "Lyon"),
                               idempotency_key=secrets.token_hex(8))
    await drainer.drain()
    await transitions.payment_succeeded(placed.order_id, settings, now=OCTOBER.replace(day=10))
    part = await SellerOrder.select(SellerOrder.id).where(SellerOrder.order == placed.order_id).first()
    await transitions.accept(part["id"], seller_id=shop.seller_id, settings=settings, now=OCTOBER.replace(day=11))
    return SoldMonth(shop, buyer, placed.reference)


async def as_seller(client: AsyncTestClient, shop: ExclusiveSeller) -> None:
    client.cookies.clear()
    await sign_in(client, shop.account_id)


def pdf_text(body: bytes) -> str:
    assert body.startswith(b"%PDF-")
    # Whitespace as one space: a label the layout wraps reads as one phrase.
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages).split())


# Statement and invoice, by the seller ------------------------------------------------------------------------

async def test_a_closed_months_statement_is_a_numbered_pdf_with_the_months_figures(
        client: AsyncTestClient, settings: Settings, drainer: OutboxDrainer) -> None:
    month = await sold_in_october(settings, drainer)
    await as_seller(client, month.shop)

    response = await client.get("/seller/documents/2026-10/statement.pdf")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == f'attachment; filename="ST-{YEAR}-000001.pdf"'
    text = pdf_text(response.content)
    for words in (f"ST-{YEAR}-000001", "Statement for October 2026", f"Atelier {month.shop.name[8:]} SARL",
                  "Encore Marketplace SAS", "€129.00", "−€12.90", "−€50.00",
                  "Owed to the seller at the end of the month", "€66.10", month.reference, "2026-10-11"):
        assert words in text, words


async def test_the_statement_csv_has_the_figures_as_numbers_and_a_byte_order_mark(
        client: AsyncTestClient, settings: Settings, drainer: OutboxDrainer) -> None:
    month = await sold_in_october(settings, drainer)
    await as_seller(client, month.shop)

    response = await client.get("/seller/documents/2026-10/statement.csv")

    assert response.headers["content-disposition"] == f'attachment; filename="ST-{YEAR}-000001.csv"'
    assert response.content.startswith("\ufeff".encode())
    lines = response.content.decode("utf-8-sig").splitlines()
    assert f"Document,ST-{YEAR}-000001" in lines
    assert "Sales (1),129.00" in lines
    assert "Commission (10\u00a0% of each confirmed transaction),-12.90" in lines
    assert "Monthly flat fee,-50.00" in lines
    assert "Owed to the seller at the end of the month,66.10" in lines
    assert "Date,What,Order,Amount (EUR)" in lines
    assert f"2026-10-11,Commission,{month.reference},-12.90" in lines


async def test_the_invoice_bills_the_fee_and_the_commission_with_the_vat_they_include(
        client: AsyncTestClient, settings: Settings, drainer: OutboxDrainer) -> None:
    month = await sold_in_october(settings, drainer)
    await as_seller(client, month.shop)

    pdf = await client.get("/seller/documents/2026-10/invoice.pdf")
    csv = (await client.get("/seller/documents/2026-10/invoice.csv")).content.decode("utf-8-sig").splitlines()

    assert pdf.headers["content-disposition"] == f'attachment; filename="INV-{YEAR}-000001.pdf"'
    text = pdf_text(pdf.content)
    for words in ("Invoice for October 2026", "Billed to", "FR12912345678", "Monthly flat fee, October 2026",
                  f"Commission on confirmed transaction {month.reference}", "€50.00", "€12.90",
                  "Total excl. VAT", "€52.42", "€10.48", "€62.90"):
        assert words in text, words
    assert "2026-10-01,\"Monthly flat fee, October 2026\",,50.00" in csv
    assert f"2026-10-11,Commission on confirmed transaction {month.reference},{month.reference},12.90" in csv
    assert "Total incl. VAT,,,62.90" in csv
    assert "VAT 20\u00a0% included,,,10.48" in csv
    assert "Total excl. VAT,,,52.42" in csv


async def test_a_commission_given_back_is_a_negative_line_of_the_invoice(
        client: AsyncTestClient, settings: Settings, drainer: OutboxDrainer) -> None:
    month = await sold_in_october(settings, drainer)
    # A partial refund gives back part of the commission: the platform's account is debited, the seller's credited.
    await ledger.post("comrev:test", None, "commission_reversal",
                      [ledger.Posting(ledger.COMMISSION, 500),
                       ledger.Posting(ledger.SELLER, -500, month.shop.seller_id)],
                      at=OCTOBER.replace(day=20))
    await as_seller(client, month.shop)

    csv = (await client.get("/seller/documents/2026-10/invoice.csv")).content.decode("utf-8-sig").splitlines()

    assert "2026-10-20,Commission reversed on order,,-5.00" in csv
    assert "Total incl. VAT,,,57.90" in csv


async def test_a_second_download_is_the_same_document_even_after_the_data_changed(
        client: AsyncTestClient, settings: Settings, drainer: OutboxDrainer) -> None:
    month = await sold_in_october(settings, drainer)
    await as_seller(client, month.shop)
    first = (await client.get("/seller/documents/2026-10/statement.csv")).content
    await Seller.update({Seller.legal_name: "Renamed Later SAS"}).where(Seller.id == month.shop.seller_id)
    await ledger.post("late:test", None, "adjustment", [ledger.Posting(ledger.SELLER, 700, month.shop.seller_id),
                                                       ledger.Posting(ledger.PSP, -700)], at=OCTOBER.replace(day=30))

    second = await client.get("/seller/documents/2026-10/statement.csv")

    assert second.content == first
    assert "Renamed Later SAS" not in second.content.decode("utf-8-sig")
    assert await Document.count().where(Document.seller_id == month.shop.seller_id) == 1


async def test_the_open_month_has_no_numbered_document(client: AsyncTestClient, settings: Settings,
                                                       drainer: OutboxDrainer) -> None:
    month = await sold_in_october(settings, drainer)
    await as_seller(client, month.shop)
    now = dt.datetime.now(dt.UTC)

    response = await client.get(f"/seller/documents/{now:%Y-%m}/statement.pdf")

    assert response.status_code == 404
    assert await Document.count() == 0


async def test_a_month_before_the_seller_joined_has_no_document(client: AsyncTestClient, settings: Settings,
                                                                drainer: OutboxDrainer) -> None:
    month = await sold_in_october(settings, drainer)
    await as_seller(client, month.shop)
    assert (await client.get("/seller/documents/2026-08/statement.pdf")).status_code == 404
    assert (await client.get("/seller/documents/2026-10/notes.pdf")).status_code == 404


async def test_a_seller_only_ever_downloads_its_own_documents(client: AsyncTestClient, settings: Settings,
                                                              drainer: OutboxDrainer) -> None:
    month = await sold_in_october(settings, drainer)
    other = await exclusive_seller(joined_at=dt.datetime(2026, 9, 1, tzinfo=dt.UTC))
    await as_seller(client, other)

    csv = (await client.get("/seller/documents/2026-10/statement.csv")).content.decode("utf-8-sig")

    assert month.reference not in csv
    assert "Sales (0),0.00" in csv.splitlines()
    # The other seller had no fee booked and no commission in October: no invoice to have.
    assert (await client.get("/seller/documents/2026-10/invoice.pdf")).status_code == 404


async def test_the_statement_pages_offer_the_closed_months_documents(client: AsyncTestClient, settings: Settings,
                                                                     drainer: OutboxDrainer) -> None:
    month = await sold_in_october(settings, drainer)
    await as_seller(client, month.shop)

    october = text_of((await client.get("/seller/statements/2026-10")).text)
    now = dt.datetime.now(dt.UTC)
    current = (await client.get(f"/seller/statements/{now:%Y-%m}")).text

    assert "Statement (PDF) · Statement (CSV) · Invoice (PDF) · Invoice (CSV)" in october
    assert "This month is still open" in text_of(current)
    previous = (now.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    assert f'href="/seller/documents/{previous}/statement.pdf"' in current  # the last closed month's


# Receipts, by the buyer --------------------------------------------------------------------------------------

async def test_a_paid_orders_buyer_downloads_the_service_fee_receipt(client: AsyncTestClient, settings: Settings,
                                                                    drainer: OutboxDrainer) -> None:
    month = await sold_in_october(settings, drainer, buyer_name="Louise Fournier")
    client.cookies.clear()
    await sign_in(client, month.buyer["id"])

    page = text_of((await client.get(f"/account/orders/{month.reference}")).text)
    response = await client.get(f"/account/orders/{month.reference}/service-fee-receipt.pdf")

    assert "Service fee receipt (PDF)" in page
    assert response.headers["content-disposition"] == f'attachment; filename="RC-{YEAR}-000001.pdf"'
    text = pdf_text(response.content)
    for words in ("Receipt for the service fee", "Louise Fournier", month.reference, "paid on 2026-10-10",
                  "Encore Marketplace SAS", "€2.15", "€0.43", "€2.58"):
        assert words in text, words


async def test_someone_elses_or_an_unpaid_order_has_no_receipt(client: AsyncTestClient, settings: Settings,
                                                              drainer: OutboxDrainer) -> None:
    month = await sold_in_october(settings, drainer)
    stranger = await make_account()
    client.cookies.clear()
    await sign_in(client, stranger["id"])
    assert (await client.get(f"/account/orders/{month.reference}/service-fee-receipt.pdf")).status_code == 404

    offer = await Offer.select(Offer.id).where(Offer.seller == month.shop.seller_id).first()
    cart_id = await carts.create_cart(stranger["id"])
    await carts.add(cart_id, offer["id"], 1)
    unpaid = await place_order(cart_id=cart_id, account_id=stranger["id"], payment_means="card", settings=settings,
                               address=DeliveryAddress("Sam", "5 quai Rambaud", "69002", "Lyon"),
                               idempotency_key=secrets.token_hex(8))
    assert "Service fee receipt" not in (await client.get(f"/account/orders/{unpaid.reference}")).text
    assert (await client.get(f"/account/orders/{unpaid.reference}/service-fee-receipt.pdf")).status_code == 404
    assert await Document.count() == 0


async def test_anonymous_visitors_are_sent_to_sign_in_without_a_session(client: AsyncTestClient,
                                                                        settings: Settings,
                                                                        drainer: OutboxDrainer) -> None:
    month = await sold_in_october(settings, drainer)
    client.cookies.clear()
    for path in (f"/account/orders/{month.reference}/service-fee-receipt.pdf",
                 "/seller/documents/2026-10/statement.pdf"):
        response = await client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")
        assert "set-cookie" not in response.headers
    assert await Document.count() == 0


# Numbering ---------------------------------------------------------------------------------------------------

def receipt_like(n: int) -> Subject:
    return Subject(DocumentKind.receipt, f"receipt:test:{n}", f"Buyer {n}", order_id=n)


async def test_a_rolled_back_issue_leaves_no_hole_in_the_series(settings: Settings) -> None:
    now = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
    with pytest.raises(TypeError):
        # The content cannot be stored: the transaction that took number 1 rolls back with it.
        await issue(receipt_like(1), {"amount": object()}, 100, now=now)

    second = await issue(receipt_like(2), {"amount": 200}, 200, now=now)

    assert second["code"] == "RC-2026-000001"
    assert await Document.count() == 1


async def test_issuing_one_subject_twice_gives_the_first_document(settings: Settings) -> None:
    now = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
    first = await issue(receipt_like(1), {"amount": 100}, 100, now=now)
    again = await issue(receipt_like(1), {"amount": 999}, 999, now=now)
    assert (again["id"], again["code"], again["total_cents"]) == (first["id"], "RC-2026-000001", 100)


async def test_simultaneous_issues_take_consecutive_numbers_and_one_subject_once(settings: Settings) -> None:
    now = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
    documents = await asyncio.gather(*(issue(receipt_like(n % 6), {"n": n}, n, now=now) for n in range(12)))

    assert len({d["id"] for d in documents}) == 6
    rows = await Document.select(Document.number).order_by(Document.number)
    assert [row["number"] for row in rows] == [1, 2, 3, 4, 5, 6]
    assert (await DocumentCounter.select().where(DocumentCounter.series == "RC-2026-").first())["last_number"] == 6


async def test_each_kind_and_year_is_its_own_series(settings: Settings) -> None:
    await issue(receipt_like(1), {}, 0, now=dt.datetime(2026, 12, 31, 23, tzinfo=dt.UTC))
    statement = Subject(DocumentKind.statement, "statement:test", "Shop", seller_id=1, period="2026-12")
    assert (await issue(statement, {}, 0, now=dt.datetime(2027, 1, 1, 2, tzinfo=dt.UTC)))["code"] == "ST-2027-000001"
    assert (await issue(receipt_like(2), {}, 0, now=dt.datetime(2027, 1, 1, tzinfo=dt.UTC)))["code"] == "RC-2027-000001"


@pytest.mark.postgres
async def test_simultaneous_issues_take_consecutive_numbers_on_postgres(postgres_url: str) -> None:
    bound = bind_store(postgres_url)
    try:
        await Document.delete(force=True)
        await DocumentCounter.delete(force=True)
        now = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
        with pytest.raises(TypeError):
            await issue(receipt_like(100), {"amount": object()}, 100, now=now)
        documents = await asyncio.gather(*(issue(receipt_like(n % 8), {"n": n}, n, now=now) for n in range(16)))

        assert len({d["code"] for d in documents}) == 8
        rows = await Document.select(Document.number).order_by(Document.number)
        assert [row["number"] for row in rows] == [1, 2, 3, 4, 5, 6, 7, 8]
    finally:
        await Document.delete(force=True)
        await DocumentCounter.delete(force=True)
        unbind_store(bound)


# The job and the console -------------------------------------------------------------------------------------

async def test_the_job_issues_the_closed_month_once(settings: Settings, drainer: OutboxDrainer) -> None:
    month = await sold_in_october(settings, drainer)
    november = dt.datetime(2026, 11, 1, 2, tzinfo=dt.UTC)

    issued = await service.issue_month(settings, now=november)
    again = await service.issue_month(settings, now=november)

    mine = await Document.select(Document.kind, Document.code).where(
        Document.seller_id == month.shop.seller_id).order_by(Document.kind)
    assert [row["kind"] for row in mine] == ["invoice", "statement"]
    receipt = await Document.select(Document.code, Document.party_name).where(
        Document.kind == "receipt").where(Document.account_id == month.buyer["id"]).first()
    assert receipt["party_name"] == "Louise Fournier"
    assert issued == again == await Document.count()
    numbers = await Document.select(Document.series, Document.number).order_by(Document.series, Document.number)
    for series in {row["series"] for row in numbers}:
        found = [row["number"] for row in numbers if row["series"] == series]
        assert found == list(range(1, len(found) + 1)), series
    statement = next(row["code"] for row in mine if row["kind"] == "statement")
    mails = await OutboxEmail.select(OutboxEmail.subject, OutboxEmail.body).where(
        (OutboxEmail.kind == "statement_ready") & (OutboxEmail.to_address == month.shop.email))
    assert [mail["subject"] for mail in mails] == [f"Your statement for October 2026 ({statement})"]
    assert "Owed to the seller at the end of the month: €66.10." in mails[0]["body"]
    assert "/seller/statements/2026-10" in mails[0]["body"]


async def test_a_statement_issued_by_its_download_sends_no_mail(client: AsyncTestClient, settings: Settings,
                                                                drainer: OutboxDrainer) -> None:
    month = await sold_in_october(settings, drainer)
    await as_seller(client, month.shop)
    assert (await client.get("/seller/documents/2026-10/statement.pdf")).status_code == 200
    assert await OutboxEmail.count().where(OutboxEmail.kind == "statement_ready") == 0


def test_the_job_runs_at_two_on_the_first_after_the_fees() -> None:
    from dataclasses import replace

    from storefront.settings import get_settings

    settings = replace(get_settings(), jobs_interval_seconds=900)
    assert job_named("issue-documents").cron(settings) == "0 2 1 * *"
    assert job_named("book-monthly-fees").cron(settings) == "0 1 1 * *"
    assert job_named("issue-documents").cron(replace(settings, jobs_interval_seconds=0)) is None


async def test_the_console_lists_the_documents_and_their_gaps(client: AsyncTestClient, settings: Settings,
                                                              drainer: OutboxDrainer) -> None:
    month = await sold_in_october(settings, drainer)
    await service.issue_statement(month.shop.seller_id, 2026, 10, settings)
    operator = await make_account("operator", name="Olga Console")
    client.cookies.clear()
    await sign_in(client, operator["id"])

    page = text_of((await client.get("/ops/documents")).text)
    document = await Document.select().first()
    csv = await client.get(f"/ops/documents/{document['id']}/csv")

    assert f"ST-{YEAR}-000001 Seller statement Atelier" in page
    assert f"ST-{YEAR}- 1 1 none" in page
    assert csv.headers["content-disposition"] == f'attachment; filename="ST-{YEAR}-000001.csv"'
    assert (await client.get(f"/ops/documents/{document['id']}/xls")).status_code == 404
