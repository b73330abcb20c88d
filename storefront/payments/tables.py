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
