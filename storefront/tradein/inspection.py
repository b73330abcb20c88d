"""The refurbisher's steps on an incoming device: mark it received, inspect it (IMEI or serial, blocklist, the
state found), then pay the quote or counter-offer with reasons, and send back a device whose counter-offer the
person refused. Every step goes through `moves.move` (a conditional UPDATE: two clicks at once, one wins) in a
write transaction, and e-mails the person through the outbox.

A device reported lost or stolen is neither paid nor counter-offered: the inspection suspends the trade-in for
the operator (status `suspended`, `suspended_from` = received), who takes it from there.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from stdnum import imei as imei_numbers

from storefront.accounts.tables import Account
from storefront.catalog.tables import ProductModel
from storefront.db import write_transaction
from storefront.errors import Refused, refuse_if
from storefront.mail.outbox import queue
from storefront.payments.payouts import refuse_unless_covered
from storefront.settings import Settings
from storefront.tradein import labels, money
from storefront.tradein.blocklist import Blocklist, default_blocklist
from storefront.tradein.moves import move, now_utc, trade_in_of
from storefront.tradein.operator import open_dispute
from storefront.tradein.states import CONDITION_LABELS, ConditionState, TradeInStatus
from storefront.tradein.tables import TradeIn, TradeInEvent
from storefront.units import money as euros
from storefront.units import parse_euros

ACTOR = "refurbisher"
SERIAL = re.compile(r"[A-Za-z0-9]{6,20}")
MAX_COMMENT = 1_000
COUNTER_REASONS = {
    "screen": "The screen is more worn or damaged than declared",
    "body": "The body is more worn or damaged than declared",
    "function": "A function does not work (camera, sound, buttons, charging…)",
    "battery": "The battery is worn beyond the usual",
    "lock": "An account lock (Find My, Google account) is still on",
    "parts": "Parts were replaced with non-genuine ones",
}


def _db() -> Any:
    return TradeIn._meta.db


def identifier_problem(text: str) -> str | None:
    """Why this cannot be the device's IMEI or serial number, or None. 15 digits are read as an IMEI, whose last
    digit is a Luhn check digit; anything else must be a serial of 6 to 20 letters or digits."""
    value = text.strip().replace(" ", "")
    if not value:
        return "Give the device's IMEI (15 digits) or its serial number."
    if value.isascii() and value.isdigit() and len(value) in (14, 15, 16, 17):
        if len(value) != 15 or not imei_numbers.is_valid(value):
            return "This is not a valid IMEI: 15 digits whose last one is a check digit. Check each digit."
        return None
    if not SERIAL.fullmatch(value):
        return "A serial number is 6 to 20 letters or digits."
    return None


@dataclass(frozen=True)
class InspectionInput:
    imei_or_serial: str
    found_state: str

    @property
    def identifier(self) -> str:
        return self.imei_or_serial.strip().replace(" ", "").upper()

    def problems(self) -> dict[str, str]:
        found: dict[str, str] = {}
        problem = identifier_problem(self.imei_or_serial)
        if problem:
            found["imei_or_serial"] = problem
        if self.found_state not in {s.value for s in ConditionState}:
            found["found_state"] = "Choose the state you found the device in."
        return found


@dataclass(frozen=True)
class CounterOfferInput:
    amount: str
    reasons: tuple[str, ...]
    comment: str

    def problems(self, quote_cents: int) -> dict[str, str]:
        found: dict[str, str] = {}
        cents = parse_euros(self.amount)
        if cents is None or cents <= 0:
            found["amount"] = "Give the new price in euros, such as 95.00."
        elif cents >= quote_cents:
            found["amount"] = f"A counter-offer is less than the quote ({euros(quote_cents)}): or pay the quote."
        if not self.reasons:
            found["reasons"] = "Choose at least one reason: the person reads them."
        elif any(reason not in COUNTER_REASONS for reason in self.reasons):
            found["reasons"] = "Choose the reasons from the list."
        if len(self.comment.strip()) > MAX_COMMENT:
            found["comment"] = f"Keep the comment to {MAX_COMMENT:,} characters or fewer."
        return found


async def _person(trade_in: dict[str, Any]) -> tuple[str, str]:
    account = await Account.select(Account.email, Account.name).where(Account.id == trade_in["account"]).first()
    model = await ProductModel.select(ProductModel.name).where(ProductModel.id == trade_in["model"]).first()
    assert account is not None and model is not None
    return account["email"], model["name"]


async def _tell(settings: Settings, trade_in: dict[str, Any], kind: str, subject: str, body: str) -> None:
    email, model = await _person(trade_in)
    await queue(to=email, kind=f"tradein_{kind}", subject=f"Trade-in {trade_in['reference']} ({model}): {subject}",
                body=f"{body}\n\nYour trade-ins: {settings.public_base_url}/account/trade-ins\n")


async def mark_received(trade_in_id: int, *, seller_id: int, settings: Settings) -> None:
    """The parcel arrived: from to_send too (a person need not say it left), and from expired (a parcel sent late,
    or sent without saying so, still reaches the refurbisher and must not be stranded)."""
    async with write_transaction(_db()):
        trade_in = await trade_in_of(trade_in_id, seller_id=seller_id)
        await move(trade_in, (TradeInStatus.to_send, TradeInStatus.sent, TradeInStatus.expired), TradeInStatus.received,
                   actor=ACTOR,
                   note="Device received")
        await _tell(settings, trade_in, "received", "your device arrived",
                    "The refurbisher received your device and is inspecting it. You will hear from us when it is "
                    f"paid, or if it was found in another state than declared ({euros(trade_in['quote_cents'])} "
                    "was quoted).")


async def inspect(trade_in_id: int, found: InspectionInput, *, seller_id: int, settings: Settings,
                  blocklist: Blocklist | None = None) -> bool:
    """Records the identifier and the state found while the device is received. Returns False when the device is
    reported lost or stolen: the trade-in is then suspended for the operator."""
    refuse_if(found.problems())
    register = blocklist or default_blocklist()
    async with write_transaction(_db()):
        trade_in = await trade_in_of(trade_in_id, seller_id=seller_id)
        if trade_in["status"] != TradeInStatus.received:
            raise Refused("status", "The inspection is recorded while the device is received.")
        reported = register.is_reported(found.identifier)
        if reported:
            at = now_utc()
            await move(trade_in, (TradeInStatus.received,), TradeInStatus.suspended, actor=ACTOR, at=at,
                       note="Reported lost or stolen: suspended for Encore's team", imei_or_serial=found.identifier,
                       found_state=found.found_state, suspended_from=TradeInStatus.received.value, suspended_at=at)
            await _tell(settings, trade_in, "suspended", "suspended",
                        "This device is reported lost or stolen in the register the refurbisher checks. It cannot be "
                        f"bought: {settings.brand_name}'s team will contact you about what happens next.")
            # The operator must act on a suspended device (decide, or resume once cleared): it reaches the
            # console's open disputes and the operator's mailbox in this same transaction, not only the person.
            await open_dispute(trade_in, "refurbisher", f"Reported lost or stolen: {found.identifier} is on the "
                               "register checked at inspection.", settings=settings, now=at)
        else:
            updated = await TradeIn.update({TradeIn.imei_or_serial: found.identifier,
                                            TradeIn.found_state: found.found_state,
                                            TradeIn.updated_at: now_utc()}).where(
                (TradeIn.id == trade_in_id) & (TradeIn.status == TradeInStatus.received)).returning(TradeIn.id)
            if not updated:
                raise Refused("status", "This trade-in changed in the meantime. Please reload the page.")
            await TradeInEvent.insert(TradeInEvent(
                trade_in=trade_in_id, status=TradeInStatus.received, actor=ACTOR, created_at=now_utc(),
                note=f"Inspected: {CONDITION_LABELS[ConditionState(found.found_state)]}"))
    return not reported


def _inspected(trade_in: dict[str, Any]) -> None:
    if not trade_in["imei_or_serial"] or not trade_in["found_state"]:
        # Named "decision": the message sits by the pay and counter-offer buttons, not inside the inspection form.
        raise Refused("decision", "Record the inspection first: the IMEI or serial and the state found.")


async def pay(trade_in_id: int, *, seller_id: int, settings: Settings) -> int:
    """Pays the quote: received → paid, with its balanced ledger transaction in the same write transaction.
    Refused when the refurbisher's payable balance does not cover the price and the commission. Returns the
    platform's commission."""
    async with write_transaction(_db()):
        trade_in = await trade_in_of(trade_in_id, seller_id=seller_id)
        _inspected(trade_in)
        price = trade_in["quote_cents"]
        commission = money.commission_for(price, settings.tradein.commission_basis_points)
        if trade_in["status"] == TradeInStatus.received:  # otherwise `move` says why it cannot be paid
            await refuse_unless_covered(seller_id, price, commission, settings, field="decision",
                                        what="this purchase")
        await move(trade_in, (TradeInStatus.received,), TradeInStatus.paid, actor=ACTOR,
                   note=f"Quote paid: {euros(price)}", paid_cents=price, commission_cents=commission)
        await money.book_payment(trade_in, price, settings.tradein.commission_basis_points)
        await _tell(settings, trade_in, "paid", "paid",
                    f"Your device was inspected and bought for {euros(price)}. The amount is sent to your bank "
                    "account by SEPA credit transfer in the next payout run.")
    return commission


async def counter_offer(trade_in_id: int, offer: CounterOfferInput, *, seller_id: int, settings: Settings) -> None:
    """received → counter_offered: a lower price with reasons; the person answers within counter_offer_days.
    Refused when the refurbisher's payable balance does not cover that price and its commission: the person's
    acceptance pays it and cannot be refused."""
    async with write_transaction(_db()):
        trade_in = await trade_in_of(trade_in_id, seller_id=seller_id)
        refuse_if(offer.problems(trade_in["quote_cents"]))
        _inspected(trade_in)
        cents = parse_euros(offer.amount)
        assert cents is not None
        if trade_in["status"] == TradeInStatus.received:
            commission = money.commission_for(cents, settings.tradein.commission_basis_points)
            await refuse_unless_covered(seller_id, cents, commission, settings, field="amount",
                                        what="this counter-offer")
        at = now_utc()
        expires = at + dt.timedelta(days=settings.tradein.counter_offer_days)
        reasons = "\n".join(COUNTER_REASONS[reason] for reason in offer.reasons)
        await move(trade_in, (TradeInStatus.received,), TradeInStatus.counter_offered, actor=ACTOR, at=at,
                   note=f"Counter-offer: {euros(cents)}", counter_cents=cents, counter_reasons=reasons,
                   counter_comment=offer.comment.strip(), counter_expires_at=expires)
        await _tell(settings, trade_in, "counter_offer", "a counter-offer",
                    f"The refurbisher found your device in another state than declared and offers {euros(cents)} "
                    f"instead of {euros(trade_in['quote_cents'])}.\n\nWhy:\n{reasons}\n"
                    + (f"\nTheir comment: {offer.comment.strip()}\n" if offer.comment.strip() else "")
                    + f"\nAccept or refuse it by {expires:%d %B %Y, %H:%M} UTC. Refused or unanswered, your device "
                      "is sent back to you free of charge.")


async def send_back(trade_in_id: int, *, seller_id: int, settings: Settings) -> str:
    """returning → returned: the refused device goes back free, at the refurbisher's cost, with a prepaid return
    label (the sandbox carrier's, like the person's label: storefront/tradein/labels.py) addressed to the return
    address the person gave when accepting. The tracking number is the label's, made here, so the label, the
    person's page and the e-mail cannot disagree. Returns it."""
    async with write_transaction(_db()):
        trade_in = await trade_in_of(trade_in_id, seller_id=seller_id)
        if trade_in["status"] == TradeInStatus.returning and not trade_in["return_line1"]:
            raise Refused("send_back", "This trade-in has no return address, so no label can be made: ask "
                                       f"{settings.brand_name}'s team for the person's address.")
        tracking = labels.tracking_number()
        await move(trade_in, (TradeInStatus.returning,), TradeInStatus.returned, actor=ACTOR,
                   note=f"Sent back, tracking {tracking}", return_tracking_number=tracking,
                   return_label_carrier=labels.carrier(settings))
        await _tell(settings, trade_in, "returned", "your device is on its way back",
                    f"The refurbisher sent your device back to the address you gave, free of charge. Tracking "
                    f"number: {tracking} ({labels.carrier(settings)}).")
    return tracking
