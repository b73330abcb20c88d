from piccolo.columns import Boolean, Date, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from storefront.accounts.tables import Account
from storefront.catalog.tables import Variant
from storefront.orders.states import ClaimDecision, ClaimResolution, ClaimStatus, OrderStatus, SellerOrderStatus
from storefront.sellers.tables import Offer, Seller


class Order(Table):
    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    reference = Varchar(length=20, unique=True, index=True)
    account = ForeignKey(Account, index=True)
    status = Varchar(length=20, choices=OrderStatus, default=OrderStatus.pending_payment, index=True)
    items_cents = Integer()
    shipping_cents = Integer()
    service_fee_cents = Integer()
    total_cents = Integer()
    currency = Varchar(length=3, default="EUR")
    payment_means = Varchar(length=20, default="card")
    # A resubmitted "Order with obligation to pay" carries the same key and finds this order.
    idempotency_key = Varchar(length=64, unique=True)
    # The cart it was placed from (no foreign key: a cart may be deleted, its orders stay). Ordering that cart
    # again while this order waits for payment finds it here.
    cart = Varchar(length=36, null=True, default=None, index=True)
    delivery_name = Varchar(length=120)
    delivery_line1 = Varchar(length=200)
    delivery_line2 = Varchar(length=200, default="")
    delivery_postcode = Varchar(length=12)
    delivery_city = Varchar(length=100)
    delivery_country = Varchar(length=2, default="FR")
    delivery_phone = Varchar(length=30, default="")
    created_at = Timestamptz()
    paid_at = Timestamptz(null=True, default=None)


class SellerOrder(Table):
    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    order = ForeignKey(Order, index=True)
    seller = ForeignKey(Seller, index=True)
    status = Varchar(length=20, choices=SellerOrderStatus, default=SellerOrderStatus.awaiting_payment, index=True)
    items_cents = Integer()
    shipping_cents = Integer()
    total_cents = Integer()
    promised_delivery_date = Date()
    carrier = Varchar(length=60, default="")
    tracking_number = Varchar(length=60, default="")
    accepted_at = Timestamptz(null=True, default=None)
    shipped_at = Timestamptz(null=True, default=None)
    delivered_at = Timestamptz(null=True, default=None)
    delivered_late = Boolean(default=False)


class OrderLine(Table):
    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    seller_order = ForeignKey(SellerOrder, index=True)
    offer = ForeignKey(Offer)
    variant = ForeignKey(Variant)
    title = Varchar(length=200)
    grade = Varchar(length=16)
    quantity = Integer()
    unit_price_cents = Integer()
    warranty_months = Integer()


class OrderEvent(Table):
    """The status history a buyer and a seller read."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    seller_order = ForeignKey(SellerOrder, index=True)
    status = Varchar(length=20, choices=SellerOrderStatus)
    note = Text(default="")
    created_at = Timestamptz()


class Claim(Table):
    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    seller_order = ForeignKey(SellerOrder, index=True)
    # defective | wrong_item | cosmetic | not_received | other
    reason = Varchar(length=20)
    message = Text()
    status = Varchar(length=12, choices=ClaimStatus, default=ClaimStatus.open)
    seller_answer = Text(default="")
    created_at = Timestamptz()
    answered_at = Timestamptz(null=True, default=None)
    # The seller's proposal (its message is `seller_answer`); the amount for a refund, in cents.
    resolution = Varchar(length=16, choices=ClaimResolution, null=True, default=None)
    resolution_cents = Integer(null=True, default=None)
    buyer_answered_at = Timestamptz(null=True, default=None)
    # Why it went to the operator: buyer_refused | seller_silent | buyer_silent
    escalation = Varchar(length=16, default="")
    escalated_at = Timestamptz(null=True, default=None)
    decision = Varchar(length=12, choices=ClaimDecision, null=True, default=None)
    decision_reasons = Text(default="")
    decided_by = ForeignKey(Account, null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
    # How the repaired or replacement item went back to the buyer.
    return_carrier = Varchar(length=60, default="")
    return_tracking = Varchar(length=60, default="")
    resolved_at = Timestamptz(null=True, default=None)
