from piccolo.columns import ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from storefront.orders.tables import Order
from storefront.payments.states import PaymentStatus
from storefront.sellers.tables import Seller


class Payment(Table):
    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    order = ForeignKey(Order, index=True)
    provider = Varchar(length=20)
    # The provider's id for this payment; notifications name it.
    provider_reference = Varchar(length=64, unique=True)
    amount_cents = Integer()
    currency = Varchar(length=3, default="EUR")
    status = Varchar(length=12, choices=PaymentStatus, default=PaymentStatus.created)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class PaymentNotification(Table):
    """Each provider event is handled once: a replayed or duplicated notification finds its row here."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    event_id = Varchar(length=64, unique=True)
    payment_reference = Varchar(length=64, index=True)
    payload = Text()
    received_at = Timestamptz()


class LedgerEntry(Table):
    """Double entry: the entries of one transaction add up to zero.

    Accounts: `psp_clearing` (money held at the payment provider for the sellers and the platform),
    `seller_payable` (owed to `seller`), `platform_service_fee`, `platform_commission`.
    """

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    transaction = Varchar(length=40, index=True)
    order = ForeignKey(Order, index=True)
    seller = ForeignKey(Seller, null=True, default=None, index=True)
    account = Varchar(length=30, index=True)
    amount_cents = Integer()
    currency = Varchar(length=3, default="EUR")
    # payment | commission | refund
    kind = Varchar(length=20)
    memo = Text(default="")
    created_at = Timestamptz()


class ProviderPayment(Table):
    """The provider's own id of the payment it opened for one of ours (a Stripe PaymentIntent `pi_…`): what
    the reconciling job asks about and what a refund names. One per payment, so a second start finds it."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    payment_reference = Varchar(length=64, unique=True)
    provider_payment_id = Varchar(length=255, unique=True)
    created_at = Timestamptz()


class ProviderRefund(Table):
    """A refund the sandbox made (a real provider keeps its own): its idempotency key is unique, so a retried
    refund is one, and what is left to refund survives a restart."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    refund_id = Varchar(length=255, unique=True)
    provider_payment_id = Varchar(length=255, index=True)
    amount_cents = Integer()
    idempotency_key = Varchar(length=255, unique=True)
    created_at = Timestamptz()
