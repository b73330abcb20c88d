"""The kinds of event a seller's webhook endpoint receives and the states of a delivery, as stored in their
columns. Outside any tables module so that code which must not import tables can name them."""
from enum import StrEnum


class EventType(StrEnum):
    # A seller order was paid: a new order for the seller to accept.
    order_created = "order.created"
    # A seller order the seller had been told about will not be fulfilled (refused by the seller; later: the
    # buyer's cancellation before shipping).
    order_cancelled = "order.cancelled"
    claim_opened = "claim.opened"
    claim_answered = "claim.answered"
    # "Send a test event" in the portal.
    ping = "ping"


class DeliveryStatus(StrEnum):
    pending = "pending"  # waiting for its first attempt or its next retry
    delivered = "delivered"  # the endpoint answered 2xx
    failed = "failed"  # every retry failed, or the endpoint was disabled before it went out
