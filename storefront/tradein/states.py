"""Trade-in (buyback): the condition states the trade prices devices by, and the steps of one trade-in, as
stored in their columns. Outside the tables module so that code which must not import tables can name them."""
from enum import StrEnum


class ConditionState(StrEnum):
    """How a used device is, as the refurbishers' price grids know it (DOMAIN.md, "Trade-in")."""

    functional_flawless = "functional_flawless"
    functional_good = "functional_good"
    functional_used = "functional_used"
    functional_cracked = "functional_cracked"
    not_functional_used = "not_functional_used"
    not_functional_cracked = "not_functional_cracked"


CONDITION_LABELS = {
    ConditionState.functional_flawless: "Works fully, flawless",
    ConditionState.functional_good: "Works fully, light signs of use",
    ConditionState.functional_used: "Works fully, visibly used",
    ConditionState.functional_cracked: "Works fully, cracked screen or body",
    ConditionState.not_functional_used: "Does not work fully, not cracked",
    ConditionState.not_functional_cracked: "Does not work fully, cracked",
}


class TradeInStatus(StrEnum):
    """The steps of a trade-in once the person has accepted a quote. The allowed moves are in
    storefront/tradein/transitions.py; a quote a person only looked at is never stored."""

    to_send = "to_send"  # accepted: the person may ship the device before the quote's date (not obliged to)
    sent = "sent"  # the person says it left, or the carrier scanned it
    received = "received"  # the refurbisher has it
    counter_offered = "counter_offered"  # inspected: found in another state, a new price with reasons
    paid = "paid"  # the quote, or an accepted counter-offer, paid (the payout run sends the transfer)
    returning = "returning"  # the person refused the counter-offer: sent back free, at the refurbisher's cost
    returned = "returned"  # back with the person
    cancelled = "cancelled"  # the person withdrew before sending
    expired = "expired"  # not sent before the quote's date
    suspended = "suspended"  # the operator stopped every clock (a dispute)


TRADE_IN_STATUS_LABELS = {
    TradeInStatus.to_send: "To send",
    TradeInStatus.sent: "On its way",
    TradeInStatus.received: "Received, being inspected",
    TradeInStatus.counter_offered: "Counter-offer waiting for your answer",
    TradeInStatus.paid: "Paid",
    TradeInStatus.returning: "Being sent back to you",
    TradeInStatus.returned: "Returned",
    TradeInStatus.cancelled: "Cancelled",
    TradeInStatus.expired: "Expired: not sent in time",
    TradeInStatus.suspended: "Suspended by Encore",
}


class IdentityDocument(StrEnum):
    identity_card = "identity_card"
    passport = "passport"
    residence_permit = "residence_permit"
    driving_licence = "driving_licence"


IDENTITY_DOCUMENT_LABELS = {
    IdentityDocument.identity_card: "National identity card",
    IdentityDocument.passport: "Passport",
    IdentityDocument.residence_permit: "Residence permit",
    IdentityDocument.driving_licence: "Driving licence",
}
