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
    open = "open"
    answered = "answered"
    closed = "closed"
