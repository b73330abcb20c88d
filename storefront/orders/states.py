"""The states of an order, of a seller order (and of its history) and of a claim, as stored in their `status`
columns. Outside any tables module so that code which must not import tables can name them."""
from enum import StrEnum


class OrderStatus(StrEnum):
    """What the buyer's payment did; the goods' journey is on each seller order."""

    pending_payment = "pending_payment"
    paid = "paid"
    # Before unpaid orders could be retried, a declined card ended the order; kept for the orders of that time.
    payment_failed = "payment_failed"
    cancelled = "cancelled"  # by the buyer, before paying
    expired = "expired"  # not paid in time


class SellerOrderStatus(StrEnum):
    """The allowed moves between these are in storefront/orders/transitions.py."""

    awaiting_payment = "awaiting_payment"
    pending = "pending"
    accepted = "accepted"
    refused = "refused"
    shipped = "shipped"
    delivered = "delivered"
    cancelled = "cancelled"


class ClaimStatus(StrEnum):
    """The moves between these are in storefront/orders/claims.py."""

    open = "open"  # waiting for the seller's proposal
    proposed = "proposed"  # the seller proposed a resolution; waiting for the buyer
    accepted = "accepted"  # a repair or replacement agreed (or ordered): the seller is to send it
    escalated = "escalated"  # the buyer refused, or someone let the time pass: the operator decides
    resolved = "resolved"  # refunded on acceptance, or the repair or replacement was sent
    withdrawn = "withdrawn"  # the buyer withdrew it
    closed = "closed"  # the operator's decision ended it
    # Before claims ended in a resolution the seller answered in free text; kept for the claims of that time.
    answered = "answered"


class ClaimResolution(StrEnum):
    """What a seller proposes, or the operator orders, to settle a claim."""

    repair = "repair"
    replacement = "replacement"
    partial_refund = "partial_refund"
    full_refund = "full_refund"


class ClaimDecision(StrEnum):
    """The operator's decision on an escalated claim."""

    refund = "refund"
    repair = "repair"
    replacement = "replacement"
    rejected = "rejected"  # unfounded: it no longer counts in the seller's rates
