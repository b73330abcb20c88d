"""The person's moves on a trade-in: accepting a quote, cancelling, saying it was sent, and answering a
counter-offer. Each step goes through storefront.tradein.moves.move (a conditional UPDATE on the current step),
inside one write transaction, and e-mails the people concerned through the outbox."""
from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from typing import Any

from stdnum import iban as iban_numbers
from stdnum.exceptions import ValidationError

from storefront.accounts.tables import Account
from storefront.db import is_unique_violation, write_transaction
from storefront.errors import NotFound, Refused, refuse_if
from storefront.mail.outbox import queue
from storefront.orders.checkout_forms import COUNTRIES, read_address
from storefront.payments.sepa import in_sepa
from storefront.sellers.tables import Seller
from storefront.settings import Settings
from storefront.tradein import labels, money, operator, quotes
from storefront.tradein.moves import move, now_utc
from storefront.tradein.states import CONDITION_LABELS, ConditionState, IdentityDocument, TradeInStatus
from storefront.tradein.tables import TradeIn, TradeInEvent
from storefront.units import money as euros

REFERENCE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread on the phone
ALREADY_ACCEPTED = "This quote was already accepted: see My trade-ins, or ask for a fresh quote."
MAX_TRACKING = 40
NOT_SEPA = ("We pay by SEPA credit transfer, and this IBAN's country is outside the SEPA area: give an account in "
            "the EU, the EEA, Switzerland, the United Kingdom or another SEPA country.")
NO_LONGER_BUYS = ("{seller} no longer buys this device, so this offer cannot be accepted. Ask for a new quote: "
                  "another refurbisher may buy it.")
# The return address's fields as the accept form names them → as the delivery address rules name them
# (storefront/orders/checkout_forms.py, one home for what an address must look like).
RETURN_COUNTRIES = COUNTRIES  # the accept form's choice: the countries the shop delivers to
RETURN_ADDRESS_FIELDS = {"return_name": "name", "return_line1": "line1", "return_postcode": "postcode",
                         "return_city": "city", "return_country": "country"}


@dataclass(frozen=True)
class AcceptInput:
    """What accepting a quote asks for, beyond the quote itself."""

    id_document_type: str = ""
    id_document_number: str = ""
    iban: str = ""
    holder_name: str = ""
    declaration: bool = False
    # Where a refused device is sent back: kept with the trade-in, shown to the refurbisher only when it must
    # send the device back.
    return_name: str = ""
    return_line1: str = ""
    return_postcode: str = ""
    return_city: str = ""
    return_country: str = ""

    def return_address(self) -> tuple[dict[str, str], dict[str, str]]:
        """The return address as it is stored (trimmed, country code upper case), and its problems, each under
        the accept form's field name. The countries are those the shop delivers to."""
        read = read_address({name: getattr(self, ours) for ours, name in RETURN_ADDRESS_FIELDS.items()})
        values = {ours: read.values[name] for ours, name in RETURN_ADDRESS_FIELDS.items()}
        problems = {ours: read.errors[name] for ours, name in RETURN_ADDRESS_FIELDS.items() if name in read.errors}
        if "return_country" in problems:
            problems["return_country"] = "Choose the country from the list: we send devices back there only."
        return values, problems

    def problems(self) -> dict[str, str]:
        problems: dict[str, str] = {}
        if self.id_document_type not in set(IdentityDocument):
            problems["id_document_type"] = "Choose the type of identity document."
        number = self.id_document_number.strip()
        if not 4 <= len(number) <= 40:
            problems["id_document_number"] = "Write the document's number as printed on it (4 to 40 characters)."
        try:
            iban_numbers.validate(self.iban)
        except ValidationError:
            problems["iban"] = "This IBAN is not valid: check it against your bank's details."
        else:
            if not in_sepa(iban_numbers.compact(self.iban)):
                problems["iban"] = NOT_SEPA
        if not 2 <= len(self.holder_name.strip()) <= 120:
            problems["holder_name"] = "Write the account holder's name as the bank knows it."
        problems.update(self.return_address()[1])
        if not self.declaration:
            problems["declaration"] = ("Declare that the device is yours and its account locks are removed: "
                                       "we cannot buy it otherwise.")
        return problems


def _new_reference() -> str:
    return "TI-" + "".join(secrets.choice(REFERENCE_LETTERS) for _ in range(8))


async def accept(token: str, given: AcceptInput, *, account_id: int,
                 settings: Settings, now: dt.datetime | None = None) -> str:
    """Turns a signed quote into a trade-in to send (with its prepaid label); returns its reference. A token
    makes one trade-in: a second acceptance, even at the same instant, is refused. The quote's date only limits
    when it may be accepted: the device is to be sent within TRADEIN_QUOTE_DAYS of accepting, as the trade-in
    conditions say. A refurbisher that no longer buys the device (dereferenced, programme off, grid paused or
    price removed) is not bound by an older quote: accepting it is refused."""
    now = now or now_utc()
    quote = quotes.quote_from(token, settings.secret_key, now)
    refuse_if(given.problems())
    address, _ = given.return_address()
    digest = quotes.token_hash(token)
    trade_in = TradeIn(
        reference=_new_reference(), account=account_id, seller=quote.seller_id, model=quote.model_id,
        storage_gb=quote.storage_gb, declared_state=quote.state, answers=json.dumps(quote.answers.as_dict()),
        quote_cents=quote.price_cents, quote_token_hash=digest, status=TradeInStatus.to_send,
        ship_by=now + dt.timedelta(days=settings.tradein.quote_valid_days), id_document_type=given.id_document_type,
        id_document_number=given.id_document_number.strip(), iban=iban_numbers.compact(given.iban),
        holder_name=given.holder_name.strip(), ownership_declared=True, label_carrier=labels.carrier(settings),
        tracking_number=labels.tracking_number(), return_name=address["return_name"],
        return_line1=address["return_line1"], return_postcode=address["return_postcode"],
        return_city=address["return_city"], return_country=address["return_country"], created_at=now, updated_at=now)
    try:
        async with write_transaction(TradeIn._meta.db):
            if await TradeIn.exists().where(TradeIn.quote_token_hash == digest):
                raise Refused("token", ALREADY_ACCEPTED)
            if not await quotes.still_buys(quote):
                seller = await Seller.select(Seller.name).where(Seller.id == quote.seller_id).first()
                raise Refused("quote", NO_LONGER_BUYS.format(seller=seller["name"] if seller else "The refurbisher"))
            await TradeIn.insert(trade_in)
            await TradeInEvent.insert(TradeInEvent(trade_in=trade_in.id, status=TradeInStatus.to_send,
                                                   actor="person", note="Quote accepted", created_at=now))
            await _mail_accepted(trade_in, settings)
    except Exception as error:
        # Two acceptances at once on PostgreSQL: both checked before either wrote, the unique index refused one.
        if is_unique_violation(error) and await TradeIn.exists().where(TradeIn.quote_token_hash == digest):
            raise Refused("token", ALREADY_ACCEPTED) from None
        raise
    return str(trade_in.reference)


async def _parties(trade_in: Any) -> tuple[dict[str, Any], dict[str, Any], str]:
    """The person's account, the refurbisher and the device's name, for the e-mails."""
    account = await Account.select(Account.email, Account.name).where(Account.id == trade_in["account"]).first()
    seller = await Seller.select(Seller.name, Seller.email).where(Seller.id == trade_in["seller"]).first()
    device = await quotes.device(trade_in["model"])
    name = device["name"] if device else "your device"
    if trade_in["storage_gb"]:
        name += f" {trade_in['storage_gb']} GB"
    if account is None or seller is None:
        raise NotFound(trade_in["id"])
    return account, seller, name


async def _queue_seller(seller: dict[str, Any], *, kind: str, subject: str, body: str) -> None:
    """A refurbisher without a contact address (the portal makes one mandatory, old rows may lack it) gets none."""
    if seller["email"]:
        await queue(to=seller["email"], kind=kind, subject=subject, body=body)


def _url(settings: Settings, reference: str) -> str:
    return f"{settings.public_base_url}/account/trade-ins/{reference}"


async def _mail_accepted(trade_in: TradeIn, settings: Settings) -> None:
    account, seller, name = await _parties(trade_in.to_dict())
    reference = str(trade_in.reference)
    await queue(to=account["email"], kind="tradein_accepted", subject=f"Trade-in {reference}: your prepaid label",
                body=(f"You accepted {seller['name']}'s offer of {euros(trade_in.quote_cents)} for your {name} "
                      f"({CONDITION_LABELS[ConditionState(trade_in.declared_state)]}).\n\n"
                      f"Send it by {trade_in.ship_by:%d %B %Y} with the prepaid label: "
                      f"{_url(settings, reference)}/label.pdf\n"
                      "Accepting does not oblige you to send it: you can cancel from My trade-ins.\n"
                      f"Your trade-in: {_url(settings, reference)}\n"))
    await _queue_seller(seller, kind="tradein_incoming", subject=f"Trade-in {reference} accepted",
                body=(f"A person accepted your price of {euros(trade_in.quote_cents)} for a {name} "
                      f"({CONDITION_LABELS[ConditionState(trade_in.declared_state)]}). It should reach you before "
                      f"{trade_in.ship_by:%d %B %Y}, tracking number {trade_in.tracking_number}.\n"
                      f"{settings.public_base_url}/seller/trade-in\n"))


async def _owned(reference: str, account_id: int) -> dict[str, Any]:
    row = await TradeIn.select().where((TradeIn.reference == reference) & (TradeIn.account == account_id)).first()
    if row is None:
        raise NotFound(reference)
    return row


async def cancel(reference: str, *, account_id: int, settings: Settings) -> None:
    """The person withdraws before sending: nothing was shipped, nothing is owed."""
    async with write_transaction(TradeIn._meta.db):
        trade_in = await _owned(reference, account_id)
        await move(trade_in, (TradeInStatus.to_send,), TradeInStatus.cancelled, actor="person",
                   note="Cancelled by the person")
        _, seller, name = await _parties(trade_in)
        await _queue_seller(seller, kind="tradein_cancelled", subject=f"Trade-in {reference} cancelled",
                    body=f"The person cancelled trade-in {reference} ({name}) before sending it.\n")


async def mark_sent(reference: str, tracking: str, *, account_id: int, settings: Settings) -> None:
    """The person says the parcel left; a tracking number of their own replaces the label's."""
    tracking = tracking.strip()
    if len(tracking) > MAX_TRACKING:
        raise Refused("tracking", f"A tracking number has at most {MAX_TRACKING} characters.")
    async with write_transaction(TradeIn._meta.db):
        trade_in = await _owned(reference, account_id)
        now = now_utc()
        if trade_in["status"] == TradeInStatus.to_send and trade_in["ship_by"] < now:
            # Past the date the job has not swept yet: the quote has lapsed all the same.
            raise Refused("status", f"The quote lapsed on {trade_in['ship_by']:%d %B %Y}: ask for a new quote.")
        values: dict[str, Any] = {"tracking_number": tracking} if tracking else {}
        await move(trade_in, (TradeInStatus.to_send,), TradeInStatus.sent, actor="person", at=now,
                   note=f"Sent, tracking {tracking or trade_in['tracking_number']}", still=TradeIn.ship_by >= now,
                   **values)
        _, seller, name = await _parties(trade_in)
        await _queue_seller(seller, kind="tradein_sent", subject=f"Trade-in {reference} is on its way",
                    body=(f"The person sent the {name} of trade-in {reference}, tracking number "
                          f"{trade_in['tracking_number']}.\n{settings.public_base_url}/seller/trade-in\n"))


async def answer_counter_offer(reference: str, accepted: bool, *, account_id: int, settings: Settings) -> None:
    """Accepting pays the counter-offer (the ledger moves in the same transaction); refusing sends the device
    back free, at the refurbisher's cost."""
    async with write_transaction(TradeIn._meta.db):
        trade_in = await _owned(reference, account_id)
        counter = trade_in["counter_cents"]
        now = now_utc()
        expires = trade_in["counter_expires_at"]
        if trade_in["status"] == TradeInStatus.counter_offered and expires is not None and expires < now:
            # Past the answer's date the job has not swept yet: the conditions' outcome holds, not a late answer.
            raise Refused("status", f"The time to answer ended on {expires:%d %B %Y, %H:%M} UTC: the device comes "
                                    "back to you free of charge.")
        in_time = TradeIn.counter_expires_at.is_null() | (TradeIn.counter_expires_at >= now)
        if accepted:
            if counter is None:
                raise Refused("status", "There is no counter-offer to accept on this trade-in.")
            rate = settings.tradein.commission_basis_points
            commission = money.commission_for(counter, rate)
            await move(trade_in, (TradeInStatus.counter_offered,), TradeInStatus.paid, actor="person", at=now,
                       note=f"Counter-offer of {euros(counter)} accepted", paid_cents=counter,
                       commission_cents=commission, still=in_time)
            await money.book_payment(trade_in, counter, rate)
        else:
            await move(trade_in, (TradeInStatus.counter_offered,), TradeInStatus.returning, actor="person", at=now,
                       note="Counter-offer refused: the device goes back", still=in_time)
        account, seller, name = await _parties(trade_in)
        if accepted:
            await queue(to=account["email"], kind="tradein_paid", subject=f"Trade-in {reference}: payment on its way",
                        body=(f"You accepted {euros(counter or 0)} for your {name}. The transfer to your account "
                              f"leaves in the next payout run.\n{_url(settings, reference)}\n"))
        else:
            await queue(to=account["email"], kind="tradein_counter_refused",
                        subject=f"Trade-in {reference}: your device comes back to you",
                        body=(f"You refused the counter-offer for your {name}. The refurbisher sends it back to you "
                              "free of charge; you will get the tracking number by e-mail.\n"
                              f"{_url(settings, reference)}\n"))
        await _queue_seller(seller, kind="tradein_counter_answered",
                    subject=f"Trade-in {reference}: counter-offer {'accepted' if accepted else 'refused'}",
                    body=(f"The person {'accepted' if accepted else 'refused'} your counter-offer for the {name}."
                          + ("" if accepted else " Send it back free, at your cost.")
                          + f"\n{settings.public_base_url}/seller/trade-in\n"))


async def raise_dispute(reference: str, reason: str, *, account_id: int, settings: Settings) -> int:
    """The person asks Encore to decide between them and the refurbisher (storefront.tradein.operator holds
    the rules: when, one at a time, who is told)."""
    trade_in = await _owned(reference, account_id)
    return await operator.raise_dispute(trade_in["id"], "person", reason, settings=settings, account_id=account_id)
