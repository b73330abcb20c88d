"""The states of a payment at the provider, as stored in `Payment.status`."""
from enum import StrEnum


class PaymentStatus(StrEnum):
    created = "created"
    succeeded = "succeeded"
    failed = "failed"
