"""Tables of this app; see the package docstring."""
from piccolo.columns import Date, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from storefront.accounts.tables import Account
from storefront.orders.tables import SellerOrder
from storefront.returns.states import ReturnKind, ReturnStatus
from storefront.sellers.tables import Seller


class Return(Table, tablename="return_request"):  # "return" is an SQL keyword
    """A withdrawal or a return of one whole seller order, from the buyer's request to its end."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    seller_order = ForeignKey(SellerOrder, index=True)
    # Copied from the seller order, so each side's lists are read without a join.
    seller = ForeignKey(Seller, index=True)
    account = ForeignKey(Account, index=True)
    kind = Varchar(length=12, choices=ReturnKind)
    status = Varchar(length=14, choices=ReturnStatus, default=ReturnStatus.requested, index=True)
    # The seller order's id while the return is open, NULL once it ended: the unique index lets one return
    # be open per seller order, even when two requests arrive at once.
    open_for = Integer(null=True, default=None, unique=True)
    reason = Text(default="")  # the buyer's, optional: a withdrawal needs none
    requested_at = Timestamptz()
    # When the seller must have acted (label, then refund after receipt); NULL while the buyer is sending it.
    action_due_at = Timestamptz(null=True, default=None, index=True)
    # Consumer Rights Directive Art. 13: the refund is due within 14 days of the withdrawal.
    refund_due_on = Date()
    carrier = Varchar(length=60, default="")
    tracking_number = Varchar(length=40, default="")
    label_issued_at = Timestamptz(null=True, default=None)
    received_at = Timestamptz(null=True, default=None)
    refunded_at = Timestamptz(null=True, default=None)
    escalated_at = Timestamptz(null=True, default=None)
    ended_at = Timestamptz(null=True, default=None)
    refund_cents = Integer(default=0)  # from the seller order's total; the service fee is apart
    reduction_reason = Text(default="")  # why the refund is less than what was left (diminished value)
    decision_note = Text(default="")  # the operator's reasons when it decided


class ReturnEvent(Table):
    """One step of a return, for both sides' history."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    return_request = ForeignKey(Return, index=True)
    status = Varchar(length=14, choices=ReturnStatus)
    note = Text(default="")
    created_at = Timestamptz()
