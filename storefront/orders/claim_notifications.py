"""The e-mails a claim sends at each step after it is opened, through the outbox. Plain text, our own words.
(Opening one is in storefront/orders/notifications.py, with the order's other e-mails.)"""
from __future__ import annotations

from typing import Any

from storefront.mail.outbox import queue
from storefront.settings import Settings
from storefront.units import money


def _buyer_url(settings: Settings, order: dict[str, Any]) -> str:
    return f"{settings.public_base_url}/account/orders/{order['reference']}"


def _seller_url(settings: Settings, seller_order_id: int) -> str:
    return f"{settings.public_base_url}/seller/orders/{seller_order_id}"


async def proposal_made(settings: Settings, to: str, order: dict[str, Any], seller_name: str, resolution: str,
                        amount_cents: int | None, message: str) -> None:
    amount = f" of {money(amount_cents)}" if amount_cents else ""
    await queue(to=to, kind="claim_proposal",
                subject=f"{seller_name} proposes a solution for order {order['reference']}",
                body=(f"{seller_name} proposes: {resolution.lower()}{amount}.\n\n{message}\n\n"
                      f"Accept it, or refuse it and ask Encore's team to decide, on your order: "
                      f"{_buyer_url(settings, order)}\nWithout an answer from you within {settings.claim_buyer_days} "
                      f"days, Encore's team decides.\n"))


async def proposal_accepted(settings: Settings, to: str, order: dict[str, Any], seller_order_id: int,
                            resolution: str, refunded_cents: int) -> None:
    then = (f"{money(refunded_cents)} is refunded to the buyer; it shows on your statement." if refunded_cents
            else "Send the item back to the buyer, then mark it sent with its tracking number.")
    await queue(to=to, kind="claim_accepted", subject=f"The buyer accepted your proposal on order {order['reference']}",
                body=f"The buyer accepted: {resolution.lower()}. {then}\n{_seller_url(settings, seller_order_id)}\n")


async def received(settings: Settings, to: str, order: dict[str, Any], seller_name: str) -> None:
    """The buyer's acknowledgement: the claim is with the seller, and what happens without an answer."""
    await queue(to=to, kind="claim_received", subject=f"Your request for help on order {order['reference']}",
                body=(f"We passed your request to {seller_name}, who proposes a solution (a repair, a replacement or "
                      f"a refund) on your order's page. Without a proposal within {settings.claim_answer_days} days, "
                      f"Encore's team decides.\n{_buyer_url(settings, order)}\n"))


async def refund_agreed(settings: Settings, to: str, order: dict[str, Any], refunded_cents: int) -> None:
    await queue(to=to, kind="claim_refund", subject=f"Order {order['reference']}: {money(refunded_cents)} refunded",
                body=(f"You accepted the proposal: we refund {money(refunded_cents)} to your means of payment; it "
                      f"usually shows within a few working days.\n{_buyer_url(settings, order)}\n"))


async def escalated(settings: Settings, buyer: str, seller: str, order: dict[str, Any], seller_order_id: int,
                    why: str) -> None:
    subject = f"Encore's team will decide on the claim about order {order['reference']}"
    await queue(to=settings.operator.contact_email, kind="ops_claim_escalated", subject=subject,
                body=(f"A claim on order {order['reference']} waits for a decision: {why}.\n"
                      f"{settings.public_base_url}/ops/claims\n"))
    await queue(to=buyer, kind="claim_escalated", subject=subject,
                body=(f"The claim went to Encore's team because {why}. We read both sides and decide; you will get "
                      f"our decision and its reasons by e-mail.\n{_buyer_url(settings, order)}\n"))
    await queue(to=seller, kind="claim_escalated", subject=subject,
                body=(f"The claim went to Encore's team because {why}. We decide with reasons and tell you both.\n"
                      f"{_seller_url(settings, seller_order_id)}\n"))


async def withdrawn(settings: Settings, to: str, order: dict[str, Any], seller_order_id: int) -> None:
    await queue(to=to, kind="claim_withdrawn", subject=f"The buyer withdrew the claim on order {order['reference']}",
                body=f"Nothing more is needed from you on this claim.\n{_seller_url(settings, seller_order_id)}\n")


async def item_sent(settings: Settings, to: str, order: dict[str, Any], seller_name: str, carrier: str,
                    tracking: str) -> None:
    await queue(to=to, kind="claim_item_sent",
                subject=f"{seller_name} sent your item back (order {order['reference']})",
                body=(f"{seller_name} sent the repaired or replacement item with {carrier}, tracking number "
                      f"{tracking}. Your claim is resolved.\n{_buyer_url(settings, order)}\n"))


async def decided(settings: Settings, buyer: str, seller: str, order: dict[str, Any], seller_order_id: int,
                  decision: str, reasons: str, refunded_cents: int) -> None:
    refund = f"\n{money(refunded_cents)} is refunded to the buyer." if refunded_cents else ""
    body = f"Our decision: {decision}.{refund}\n\nReasons:\n{reasons}\n"
    subject = f"Encore's decision on the claim about order {order['reference']}"
    await queue(to=buyer, kind="claim_decided", subject=subject, body=body + _buyer_url(settings, order) + "\n")
    await queue(to=seller, kind="claim_decided", subject=subject,
                body=body + _seller_url(settings, seller_order_id) + "\n")
