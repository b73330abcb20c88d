"""The kinds and states of a return, as stored in `Return.kind` and `Return.status`."""
from enum import StrEnum


class ReturnKind(StrEnum):
    withdrawal = "withdrawal"  # within the legal withdrawal period: no reason needed
    return_ = "return"  # after it, within the store's return window


class ReturnStatus(StrEnum):
    requested = "requested"  # the seller issues a label
    label_issued = "label_issued"  # the buyer sends the item back
    received = "received"  # the seller checks it and refunds
    refunded = "refunded"
    escalated = "escalated"  # the seller did not act in time: the operator decides
    cancelled = "cancelled"  # by the buyer, before sending the item
    closed = "closed"  # by the operator, with reasons, without a refund


OPEN_STATUSES = (ReturnStatus.requested, ReturnStatus.label_issued, ReturnStatus.received, ReturnStatus.escalated)
