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
