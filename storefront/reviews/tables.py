from piccolo.columns import Boolean, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from storefront.accounts.tables import Account
from storefront.catalog.tables import ProductModel, Variant
from storefront.orders.tables import OrderLine
from storefront.reviews.states import ReportStatus, ReviewStatus
from storefront.sellers.tables import Seller


class Review(Table):
    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    # One review per order line: the unique index is the rule.
    order_line = ForeignKey(OrderLine, unique=True)
    account = ForeignKey(Account, index=True)
    model = ForeignKey(ProductModel, index=True)
    variant = ForeignKey(Variant)
    seller = ForeignKey(Seller, index=True)
    rating = Integer()
    comment = Text(default="")
    # Sub-ratings, 1 to 5, for the categories that have them; None when not given.
    value_for_money = Integer(null=True, default=None)
    delivery = Integer(null=True, default=None)
    packaging = Integer(null=True, default=None)
    performance = Integer(null=True, default=None)
    aesthetics = Integer(null=True, default=None)
    # Stored so every sort runs in the database; see storefront/reviews/service.py for the formula.
    relevance = Integer(default=0, index=True)
    status = Varchar(length=12, choices=ReviewStatus, default=ReviewStatus.published, index=True)
    purchased_at = Timestamptz()
    delivered_at = Timestamptz()
    submitted_at = Timestamptz()
    published_at = Timestamptz(index=True)
    updated_at = Timestamptz()


class ReviewInvitation(Table):
    """One invitation per order line, whichever process runs the job first."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    order_line = ForeignKey(OrderLine, unique=True)
    sent_at = Timestamptz()


class ReviewReport(Table):
    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    review = ForeignKey(Review, index=True)
    reason = Varchar(length=40)
    message = Text(default="")
    reporter_account = ForeignKey(Account, null=True, default=None)
    reporter_email = Varchar(length=254, default="")
    status = Varchar(length=12, choices=ReportStatus, default=ReportStatus.open, index=True)
    created_at = Timestamptz()
    handled = Boolean(default=False)
