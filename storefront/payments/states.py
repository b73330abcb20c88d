"""The states of a payment at the provider, as stored in `Payment.status`."""
from enum import StrEnum


class PaymentStatus(StrEnum):
    created = "created"
    succeeded = "succeeded"
    failed = "failed"
    # Its order ended unpaid (cancelled or expired): the provider must take no money for it any more.
    cancelled = "cancelled"


class PayoutStatus(StrEnum):
    """A seller's line in a payout run: paid by the run's transfer, or held (nothing paid, shown to the operator)."""

    paid = "paid"
    held = "held"


class RefundReason(StrEnum):
    """Why money went back to the buyer: each refund names one."""

    refusal = "refusal"  # the seller could not fulfil
    cancellation = "cancellation"  # the buyer cancelled before shipping
    withdrawal = "withdrawal"  # the buyer withdrew within the legal period and returned the item
    return_ = "return"  # a return within the store's return window
    claim = "claim"  # a claim resolved by a partial or full refund
    operator = "operator"  # the operator decided a dispute


class RefundStatus(StrEnum):
    """Booked in the ledger at once; `sent` once the provider accepted it, `failed` when it refused."""

    pending = "pending"
    sent = "sent"
    failed = "failed"
