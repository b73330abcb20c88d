"""Withdrawal and returns at the HTTP level: the buyer withdraws from the order page, the seller issues the
label, marks the item received and refunds; the windows, two clicks at once, the escalation job, the operator's
decision, bad input and access.

The shop is one seller alone offering one product at €129.00, free shipping; the buyer pays €131.58 (service
fee €2.58) and the seller's commission is €12.90. A whole withdrawal refunds the seller order's €129.00 and,
since nothing of the order is kept, the service fee: €131.58 to the buyer, €12.90 of commission handed back.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import shutil
import subprocess

import pytest
from litestar.testing import AsyncTestClient

from storefront.errors import NotFound, Refused
from storefront.mail.tables import OutboxEmail
from storefront.moderation.tables import AuditEntry
from storefront.orders import statements, transitions
from storefront.payments import ledger
from storefront.payments.tables import LedgerEntry, Refund
from storefront.returns import rules, service
from storefront.returns.service import RefundInput
from storefront.returns.states import ReturnKind, ReturnStatus
from storefront.returns.tables import Return
from storefront.settings import Settings
from tests.integration.commerce import make_account, sign_in
from tests.integration.test_cancellation import paid_order
from tests.integration.test_my_orders import csrf_of
from tests.integration.test_referencing import ExclusiveSeller
from tests.integration.test_valid_html import VNU

DAY = dt.timedelta(days=1)


@pytest.fixture
def nu_checker() -> list[str]:
    java = shutil.which("java")
    if java is None or not VNU.exists():
        pytest.fail("the Nu checker needs Java and node_modules/vnu-jar (installed by `make test`)")
    return [java, "-Xss2m", "-jar", str(VNU), "--errors-only", "--format", "json"]


async def delivered_order(shop: ExclusiveSeller, buyer_id: int, settings: Settings,
                          delivered_at: dt.datetime | None = None) -> dict:
    """Paid, accepted, shipped and delivered (at `delivered_at`, now by default) through the transitions."""
    order = await paid_order(shop, buyer_id, settings)
    await transitions.accept(order["id"], seller_id=shop.seller_id, settings=settings)
    await transitions.ship(order["id"], seller_id=shop.seller_id, carrier="Colissimo", tracking_number="6A1",
                           settings=settings)
    at = delivered_at or dt.datetime.now(dt.UTC)
    await transitions.deliver(order["id"], seller_id=shop.seller_id, settings=settings, now=at, today=at.date())
    return order


_queued_before = {"id": 0}


@pytest.fixture(autouse=True)
async def _mail_of_this_test(prepared_store) -> None:
    """The demo store's own history sends return mail too: a test reads only what it queued itself."""
    latest = await OutboxEmail.select(OutboxEmail.id).order_by(OutboxEmail.id, ascending=False).first()
    _queued_before["id"] = latest["id"] if latest else 0


async def mails(kind: str) -> list[dict]:
    return await OutboxEmail.select().where(
        (OutboxEmail.kind == kind) & (OutboxEmail.id > _queued_before["id"])).order_by(OutboxEmail.id)


async def return_of(seller_order_id: int) -> dict:
    row = await Return.select().where(Return.seller_order == seller_order_id).order_by(Return.id).first()
    assert row is not None
    return row


async def post_page_form(client: AsyncTestClient, page: str, action: str, data: dict | None = None):
    html = (await client.get(page)).text
    return await client.post(action, data={"_csrf": csrf_of(html), **(data or {})}, follow_redirects=False)


async def test_a_buyer_withdraws_and_the_seller_labels_receives_and_refunds(
        client: AsyncTestClient, shop: ExclusiveSeller, settings: Settings) -> None:
    buyer = await make_account(name="Camille Martin")
    await sign_in(client, buyer["id"])
    order = await delivered_order(shop, buyer["id"], settings)
    page = f"/account/orders/{order['reference']}"
    assert "Withdraw from the contract here" in (await client.get(page)).text

    step = await client.get(f"{page}/parts/{order['id']}/withdraw")
    assert step.status_code == 200
    assert "Confirm withdrawal" in step.text and "€129.00" in step.text and "Camille Martin" in step.text
    response = await client.post(f"{page}/parts/{order['id']}/withdraw",
                                 data={"_csrf": csrf_of(step.text), "reason": ""}, follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == f"{page}?returned={order['id']}#return-{order['id']}"
    ret = await return_of(order["id"])
    assert (ret["kind"], ret["status"]) == (ReturnKind.withdrawal, ReturnStatus.requested)
    acknowledgement = (await mails("return_requested"))[-1]
    assert acknowledgement["to_address"] == buyer["email"]
    assert "I hereby withdraw from my contract" in acknowledgement["body"]
    assert f"{ret['requested_at']:%d %B %Y at %H:%M} UTC" in acknowledgement["body"]
    assert [m["to_address"] for m in await mails("seller_return_requested")] == [shop.email]
    shown = (await client.get(response.headers["location"])).text
    assert "Your statement is recorded" in shown and "Requested: waiting for the return label" in shown

    await sign_in(client, shop.account_id)
    seller_page = f"/seller/returns/{ret['id']}"
    assert (await post_page_form(client, seller_page, f"{seller_page}/label")).status_code == 303
    tracking = (await return_of(order["id"]))["tracking_number"]
    assert tracking.startswith("ER") and tracking in (await client.get(f"{seller_page}/label")).text
    assert (await post_page_form(client, seller_page, f"{seller_page}/received")).status_code == 303
    refunded = await post_page_form(client, seller_page, f"{seller_page}/refund", {"amount": ""})
    assert refunded.status_code == 303 and refunded.headers["location"] == f"{seller_page}?done=refunded"

    refund = await Refund.select().where(Refund.seller_order == order["id"]).first()
    assert (refund["reason"], refund["amount_cents"], refund["fee_cents"], refund["commission_reversed_cents"]) == (
        "withdrawal", 12_900, 258, 1_290)
    assert (await return_of(order["id"]))["status"] == ReturnStatus.refunded
    assert [m["to_address"] for m in await mails("return_refunded")] == [buyer["email"]]
    today = dt.datetime.now(dt.UTC)
    statement = await statements.monthly_statement(shop.seller_id, today.year, today.month, settings)
    assert [(line.kind, line.amount_cents) for line in statement.lines] == [
        ("payment", 12_900), ("commission", -1_290), ("refund", -12_900), ("commission_reversal", 1_290)]
    assert statement.closing_balance_cents == 0
    for transaction in {row["transaction"] for row in await LedgerEntry.select(LedgerEntry.transaction)}:
        entries = await LedgerEntry.select(LedgerEntry.amount_cents).where(LedgerEntry.transaction == transaction)
        assert sum(e["amount_cents"] for e in entries) == 0, transaction

    await sign_in(client, buyer["id"])
    assert "Withdrawal: Refunded" in (await client.get("/account/orders")).text
    after = (await client.get(page)).text
    assert "Refunded to you</dt><dd>−€131.58" in after and "Paid after refunds</dt><dd>€0.00" in after
    assert "Withdraw from the contract here" not in after


@pytest.mark.parametrize(("days", "kind"), [(14, ReturnKind.withdrawal), (15, ReturnKind.return_),
                                            (30, ReturnKind.return_)])
async def test_the_windows_from_delivery(shop: ExclusiveSeller, settings: Settings, days: int,
                                         kind: ReturnKind) -> None:
    buyer = await make_account()
    delivered = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
    order = await delivered_order(shop, buyer["id"], settings, delivered)

    await service.request(order["id"], account_id=buyer["id"], kind=ReturnKind.return_, reason="",
                          settings=settings, now=delivered + days * DAY)

    assert (await return_of(order["id"]))["kind"] == kind


async def test_a_withdrawal_period_ending_on_a_weekend_runs_to_the_monday(shop: ExclusiveSeller,
                                                                          settings: Settings) -> None:
    buyer = await make_account()
    saturday = dt.datetime(2026, 6, 6, 9, 0, tzinfo=dt.UTC)  # day 14 is Saturday 20 June
    order = await delivered_order(shop, buyer["id"], settings, saturday)

    await service.request(order["id"], account_id=buyer["id"], kind=ReturnKind.withdrawal, reason="",
                          settings=settings, now=dt.datetime(2026, 6, 22, 18, 0, tzinfo=dt.UTC))

    assert (await return_of(order["id"]))["kind"] == ReturnKind.withdrawal
    assert rules.window(saturday.date(), dt.date(2026, 6, 23), settings).kind == ReturnKind.return_


async def test_a_label_issued_and_no_parcel_received_goes_to_the_operator(shop: ExclusiveSeller,
                                                                          settings: Settings) -> None:
    buyer = await make_account()
    order = await delivered_order(shop, buyer["id"], settings)
    return_id = await service.request(order["id"], account_id=buyer["id"], kind=ReturnKind.withdrawal, reason="",
                                      settings=settings)
    await service.issue_label(return_id, seller_id=shop.seller_id, settings=settings)
    labelled = (await return_of(order["id"]))["label_issued_at"]

    # 10 days' transit and the seller's 3 days: not yet on day 12, then the operator. (The demo's own returns
    # may escalate in the same runs: the test reads its own.)
    await service.escalate_overdue(settings, now=labelled + 12 * DAY)
    assert (await return_of(order["id"]))["status"] == ReturnStatus.label_issued
    await service.escalate_overdue(settings, now=labelled + 13 * DAY)
    assert (await return_of(order["id"]))["status"] == ReturnStatus.escalated


async def test_a_part_returned_and_refunded_cannot_be_withdrawn_again(shop: ExclusiveSeller,
                                                                      settings: Settings) -> None:
    buyer = await make_account()
    order = await delivered_order(shop, buyer["id"], settings)
    return_id = await service.request(order["id"], account_id=buyer["id"], kind=ReturnKind.withdrawal, reason="",
                                      settings=settings)
    await service.issue_label(return_id, seller_id=shop.seller_id, settings=settings)
    await service.mark_received(return_id, seller_id=shop.seller_id, settings=settings)
    await service.refund(return_id, seller_id=shop.seller_id, decision=RefundInput("99.00", "Deep scratches "
                         "from use beyond a check."), settings=settings)

    with pytest.raises(Refused) as again:
        await service.request(order["id"], account_id=buyer["id"], kind=ReturnKind.withdrawal, reason="",
                              settings=settings)

    assert again.value.message.startswith("This part of the order was already returned and refunded.")


async def test_withdrawal_ends_after_day_14_and_returns_after_day_30(shop: ExclusiveSeller,
                                                                     settings: Settings) -> None:
    buyer = await make_account()
    delivered = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
    order = await delivered_order(shop, buyer["id"], settings, delivered)

    with pytest.raises(Refused) as late_withdrawal:
        await service.request(order["id"], account_id=buyer["id"], kind=ReturnKind.withdrawal, reason="",
                              settings=settings, now=delivered + 15 * DAY)
    with pytest.raises(Refused) as late_return:
        await service.request(order["id"], account_id=buyer["id"], kind=ReturnKind.return_, reason="",
                              settings=settings, now=delivered + 31 * DAY)

    assert late_withdrawal.value.message == ("The withdrawal period ended on 15 June 2026. You can still return it "
                                             "until 01 July 2026.")
    assert late_return.value.message.startswith("The return window ended on 01 July 2026.")
    assert not await Return.exists().where(Return.seller_order == order["id"])


async def test_the_order_page_says_until_when_it_was_possible(client: AsyncTestClient, shop: ExclusiveSeller,
                                                              settings: Settings) -> None:
    buyer = await make_account()
    await sign_in(client, buyer["id"])
    now = dt.datetime.now(dt.UTC)
    # Delivered 15 days ago, or more when the 14th day was a weekend (the period then runs to the Monday).
    days_ago = 15
    while rules.next_working_day((now - days_ago * DAY + 14 * DAY).date()) >= now.date():
        days_ago += 1
    after_withdrawal = await delivered_order(shop, buyer["id"], settings, now - days_ago * DAY)
    too_late = await delivered_order(shop, buyer["id"], settings, now - 31 * DAY)

    second_chance = (await client.get(f"/account/orders/{after_withdrawal['reference']}")).text
    closed = (await client.get(f"/account/orders/{too_late['reference']}")).text
    refused = await client.get(f"/account/orders/{too_late['reference']}/parts/{too_late['id']}/withdraw")

    assert "Return an item" in second_chance and "Withdraw from the contract here" not in second_chance
    assert "Withdrawal was possible until" in closed and "Get help" in closed
    assert "Return an item" not in closed and "Withdraw from the contract here" not in closed
    assert refused.status_code == 200 and "Confirm" not in refused.text and "both have ended" in refused.text


async def test_two_withdrawals_at_once_open_one_return(shop: ExclusiveSeller, settings: Settings) -> None:
    buyer = await make_account()
    order = await delivered_order(shop, buyer["id"], settings)

    results = await asyncio.gather(*(service.request(order["id"], account_id=buyer["id"], kind=ReturnKind.withdrawal,
                                                     reason="", settings=settings) for _ in range(2)),
                                   return_exceptions=True)

    assert sorted(type(r).__name__ for r in results) == ["Refused", "int"]
    assert await Return.count().where(Return.seller_order == order["id"]) == 1


async def test_two_refund_clicks_at_once_refund_once(shop: ExclusiveSeller, settings: Settings) -> None:
    buyer = await make_account()
    order = await delivered_order(shop, buyer["id"], settings)
    return_id = await service.request(order["id"], account_id=buyer["id"], kind=ReturnKind.withdrawal, reason="",
                                      settings=settings)
    await service.issue_label(return_id, seller_id=shop.seller_id, settings=settings)
    await service.mark_received(return_id, seller_id=shop.seller_id, settings=settings)

    results = await asyncio.gather(*(service.refund(return_id, seller_id=shop.seller_id,
                                                    decision=RefundInput("", ""), settings=settings)
                                     for _ in range(2)), return_exceptions=True)

    # SQLite queues the second click behind the first, which then reads "refunded"; PostgreSQL's second UPDATE
    # finds the status changed: either way it is refused and nothing more is booked.
    assert [r for r in results if not isinstance(r, Refused)] == [13_158]
    assert [r.field for r in results if isinstance(r, Refused)] == ["action"]
    assert await Refund.count().where(Refund.seller_order == order["id"]) == 1


async def test_two_label_clicks_at_once_issue_one_label(shop: ExclusiveSeller, settings: Settings) -> None:
    buyer = await make_account()
    order = await delivered_order(shop, buyer["id"], settings)
    return_id = await service.request(order["id"], account_id=buyer["id"], kind=ReturnKind.withdrawal, reason="",
                                      settings=settings)

    results = await asyncio.gather(*(service.issue_label(return_id, seller_id=shop.seller_id, settings=settings)
                                     for _ in range(2)), return_exceptions=True)

    assert sum(isinstance(r, str) for r in results) == 1
    assert sum(isinstance(r, Refused) for r in results) == 1
    assert len(await mails("return_label")) == 1


async def test_a_reduced_refund_needs_its_reason_and_hands_back_its_share_of_commission(
        client: AsyncTestClient, shop: ExclusiveSeller, settings: Settings) -> None:
    buyer = await make_account()
    order = await delivered_order(shop, buyer["id"], settings)
    return_id = await service.request(order["id"], account_id=buyer["id"], kind=ReturnKind.withdrawal, reason="",
                                      settings=settings)
    await service.issue_label(return_id, seller_id=shop.seller_id, settings=settings)
    await service.mark_received(return_id, seller_id=shop.seller_id, settings=settings)
    await sign_in(client, shop.account_id)
    page = f"/seller/returns/{return_id}"

    unreadable = await post_page_form(client, page, f"{page}/refund", {"amount": "abc"})
    too_much = await post_page_form(client, page, f"{page}/refund", {"amount": "130"})
    no_reason = await post_page_form(client, page, f"{page}/refund", {"amount": "100"})
    reduced = await post_page_form(client, page, f"{page}/refund", {
        "amount": "100,00", "reduction_reason": "Deep scratches on the back that were not there when sold."})

    assert unreadable.status_code == 400 and 'id="refund-amount-error"' in unreadable.text
    assert 'value="abc"' in unreadable.text and "Give the amount in euros" in unreadable.text
    assert too_much.status_code == 400 and "At most €129.00 is left to refund" in too_much.text
    assert no_reason.status_code == 400 and 'id="refund-reduction-error"' in no_reason.text
    assert reduced.status_code == 303
    refund = await Refund.select().where(Refund.seller_order == order["id"]).first()
    # 1290 × 10000 ÷ 12900, rounded down; the service fee stays with the platform while €29.00 is kept.
    assert (refund["amount_cents"], refund["fee_cents"], refund["commission_reversed_cents"]) == (10_000, 0, 1_000)


async def test_a_buyer_may_cancel_before_sending_and_withdraw_again(client: AsyncTestClient, shop: ExclusiveSeller,
                                                                    settings: Settings) -> None:
    buyer = await make_account()
    await sign_in(client, buyer["id"])
    order = await delivered_order(shop, buyer["id"], settings)
    return_id = await service.request(order["id"], account_id=buyer["id"], kind=ReturnKind.withdrawal, reason="",
                                      settings=settings)
    page = f"/account/orders/{order['reference']}"

    response = await post_page_form(client, page, f"/account/returns/{return_id}/cancel")

    assert response.headers["location"] == f"{page}?return_cancelled={order['id']}#return-{order['id']}"
    assert (await return_of(order["id"]))["status"] == ReturnStatus.cancelled
    assert [m["to_address"] for m in await mails("seller_return_cancelled")] == [shop.email]
    assert "Withdraw from the contract here" in (await client.get(page)).text
    await service.request(order["id"], account_id=buyer["id"], kind=ReturnKind.withdrawal, reason="",
                          settings=settings)


async def test_a_reason_too_long_comes_back_with_the_text_kept(client: AsyncTestClient, shop: ExclusiveSeller,
                                                               settings: Settings) -> None:
    buyer = await make_account()
    await sign_in(client, buyer["id"])
    order = await delivered_order(shop, buyer["id"], settings)
    step = f"/account/orders/{order['reference']}/parts/{order['id']}/withdraw"

    response = await post_page_form(client, step, step, {"reason": "x" * 1_001})

    assert response.status_code == 400
    assert 'id="return-reason-error"' in response.text and "x" * 1_001 in response.text
    assert not await Return.exists().where(Return.seller_order == order["id"])


async def test_an_idle_seller_hands_the_return_to_the_operator_once(
        client: AsyncTestClient, shop: ExclusiveSeller, settings: Settings) -> None:
    buyer = await make_account()
    order = await delivered_order(shop, buyer["id"], settings)
    requested = dt.datetime.now(dt.UTC) - 4 * DAY
    return_id = await service.request(order["id"], account_id=buyer["id"], kind=ReturnKind.withdrawal, reason="",
                                      settings=settings, now=requested)
    assert await service.escalate_overdue(settings, now=requested + 3 * DAY - dt.timedelta(minutes=1)) == 0

    runs = await asyncio.gather(service.escalate_overdue(settings), service.escalate_overdue(settings))

    assert sorted(runs) == [0, 1]
    assert (await return_of(order["id"]))["status"] == ReturnStatus.escalated
    assert [m["to_address"] for m in await mails("ops_return_escalated")] == [settings.operator.contact_email]
    assert [m["to_address"] for m in await mails("return_escalated")] == [buyer["email"]]
    assert [m["to_address"] for m in await mails("seller_return_escalated")] == [shop.email]

    operator = await make_account("operator")
    await sign_in(client, operator["id"])
    page = f"/ops/returns/{return_id}"
    listing = (await client.get("/ops/returns")).text
    assert order["reference"] in listing and "With Encore&#39;s team" in listing
    missing = await post_page_form(client, page, f"{page}/refund", {"amount": "129", "reasons": " "})
    done = await post_page_form(client, page, f"{page}/refund", {"reasons": "The seller did not answer in time."})

    assert missing.status_code == 400 and 'id="ops-refund-reasons-error"' in missing.text
    assert 'value="129"' in missing.text
    assert done.status_code == 303
    refund = await Refund.select().where(Refund.seller_order == order["id"]).first()
    assert (refund["reason"], refund["amount_cents"], refund["fee_cents"]) == ("operator", 12_900, 258)
    entry = await AuditEntry.select().where((AuditEntry.subject_type == "return")
                                            & (AuditEntry.subject_id == return_id)).first()
    assert (entry["actor"], entry["action"]) == (operator["id"], "return refunded")
    assert entry["detail"] == "€129.00 refunded: The seller did not answer in time."


async def test_the_operator_closes_a_return_with_reasons(client: AsyncTestClient, shop: ExclusiveSeller,
                                                         settings: Settings) -> None:
    buyer = await make_account()
    order = await delivered_order(shop, buyer["id"], settings)
    return_id = await service.request(order["id"], account_id=buyer["id"], kind=ReturnKind.withdrawal, reason="",
                                      settings=settings)
    operator = await make_account("operator")
    await sign_in(client, operator["id"])
    page = f"/ops/returns/{return_id}"

    response = await post_page_form(client, page, f"{page}/close", {"reasons": "The buyer kept the item."})

    assert response.status_code == 303
    assert (await return_of(order["id"]))["status"] == ReturnStatus.closed
    assert not await Refund.exists().where(Refund.seller_order == order["id"])
    assert await AuditEntry.exists().where((AuditEntry.action == "return closed")
                                           & (AuditEntry.subject_id == return_id))
    assert "The buyer kept the item." in (await mails("return_closed"))[-1]["body"]


async def test_someone_elses_return_is_not_found(client: AsyncTestClient, shop: ExclusiveSeller,
                                                 settings: Settings) -> None:
    buyer = await make_account()
    order = await delivered_order(shop, buyer["id"], settings)
    return_id = await service.request(order["id"], account_id=buyer["id"], kind=ReturnKind.withdrawal, reason="",
                                      settings=settings)
    await service.issue_label(return_id, seller_id=shop.seller_id, settings=settings)
    other = await make_account()
    await sign_in(client, other["id"])

    assert (await client.get(f"/account/orders/{order['reference']}/parts/{order['id']}/withdraw")).status_code == 404
    assert (await client.get(f"/account/returns/{return_id}/label")).status_code == 404
    with pytest.raises(NotFound):
        await service.cancel(return_id, account_id=other["id"], settings=settings)
    other_seller = await make_account("seller", seller_id=1 if shop.seller_id != 1 else 2)
    await sign_in(client, other_seller["id"])
    assert (await client.get(f"/seller/returns/{return_id}")).status_code == 404
    assert (await client.get(f"/seller/returns/{return_id}/label")).status_code == 404


async def test_the_model_withdrawal_form_is_public(client: AsyncTestClient, settings: Settings) -> None:
    response = await client.get("/legal/withdrawal-form")

    assert response.status_code == 200
    assert "withdraw from my/our (*) contract of sale" in response.text
    assert settings.operator.address in response.text
    assert "set-cookie" not in response.headers


async def test_ledger_balance_after_a_return(shop: ExclusiveSeller, settings: Settings) -> None:
    buyer = await make_account()
    order = await delivered_order(shop, buyer["id"], settings)
    return_id = await service.request(order["id"], account_id=buyer["id"], kind=ReturnKind.withdrawal, reason="",
                                      settings=settings)
    await service.issue_label(return_id, seller_id=shop.seller_id, settings=settings)
    await service.mark_received(return_id, seller_id=shop.seller_id, settings=settings)
    await service.refund(return_id, seller_id=shop.seller_id, decision=RefundInput("", ""), settings=settings)

    seller = await LedgerEntry.select(LedgerEntry.amount_cents).where(
        (LedgerEntry.account == ledger.SELLER) & (LedgerEntry.seller == shop.seller_id))
    assert sum(row["amount_cents"] for row in seller) == 0


async def test_the_return_pages_in_each_state_are_valid_html(client: AsyncTestClient, shop: ExclusiveSeller,
                                                             settings: Settings, tmp_path, nu_checker) -> None:
    buyer = await make_account()
    now = dt.datetime.now(dt.UTC)
    orders = [await delivered_order(shop, buyer["id"], settings) for _ in range(3)]
    ids = [await service.request(o["id"], account_id=buyer["id"], kind=ReturnKind.withdrawal, reason="Too heavy.",
                                 settings=settings, now=now - 4 * DAY) for o in orders]
    await service.issue_label(ids[1], seller_id=shop.seller_id, settings=settings)
    await service.issue_label(ids[2], seller_id=shop.seller_id, settings=settings)
    await service.mark_received(ids[2], seller_id=shop.seller_id, settings=settings)
    await service.escalate_overdue(settings)  # the first waited 4 days for its label
    old = await delivered_order(shop, buyer["id"], settings, now - 20 * DAY)
    pages: dict[str, str] = {}
    await sign_in(client, buyer["id"])
    for o in (*orders, old):
        pages[f"order {o['id']}"] = (await client.get(f"/account/orders/{o['reference']}")).text
    step = f"/account/orders/{old['reference']}/parts/{old['id']}/return"
    pages["return step"] = (await client.get(step)).text
    pages["return step refused"] = (await post_page_form(client, step, step, {"reason": "x" * 1_001})).text
    pages["withdraw step too late"] = (await client.get(f"/account/orders/{old['reference']}/parts/{old['id']}"
                                                        f"/withdraw")).text
    pages["buyer label"] = (await client.get(f"/account/returns/{ids[1]}/label")).text
    await sign_in(client, shop.account_id)
    pages["seller list"] = (await client.get("/seller/returns")).text
    pages["seller dashboard"] = (await client.get("/seller/")).text
    pages["seller order"] = (await client.get(f"/seller/orders/{orders[0]['id']}")).text
    for return_id in ids:
        pages[f"seller return {return_id}"] = (await client.get(f"/seller/returns/{return_id}")).text
    refused = f"/seller/returns/{ids[2]}"
    pages["seller refund refused"] = (await post_page_form(client, refused, f"{refused}/refund",
                                                           {"amount": "1"})).text
    operator = await make_account("operator")
    await sign_in(client, operator["id"])
    pages["ops list"] = (await client.get("/ops/returns")).text
    pages["ops return"] = (await client.get(f"/ops/returns/{ids[0]}")).text
    pages["ops refused"] = (await post_page_form(client, f"/ops/returns/{ids[0]}", f"/ops/returns/{ids[0]}/close",
                                                 {"reasons": ""})).text
    pages["withdrawal form"] = (await client.get("/legal/withdrawal-form")).text
    assert "With Encore" in pages[f"order {orders[0]['id']}"] and "Return an item" in pages[f"order {old['id']}"]
    files = {}
    for number, (name, html) in enumerate(pages.items()):
        file = tmp_path / f"page{number:02d}.html"
        file.write_text(html, encoding="utf-8")
        files[file.name] = name
    done = subprocess.run([*nu_checker, *(str(tmp_path / f) for f in files)], capture_output=True, text=True,
                          timeout=300)
    messages = json.loads(done.stderr or "{}").get("messages", [])
    errors = [f"{files.get(m.get('url', '').rsplit('/', 1)[-1])} line {m.get('lastLine')}: {m.get('message')}"
              for m in messages if m.get("type") in ("error", "non-document-error")]
    assert errors == []


# PostgreSQL: the conditional UPDATEs really race there (SQLite queues writers) -------------------------------------

@pytest.mark.postgres
async def test_on_postgres_two_requests_two_refunds_and_two_escalations_each_apply_once(postgres_store) -> None:
    from tests.integration.test_referencing import exclusive_seller

    settings = postgres_store.settings
    shop = await exclusive_seller()
    buyer = await make_account()
    first = await delivered_order(shop, buyer["id"], settings)
    requests = await asyncio.gather(*(service.request(first["id"], account_id=buyer["id"],
                                                      kind=ReturnKind.withdrawal, reason="", settings=settings)
                                      for _ in range(2)), return_exceptions=True)
    return_id = next(r for r in requests if isinstance(r, int))
    assert [r.field for r in requests if isinstance(r, Refused)] == ["kind"]
    await service.issue_label(return_id, seller_id=shop.seller_id, settings=settings)
    await service.mark_received(return_id, seller_id=shop.seller_id, settings=settings)

    refunds = await asyncio.gather(*(service.refund(return_id, seller_id=shop.seller_id,
                                                    decision=RefundInput("", ""), settings=settings)
                                     for _ in range(2)), return_exceptions=True)

    assert [r for r in refunds if not isinstance(r, Refused)] == [13_158]
    assert await Refund.count().where(Refund.seller_order == first["id"]) == 1

    second = await delivered_order(shop, buyer["id"], settings)
    past = dt.datetime.now(dt.UTC) - 4 * DAY
    await service.request(second["id"], account_id=buyer["id"], kind=ReturnKind.withdrawal, reason="",
                          settings=settings, now=past)
    runs = await asyncio.gather(*(service.escalate_overdue(settings) for _ in range(2)))
    assert sum(runs) == 1
