from piccolo.columns import Date, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from storefront.orders.tables import Order, SellerOrder
from storefront.payments.states import PaymentStatus, PayoutStatus, RefundReason, RefundStatus
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
    `seller_payable` (owed to `seller`), `platform_service_fee`, `platform_commission`, `platform_monthly_fee`,
    `payouts_in_transit` (paid out to sellers by a SEPA transfer file), `refunds_due` (decided, owed to a buyer,
    until the provider pays it back). Fees and payouts have no order.
    """

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    transaction = Varchar(length=40, index=True)
    order = ForeignKey(Order, index=True)
    seller = ForeignKey(Seller, null=True, default=None, index=True)
    account = Varchar(length=30, index=True)
    amount_cents = Integer()
    currency = Varchar(length=3, default="EUR")
    # payment | commission | refund | commission_reversal | refund_sent | monthly_fee | payout
    kind = Varchar(length=20)
    memo = Text(default="")
    created_at = Timestamptz()


class ProviderPayment(Table):
    """The provider's own id of the payment it opened for one of ours: what the reconciling job asks about and
    what a refund names. For Stripe, the Checkout Session (`cs_…`), whose PaymentIntent the adapter looks up when
    it needs it (rows from before Checkout hold the PaymentIntent `pi_…`, which the adapter also reads). One per
    payment, so a second start finds it."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    payment_reference = Varchar(length=64, unique=True)
    provider_payment_id = Varchar(length=255, unique=True)
    created_at = Timestamptz()
    # Set once its order ended unpaid and the provider closed it (storefront.payments.closing).
    closed_at = Timestamptz(null=True, default=None)


class ProviderRefund(Table):
    """A refund the sandbox made (a real provider keeps its own): its idempotency key is unique, so a retried
    refund is one, and what is left to refund survives a restart."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    refund_id = Varchar(length=255, unique=True)
    provider_payment_id = Varchar(length=255, index=True)
    amount_cents = Integer()
    idempotency_key = Varchar(length=255, unique=True)
    created_at = Timestamptz()
class MonthlyFee(Table):
    """The flat fee booked once per seller and month: the unique `transaction` (fee:<seller>:<YYYY-MM>) is the
    claim, taken in the same database transaction as the ledger entries it names."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    transaction = Varchar(length=40, unique=True)
    seller = ForeignKey(Seller, index=True)
    month = Varchar(length=7)  # YYYY-MM
    amount_cents = Integer()
    created_at = Timestamptz()


class PayoutRun(Table):
    """One payout run per date (the unique `run_on` claims it), with its pain.001 credit-transfer file."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    run_on = Date(unique=True)
    payout_count = Integer(default=0)
    total_cents = Integer(default=0)
    held_count = Integer(default=0)
    # The pain.001 XML (empty when nobody was paid); also written under PAYOUT_FILES_DIR as `file_name`.
    file_name = Varchar(length=80, default="")
    document = Text(default="")
    created_at = Timestamptz()


class Payout(Table):
    """A seller's line in a run: paid `amount_cents` to `iban`, or held with its balance (zero or below, or
    no account to pay)."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    payout_run = ForeignKey(PayoutRun, index=True)  # not `run`: its index would be named like the table
    seller = ForeignKey(Seller, index=True)
    amount_cents = Integer()
    iban = Varchar(length=34, default="")
    status = Varchar(length=8, choices=PayoutStatus)


class Refund(Table):
    """Money given back to a buyer for one seller order: booked in the ledger in the transaction that decided it
    (transactions `rfd:<id>` and, when a commission had been charged, `crv:<id>`), then sent to the provider
    with the idempotency key `encore-refund-<id>` after that transaction commits (storefront.payments.refunds).

    `amount_cents` is taken from the seller order's total (items and shipping); `fee_cents` is the service fee
    given back with it; `commission_reversed_cents` the share of the seller's commission handed back to it."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    order = ForeignKey(Order, index=True)
    seller_order = ForeignKey(SellerOrder, index=True)
    reason = Varchar(length=16, choices=RefundReason)
    amount_cents = Integer()
    fee_cents = Integer(default=0)
    commission_reversed_cents = Integer(default=0)
    currency = Varchar(length=3, default="EUR")
    note = Text(default="")
    status = Varchar(length=8, choices=RefundStatus, default=RefundStatus.pending, index=True)
    provider_refund_id = Varchar(length=255, default="")
    attempts = Integer(default=0)
    # When a provider that could not be reached is asked again; null: at once.
    next_attempt_at = Timestamptz(null=True, default=None)
    # Bumped when the operator sends a refused refund again: its idempotency key is then a new one.
    key_generation = Integer(default=0)
    last_error = Text(default="")
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)
