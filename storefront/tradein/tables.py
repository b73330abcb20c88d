"""Trade-in: the refurbishers' price grids and the trade-ins people accept. Money in integer cents (EUR)."""
from piccolo.columns import Boolean, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from storefront.accounts.tables import Account
from storefront.catalog.tables import ProductModel
from storefront.sellers.tables import Seller
from storefront.tradein.states import ConditionState, IdentityDocument, TradeInStatus


class TradeInProgram(Table):
    """A refurbisher that buys devices: on or off (turning it off leaves its grids and open trade-ins)."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    seller = ForeignKey(Seller, unique=True)
    enabled = Boolean(default=False)
    updated_at = Timestamptz()


class PriceGrid(Table):
    """One refurbisher's prices for one product model; paused, it quotes nothing."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    seller = ForeignKey(Seller, index=True)
    model = ForeignKey(ProductModel, index=True)
    paused = Boolean(default=False)
    updated_at = Timestamptz()


class GridPrice(Table):
    """What the refurbisher pays for the model in one storage and one condition state (unique per grid)."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    grid = ForeignKey(PriceGrid, index=True)
    storage_gb = Integer()
    state = Varchar(length=24, choices=ConditionState)
    price_cents = Integer()


class TradeIn(Table):
    """A quote a person accepted, and everything after: shipping, inspection, payment or return."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    reference = Varchar(length=20, unique=True)
    account = ForeignKey(Account, index=True)
    seller = ForeignKey(Seller, index=True)
    model = ForeignKey(ProductModel)
    storage_gb = Integer()
    # The state the person's answers map to, and the answers themselves (JSON), as quoted.
    declared_state = Varchar(length=24, choices=ConditionState)
    answers = Text(default="{}")
    quote_cents = Integer()
    # The accepted quote token's SHA-256 (hex): unique, so one quote makes one trade-in (storefront/tradein/person.py).
    quote_token_hash = Varchar(length=64, null=True, default=None)
    currency = Varchar(length=3, default="EUR")
    status = Varchar(length=16, choices=TradeInStatus, default=TradeInStatus.to_send, index=True)
    # Ship before this, or the quote lapses (the expiry job); moved by a suspension.
    ship_by = Timestamptz(index=True)
    # Accepting needs these: an identity document, an IBAN (checked), the declaration of ownership.
    id_document_type = Varchar(length=20, choices=IdentityDocument)
    id_document_number = Varchar(length=40)
    iban = Varchar(length=34)
    holder_name = Varchar(length=120)
    ownership_declared = Boolean(default=False)
    label_carrier = Varchar(length=60, default="")
    tracking_number = Varchar(length=40, default="")
    # Inspection by the refurbisher.
    imei_or_serial = Varchar(length=40, default="")
    found_state = Varchar(length=24, choices=ConditionState, null=True, default=None)
    counter_cents = Integer(null=True, default=None)
    counter_reasons = Text(default="")
    counter_comment = Text(default="")
    counter_expires_at = Timestamptz(null=True, default=None, index=True)
    # What is paid in the end (the quote, or the accepted counter-offer), and the platform's commission on it.
    paid_cents = Integer(null=True, default=None)
    commission_cents = Integer(default=0)
    return_tracking_number = Varchar(length=40, default="")
    # Where a refused device goes back to, given when accepting (storefront/tradein/person.py); the refurbisher
    # reads it only once the device is to be sent back. Empty on trade-ins made before it was asked.
    return_name = Varchar(length=120, default="")
    return_line1 = Varchar(length=200, default="")
    return_postcode = Varchar(length=12, default="")
    return_city = Varchar(length=100, default="")
    return_country = Varchar(length=2, default="")
    # The return parcel's label: the carrier the refurbisher's send-back made it with ("" before).
    return_label_carrier = Varchar(length=60, default="")
    # While suspended: the status to resume to, and the clocks' remaining time is kept by moving them on resume.
    suspended_from = Varchar(length=16, default="")
    suspended_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class TradeInEvent(Table):
    """The history both sides and the operator read: each step, who took it, a note."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    trade_in = ForeignKey(TradeIn, index=True)
    status = Varchar(length=16, choices=TradeInStatus)
    actor = Varchar(length=12)  # person | refurbisher | operator | system
    note = Text(default="")
    created_at = Timestamptz()


class TradeInPhoto(Table):
    """An inspection photo: stored outside the web root under its random key, served only to the person, the
    refurbisher and the operator."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    trade_in = ForeignKey(TradeIn, index=True)
    storage_key = Varchar(length=80, unique=True)
    content_type = Varchar(length=20)
    size_bytes = Integer()
    created_at = Timestamptz()


class TradeInDispute(Table):
    """A dispute either side raised on a trade-in, open until the operator decides it (pay or return)."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    trade_in = ForeignKey(TradeIn, index=True)
    raised_by = Varchar(length=12)  # person | refurbisher
    reason = Text()
    created_at = Timestamptz()
    decision = Varchar(length=12, default="")  # "" while open, then pay | return
    decision_reasons = Text(default="")
    decided_by = Integer(null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)


class TradeInTransfer(Table):
    """The person's money sent in a payout run: one row per trade-in (unique), so nobody is paid twice."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    trade_in = ForeignKey(TradeIn, unique=True)
    payout_run = Integer(index=True)  # storefront.payments PayoutRun.id, kept as a plain id: no app cycle
    amount_cents = Integer()
    iban = Varchar(length=34)
    created_at = Timestamptz()
