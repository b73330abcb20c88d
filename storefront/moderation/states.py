"""The states of notices and complaints, and the measures a decision records, as stored in their columns.

A measure's value is also its wording in the statement of reasons ("What we did: offer removed."), so code
branches on the member, never on text built around it.
"""
from enum import StrEnum


class NoticeStatus(StrEnum):
    open = "open"
    handled = "handled"


class ComplaintStatus(StrEnum):
    """Open until the operator upholds the decision or reverses it (which undoes the measure)."""

    open = "open"
    upheld = "upheld"
    reversed = "reversed"


class Measure(StrEnum):
    review_kept = "review kept"
    review_removed = "review removed"
    notice_rejected = "notice rejected"
    offer_removed = "offer removed"
    product_dereferenced = "product dereferenced"
    seller_dereferenced = "seller dereferenced for a breach"
    # The notice period is in the decision's ground detail and facts.
    contract_terminated = "contract terminated with notice"



class Ground(StrEnum):
    """The rulebook a decision applies; the rule itself, in words, is the decision's `ground_detail`."""

    reviews_policy = "Reviews policy"
    offer_rules = "Offer rules"
    product_rules = "Product rules"
    seller_conditions = "Seller conditions"
    termination_for_convenience = "Termination for convenience under the seller conditions"
    notice_examined = "Notice examined"
