"""Sellers and offers. An offer is one seller's listing of one variant in one grade."""
from piccolo.columns import (
    Boolean,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from storefront.catalog.tables import Variant
from storefront.sellers.states import ImportState, OfferStatus, SellerStatus


class Seller(Table):
    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    # Shown on the store.
    name = Varchar(length=120)
    slug = Varchar(length=140, unique=True, index=True)
    # Trader traceability (DSA Art. 30): checked before the seller may list, shown on offer pages.
    legal_name = Varchar(length=200, default="")
    address = Text(default="")
    country = Varchar(length=2, default="FR")
    phone = Varchar(length=40, default="")
    email = Varchar(length=200, default="")
    trade_register_number = Varchar(length=60, default="")
    vat_number = Varchar(length=40, default="")
    self_certified = Boolean(default=False)
    # Checked with the rest, never shown to buyers.
    representative_name = Varchar(length=200, default="")
    id_document = Varchar(length=120, default="")  # kind and number of the legal representative's ID
    payment_account = Varchar(length=34, default="")  # IBAN the seller is paid to
    # pending until the operator references it; dereferenced for convenience or for breach.
    status = Varchar(length=16, choices=SellerStatus, default=SellerStatus.pending, index=True)
    # Set when the seller was terminated for convenience: it stays listed until then (P2B Art. 4 notice).
    terminates_at = Timestamptz(null=True, default=None)
    joined_at = Timestamptz()
    # Figures used by ranking. None means "no figures yet", which ranking treats as neutral.
    rating_x100 = Integer(null=True, default=None)
    rating_count = Integer(default=0)
    defect_rate_bp = Integer(null=True, default=None)
    wrong_item_rate_bp = Integer(null=True, default=None)
    cosmetic_rate_bp = Integer(null=True, default=None)
    late_delivery_rate_bp = Integer(null=True, default=None)


class Offer(Table):
    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    seller = ForeignKey(Seller, index=True)
    # The seller's own reference, unique per seller (a unique index on seller and sku): imports and the API
    # find offers by it.
    sku = Varchar(length=64, default="")
    variant = ForeignKey(Variant, index=True)
    grade = Varchar(length=16)
    price_cents = Integer()
    shipping_cents = Integer(default=0)
    currency = Varchar(length=3, default="EUR")
    stock = Integer(default=0)
    delivery_days = Integer(default=3)
    warranty_months = Integer(default=12)
    # Comma-separated means of payment the seller accepts (card, paypal, instalments, bank_transfer).
    payment_means = Varchar(length=120, default="card")
    # Share of its original capacity the battery holds (at least 80 % for every grade), and whether it was
    # replaced by a new one.
    battery_health_pct = Integer(default=85)
    new_battery = Boolean(default=False)
    status = Varchar(length=16, choices=OfferStatus, default=OfferStatus.active, index=True)
    description = Text(default="")  # the seller's short condition note
    # The lowest price in force during the 30 days before the current price took effect, from `OfferPrice`,
    # set by the listing service with each price change (storefront.sellers.price_history): what a reduction
    # is announced against. Kept on the row so the product page and search documents read it without a query.
    # None while the offer has had one price only.
    prior_price_cents = Integer(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class OfferPrice(Table):
    """Every price an offer has had, from `starts_at` until the next row's: the prior price of a reduction
    (Price Indication Directive Art. 6a) is the lowest of them over the 30 days before it."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    offer = ForeignKey(Offer)  # indexed with starts_at by the migration that made the table
    price_cents = Integer()
    currency = Varchar(length=3, default="EUR")
    starts_at = Timestamptz()


class OfferImport(Table):
    """A CSV file of offers a seller uploaded (storefront.sellers.offer_import): its text, the progress of
    the worker checking or applying it, and the preview it produced, as JSON."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    seller = ForeignKey(Seller, index=True)
    state = Varchar(length=16, choices=ImportState, default=ImportState.queued, index=True)
    file_name = Varchar(length=200, default="")
    # The file as UTF-8 text (its byte-order mark removed); emptied once the import is applied or failed.
    content = Text(default="")
    total_rows = Integer(default=0)
    rows_done = Integer(default=0)
    to_create = Integer(default=0)
    to_change = Integer(default=0)
    unchanged = Integer(default=0)
    rejected = Integer(default=0)
    # The preview (rejected rows, rows to create and change, ignored columns) as JSON.
    report = Text(default="")
    # What the seller's offers named in the file were when the preview was made: applying checks it again.
    fingerprint = Varchar(length=64, default="")
    message = Text(default="")
    # The worker that claimed the current step (checking or applying), by a conditional UPDATE, and when.
    claimed_by = Varchar(length=32, null=True, default=None)
    claimed_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()
