"""Claims that end in a resolution, through HTTP where a person acts: the seller's proposal, the buyer's answer,
the operator's decision, the escalation job, the money in the ledger and the statement, and the seller's rates.

The shop is one seller alone offering one product at €129.00, free shipping; the buyer pays €131.58 (service
fee €2.58). The seller's commission is 10 %: €12.90, so a €40.00 refund hands back €4.00 of it.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from storefront.errors import NotFound, Refused
from storefront.mail.tables import OutboxEmail
from storefront.moderation.tables import AuditEntry
from storefront.orders import claims, statements, transitions
from storefront.orders.claims import DecisionInput, ProposalInput
from storefront.orders.tables import Claim
from storefront.payments.tables import Refund
from storefront.sellers import figures
from storefront.sellers.tables import Offer, Seller
from storefront.settings import Settings
from tests.integration.commerce import make_account, sign_in
from tests.integration.test_cancellation import paid_order
from tests.integration.test_my_orders import csrf_of
from tests.integration.test_referencing import ExclusiveSeller, exclusive_seller
from tests.integration.test_valid_html import nu_checker as nu_checker


async def delivered_order(shop: ExclusiveSeller, buyer_id: int, settings: Settings) -> dict:
    order = await paid_order(shop, buyer_id, settings)
    await transitions.accept(order["id"], seller_id=shop.seller_id, settings=settings)
    await transitions.ship(order["id"], seller_id=shop.seller_id, carrier="Colissimo", tracking_number="6A1",
                           settings=settings)
    await transitions.deliver(order["id"], seller_id=shop.seller_id, settings=settings)
    return order


async def claimed_order(shop: ExclusiveSeller, settings: Settings, reason: str = "cosmetic",
                        at: dt.datetime | None = None) -> tuple[dict, dict, int]:
    buyer = await make_account()
    order = await delivered_order(shop, buyer["id"], settings)
    claim_id = await transitions.open_claim(order["id"], account_id=buyer["id"], reason=reason,
                                            message="Deep scratches on the back, sold as Excellent.",
                                            settings=settings, now=at)
    return buyer, order, claim_id


async def post_on(client: AsyncTestClient, page: str, action: str, data: dict | None = None):
    html = (await client.get(page)).text
    return await client.post(action, data={"_csrf": csrf_of(html), **(data or {})}, follow_redirects=False)


async def propose_as_seller(client: AsyncTestClient, shop: ExclusiveSeller, order: dict, claim_id: int,
                            data: dict):
    await sign_in(client, shop.account_id)
    return await post_on(client, f"/seller/orders/{order['id']}", f"/seller/claims/{claim_id}/propose", data)


async def answer_as_buyer(client: AsyncTestClient, buyer: dict, order: dict, claim_id: int, answer: str):
    await sign_in(client, buyer["id"])
    return await post_on(client, f"/account/orders/{order['reference']}",
                         f"/account/orders/{order['reference']}/claims/{claim_id}/{answer}")


async def status_of(claim_id: int) -> str:
    return (await Claim.select(Claim.status).where(Claim.id == claim_id).first())["status"]


async def test_a_partial_refund_proposed_and_accepted_reaches_the_ledger_and_the_statement(
        client: AsyncTestClient, shop: ExclusiveSeller, settings: Settings) -> None:
    buyer, order, claim_id = await claimed_order(shop, settings)

    proposed = await propose_as_seller(client, shop, order, claim_id, {
        "resolution": "partial_refund", "amount": "40,00", "message": "We refund €40 for the scratches."})
    accepted = await answer_as_buyer(client, buyer, order, claim_id, "accept")

    assert proposed.status_code == 303 and accepted.status_code == 303
    assert accepted.headers["location"] == f"/account/orders/{order['reference']}?claim_done=accept"
    assert await status_of(claim_id) == "resolved"
    refund = await Refund.select().where(Refund.seller_order == order["id"]).first()
    assert (refund["reason"], refund["amount_cents"], refund["fee_cents"], refund["commission_reversed_cents"]) == (
        "claim", 4_000, 0, 400)
    page = (await client.get(accepted.headers["location"])).text
    assert "Claim resolved by a refund" in page
    assert "Refunded to you</dt><dd>−€40.00" in page
    assert "Paid after refunds</dt><dd>€91.58" in page
    today = dt.datetime.now(dt.UTC)
    statement = await statements.monthly_statement(shop.seller_id, today.year, today.month, settings)
    assert [(line.kind, line.amount_cents) for line in statement.lines] == [
        ("payment", 12_900), ("commission", -1_290), ("refund", -4_000), ("commission_reversal", 400)]
    assert statement.closing_balance_cents == 8_010
    seller_mail = await OutboxEmail.select(OutboxEmail.body).where(
        (OutboxEmail.to_address == shop.email) & (OutboxEmail.kind == "claim_accepted")).first()
    assert "€40.00 is refunded to the buyer" in seller_mail["body"]


async def test_a_full_refund_accepted_gives_back_everything_with_the_service_fee(
        client: AsyncTestClient, shop: ExclusiveSeller, settings: Settings) -> None:
    buyer, order, claim_id = await claimed_order(shop, settings, reason="defective")
    await propose_as_seller(client, shop, order, claim_id, {"resolution": "full_refund", "amount": "",
                                                            "message": "Sorry: we refund it all."})

    await answer_as_buyer(client, buyer, order, claim_id, "accept")

    refund = await Refund.select().where(Refund.seller_order == order["id"]).first()
    assert (refund["amount_cents"], refund["fee_cents"], refund["commission_reversed_cents"]) == (12_900, 258, 1_290)


@pytest.mark.parametrize(("amount", "message"), [
    ("0", "The amount must be more than €0.00."),
    ("129.01", "At most €129.00 is left to refund on this order."),
    ("forty", "Write the amount in euros, for example 40 or 40.00."),
    ("", "Give the amount to refund, in euros."),
])
async def test_a_partial_refund_amount_is_checked_and_the_form_keeps_what_was_typed(
        client: AsyncTestClient, shop: ExclusiveSeller, settings: Settings, amount: str, message: str) -> None:
    _, order, claim_id = await claimed_order(shop, settings)

    response = await propose_as_seller(client, shop, order, claim_id, {
        "resolution": "partial_refund", "amount": amount, "message": "Half of it, for the scratches."})

    assert response.status_code == 400
    assert f'<p class="field-error" id="propose-{claim_id}-amount-error">{message}</p>' in response.text
    assert f'value="{amount}"' in response.text and "Half of it, for the scratches." in response.text
    assert await status_of(claim_id) == "open"


async def test_what_is_left_to_refund_counts_earlier_refunds(shop: ExclusiveSeller, settings: Settings) -> None:
    buyer, order, first = await claimed_order(shop, settings)
    await claims.propose(first, ProposalInput("partial_refund", "100", "For the scratches."),
                         seller_id=shop.seller_id, settings=settings)
    await claims.accept(first, account_id=buyer["id"], settings=settings)
    second = await transitions.open_claim(order["id"], account_id=buyer["id"], reason="defective",
                                          message="Now the battery fails too.", settings=settings)

    with pytest.raises(Refused) as refused:
        await claims.propose(second, ProposalInput("partial_refund", "30", "Thirty more."),
                             seller_id=shop.seller_id, settings=settings)

    assert refused.value.problems == {"amount": "At most €29.00 is left to refund on this order."}


async def accept_twice_at_once(shop: ExclusiveSeller, settings: Settings) -> None:
    buyer, _, claim_id = await claimed_order(shop, settings)
    await claims.propose(claim_id, ProposalInput("partial_refund", "40", "For the scratches."),
                         seller_id=shop.seller_id, settings=settings)

    outcomes = await asyncio.gather(*(claims.accept(claim_id, account_id=buyer["id"], settings=settings)
                                      for _ in range(2)), return_exceptions=True)

    assert sorted(type(o).__name__ for o in outcomes) == ["Refused", "int"]
    assert [row["amount_cents"] for row in await Refund.select(Refund.amount_cents).where(
        Refund.note == f"claim {claim_id}: proposal accepted")] == [4_000]


async def test_two_acceptances_at_once_refund_once(shop: ExclusiveSeller, settings: Settings) -> None:
    await accept_twice_at_once(shop, settings)


@pytest.mark.postgres
async def test_two_acceptances_at_once_refund_once_on_postgres(postgres_store) -> None:
    await accept_twice_at_once(await exclusive_seller(), postgres_store.settings)


async def test_refusing_sends_the_claim_to_the_operator_who_decides_with_reasons(
        client: AsyncTestClient, shop: ExclusiveSeller, settings: Settings) -> None:
    buyer, order, claim_id = await claimed_order(shop, settings)
    await claims.propose(claim_id, ProposalInput("partial_refund", "10", "Ten euros."), seller_id=shop.seller_id,
                         settings=settings)

    refused = await answer_as_buyer(client, buyer, order, claim_id, "refuse")
    operator = await make_account("operator", name="Olivia Ops")
    await sign_in(client, operator["id"])
    queue = (await client.get("/ops/claims")).text
    decided = await post_on(client, f"/ops/claims/{claim_id}", f"/ops/claims/{claim_id}/decide", {
        "outcome": "refund", "amount": "25", "reasons": "The photos show marks a Fair grade would have; €25."})

    assert refused.status_code == 303 and f'href="/ops/claims/{claim_id}"' in queue
    assert decided.status_code == 303 and decided.headers["location"] == f"/ops/claims/{claim_id}?done=decided"
    claim = await Claim.select().where(Claim.id == claim_id).first()
    assert (claim["status"], claim["escalation"], claim["decision"], claim["decided_by"]) == (
        "closed", "buyer_refused", "refund", operator["id"])
    refund = await Refund.select().where(Refund.seller_order == order["id"]).first()
    assert (refund["reason"], refund["amount_cents"], refund["commission_reversed_cents"]) == ("operator", 2_500, 250)
    entry = await AuditEntry.select().where((AuditEntry.subject_type == "claim")
                                            & (AuditEntry.subject_id == claim_id)).first()
    assert (entry["actor"], entry["action"]) == (operator["id"], "claim decided")
    assert entry["detail"] == (f"Refund (€25.00 to the buyer), order {order['reference']}. Reasons: The photos "
                               "show marks a Fair grade would have; €25.")
    told = {row["to_address"] for row in await OutboxEmail.select(OutboxEmail.to_address).where(
        OutboxEmail.kind == "claim_decided")}
    assert {buyer["email"], shop.email} <= told


async def test_a_decision_without_reasons_comes_back_and_changes_nothing(
        client: AsyncTestClient, shop: ExclusiveSeller, settings: Settings) -> None:
    buyer, _, claim_id = await claimed_order(shop, settings)
    await claims.propose(claim_id, ProposalInput("repair", "", "We repair it."), seller_id=shop.seller_id,
                         settings=settings)
    await claims.refuse(claim_id, account_id=buyer["id"], settings=settings)
    await sign_in(client, (await make_account("operator"))["id"])

    response = await post_on(client, f"/ops/claims/{claim_id}", f"/ops/claims/{claim_id}/decide",
                             {"outcome": "refund", "amount": "12", "reasons": "  "})

    assert response.status_code == 400
    assert '<p class="field-error" id="f-reasons-error">Give the reasons: both sides read them.</p>' in response.text
    assert 'value="12"' in response.text
    assert await status_of(claim_id) == "escalated"
    assert await AuditEntry.count().where((AuditEntry.subject_type == "claim")
                                          & (AuditEntry.subject_id == claim_id)) == 0


async def test_a_repair_accepted_is_resolved_when_the_seller_sends_it_back(
        client: AsyncTestClient, shop: ExclusiveSeller, settings: Settings) -> None:
    buyer, order, claim_id = await claimed_order(shop, settings, reason="defective")
    await propose_as_seller(client, shop, order, claim_id, {"resolution": "repair", "message": "Send it, we fix it."})
    await answer_as_buyer(client, buyer, order, claim_id, "accept")
    assert await status_of(claim_id) == "accepted"

    await sign_in(client, shop.account_id)
    missing = await post_on(client, f"/seller/orders/{order['id']}", f"/seller/claims/{claim_id}/sent",
                            {"carrier": "Chronopost", "tracking_number": ""})
    sent = await post_on(client, f"/seller/orders/{order['id']}", f"/seller/claims/{claim_id}/sent",
                         {"carrier": "Chronopost", "tracking_number": "XY123"})

    assert missing.status_code == 400 and "Give the tracking number." in missing.text
    assert sent.status_code == 303
    assert await status_of(claim_id) == "resolved"
    assert await Refund.count().where(Refund.seller_order == order["id"]) == 0
    await sign_in(client, buyer["id"])
    page = (await client.get(f"/account/orders/{order['reference']}")).text
    assert "Sent back with Chronopost, tracking" in page and "XY123" in page


async def test_the_buyer_withdraws_and_the_seller_is_told(client: AsyncTestClient, shop: ExclusiveSeller,
                                                          settings: Settings) -> None:
    buyer, order, claim_id = await claimed_order(shop, settings)

    response = await answer_as_buyer(client, buyer, order, claim_id, "withdraw")
    again = await answer_as_buyer(client, buyer, order, claim_id, "withdraw")

    assert response.status_code == 303 and await status_of(claim_id) == "withdrawn"
    assert again.status_code == 409 and "This claim has already ended." in again.text
    assert await OutboxEmail.exists().where((OutboxEmail.to_address == shop.email)
                                            & (OutboxEmail.kind == "claim_withdrawn"))


async def escalate_twice_at_once(shop: ExclusiveSeller, settings: Settings) -> None:
    await claims.escalate_due(settings)  # the demo's own late claims, out of the way
    now = dt.datetime.now(dt.UTC)
    _, _, unanswered = await claimed_order(shop, settings, at=now - dt.timedelta(days=3, minutes=1))
    _, _, fresh = await claimed_order(shop, settings, at=now - dt.timedelta(days=2, hours=23))
    _, _, ignored = await claimed_order(shop, settings)
    await claims.propose(ignored, ProposalInput("repair", "", "We repair it."), seller_id=shop.seller_id,
                         settings=settings, now=now - dt.timedelta(days=7, minutes=1))

    runs = await asyncio.gather(claims.escalate_due(settings), claims.escalate_due(settings))

    assert sum(runs) == 2
    rows = {row["id"]: (row["status"], row["escalation"]) for row in await Claim.select(
        Claim.id, Claim.status, Claim.escalation).where(Claim.id.is_in([unanswered, fresh, ignored]))}
    assert rows == {unanswered: ("escalated", "seller_silent"), fresh: ("open", ""),
                    ignored: ("escalated", "buyer_silent")}
    assert await OutboxEmail.count().where((OutboxEmail.to_address == shop.email)
                                           & (OutboxEmail.kind == "claim_escalated")) == 2


async def test_the_job_escalates_late_claims_once_across_two_runs(shop: ExclusiveSeller, settings: Settings) -> None:
    await escalate_twice_at_once(shop, settings)


@pytest.mark.postgres
async def test_the_job_escalates_late_claims_once_across_two_runs_on_postgres(postgres_store) -> None:
    await escalate_twice_at_once(await exclusive_seller(), postgres_store.settings)


async def test_a_claim_rejected_as_unfounded_leaves_the_sellers_rates(shop: ExclusiveSeller,
                                                                       settings: Settings) -> None:
    await Offer.update({Offer.stock: 30}).where(Offer.seller == shop.seller_id)
    buyer = await make_account()
    orders = [await delivered_order(shop, buyer["id"], settings) for _ in range(figures.MIN_DELIVERED_ORDERS)]
    claim_id = await transitions.open_claim(orders[0]["id"], account_id=buyer["id"], reason="defective",
                                            message="It does not start.", settings=settings)
    rate = Seller.select(Seller.defect_rate_bp).where(Seller.id == shop.seller_id).first
    assert (await rate())["defect_rate_bp"] == 500  # 1 claimed order in 20 delivered
    await claims.propose(claim_id, ProposalInput("repair", "", "It starts: hold the button 10 s."),
                         seller_id=shop.seller_id, settings=settings)
    await claims.refuse(claim_id, account_id=buyer["id"], settings=settings)
    operator = await make_account("operator")

    await claims.decide(claim_id, DecisionInput("rejected", "", "The video shows it starting normally."),
                        operator_id=operator["id"], settings=settings)

    assert (await rate())["defect_rate_bp"] == 0


async def test_another_buyer_or_seller_finds_no_claim(client: AsyncTestClient, shop: ExclusiveSeller,
                                                      settings: Settings) -> None:
    _, order, claim_id = await claimed_order(shop, settings)
    intruder = await make_account()
    other_shop_account = await make_account("seller", seller_id=(await Seller.select(Seller.id).where(
        Seller.id != shop.seller_id).first())["id"])
    await sign_in(client, intruder["id"])
    page = (await client.get("/account/orders")).text

    as_buyer = await client.post(f"/account/orders/{order['reference']}/claims/{claim_id}/accept",
                                 data={"_csrf": csrf_of(page)}, follow_redirects=False)
    await sign_in(client, other_shop_account["id"])
    page = (await client.get("/seller/claims")).text
    as_seller = await client.post(f"/seller/claims/{claim_id}/propose", data={
        "_csrf": csrf_of(page), "resolution": "repair", "message": "Not mine."}, follow_redirects=False)

    assert (as_buyer.status_code, as_seller.status_code) == (404, 404)
    assert order["reference"] not in page
    with pytest.raises(NotFound):
        await claims.withdraw(claim_id, account_id=intruder["id"], settings=settings)
    assert await status_of(claim_id) == "open"


async def test_the_sellers_claims_page_counts_each_state(client: AsyncTestClient, shop: ExclusiveSeller,
                                                         settings: Settings) -> None:
    _, order, waiting = await claimed_order(shop, settings)
    _, _, proposed = await claimed_order(shop, settings)
    await claims.propose(proposed, ProposalInput("replacement", "", "A new one leaves today."),
                         seller_id=shop.seller_id, settings=settings)
    await sign_in(client, shop.account_id)

    page = (await client.get("/seller/claims")).text
    to_answer = (await client.get("/seller/claims?status=open")).text

    assert 'All <span class="portal-tabs__n">2</span>' in page
    assert 'To answer <span class="portal-tabs__n">1</span>' in page
    assert 'Waiting for the buyer <span class="portal-tabs__n">1</span>' in page
    assert f"#claim-{waiting}" in to_answer and f"#claim-{proposed}" not in to_answer
    assert order["reference"] in to_answer


async def test_the_claim_pages_in_each_state_are_valid_html(client: AsyncTestClient, shop: ExclusiveSeller,
                                                             settings: Settings, tmp_path: Path,
                                                             nu_checker: list[str]) -> None:
    buyer, order, open_claim = await claimed_order(shop, settings)
    repair_buyer, repair_order, repair = await claimed_order(shop, settings, reason="defective")
    await claims.propose(repair, ProposalInput("repair", "", "We repair it."), seller_id=shop.seller_id,
                         settings=settings)
    await claims.accept(repair, account_id=repair_buyer["id"], settings=settings)
    pages = {"proposal refused": (await propose_as_seller(client, shop, order, open_claim, {
        "resolution": "partial_refund", "amount": "0", "message": "Nothing."})).text}
    pages["seller, repair to send"] = (await client.get(f"/seller/orders/{repair_order['id']}")).text
    pages["seller claims"] = (await client.get("/seller/claims")).text
    await claims.propose(open_claim, ProposalInput("partial_refund", "40", "For the scratches."),
                         seller_id=shop.seller_id, settings=settings)
    await sign_in(client, buyer["id"])
    pages["buyer, proposal"] = (await client.get(f"/account/orders/{order['reference']}")).text
    await claims.refuse(open_claim, account_id=buyer["id"], settings=settings)
    await sign_in(client, (await make_account("operator"))["id"])
    pages["ops claims"] = (await client.get("/ops/claims")).text
    pages["ops decision refused"] = (await post_on(client, f"/ops/claims/{open_claim}",
                                                   f"/ops/claims/{open_claim}/decide", {"outcome": "refund"})).text
    assert "The amount must be more than €0.00." in pages["proposal refused"]
    assert "Mark as sent back" in pages["seller, repair to send"]
    assert "Refuse and ask Encore to decide" in pages["buyer, proposal"]
    assert "Give the reasons: both sides read them." in pages["ops decision refused"]
    files = {}
    for number, (where, html) in enumerate(pages.items()):
        (tmp_path / f"page{number}.html").write_text(html, encoding="utf-8")
        files[f"page{number}.html"] = where

    done = subprocess.run([*nu_checker, *(str(tmp_path / name) for name in files)], capture_output=True, text=True,
                          timeout=300)

    messages = json.loads(done.stderr or "{}").get("messages", [])
    errors = [f"{files.get(m.get('url', '').rsplit('/', 1)[-1])} line {m.get('lastLine')}: {m.get('message')}"
              for m in messages if m.get("type") in ("error", "non-document-error")]
    assert errors == []


async def test_the_buyer_the_operator_and_the_seller_are_told_at_each_step(shop: ExclusiveSeller,
                                                                           settings: Settings) -> None:
    buyer, _, claim_id = await claimed_order(shop, settings)
    await claims.propose(claim_id, ProposalInput("partial_refund", "40.00", "We refund €40.00."),
                         seller_id=shop.seller_id, settings=settings)
    await claims.accept(claim_id, account_id=buyer["id"], settings=settings)
    other_buyer, _, silent_claim = await claimed_order(shop, settings)
    opened = (await Claim.select(Claim.created_at).where(Claim.id == silent_claim).first())["created_at"]
    await claims.escalate_due(settings, now=opened + dt.timedelta(days=3, minutes=1))

    async def sent(kind: str) -> list[str]:
        rows = await OutboxEmail.select(OutboxEmail.to_address, OutboxEmail.body).where(OutboxEmail.kind == kind)
        return [row["to_address"] for row in rows]

    assert buyer["email"] in await sent("claim_received")
    assert buyer["email"] in await sent("claim_refund")
    refund_mail = await OutboxEmail.select(OutboxEmail.body).where(
        (OutboxEmail.kind == "claim_refund") & (OutboxEmail.to_address == buyer["email"])).first()
    assert "we refund €40.00" in refund_mail["body"]
    assert settings.operator.contact_email in await sent("ops_claim_escalated")
    assert other_buyer["email"] in await sent("claim_escalated")
