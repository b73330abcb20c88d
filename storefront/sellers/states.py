"""The states of a seller and of an offer, as stored in their `status` columns.

Outside any tables module so that code which must not import tables (the web layer) can name them.
"""
from enum import StrEnum


class SellerStatus(StrEnum):
    """Pending until the operator references it; dereferenced for convenience (after notice) or for breach."""

    pending = "pending"
    referenced = "referenced"
    dereferenced = "dereferenced"


# How the console and the portal name each seller state to a person.
SELLER_STATUS_LABELS: dict[str, str] = {
    SellerStatus.pending: "Waiting for referencing",
    SellerStatus.referenced: "Referenced",
    SellerStatus.dereferenced: "Dereferenced",
}


class OfferStatus(StrEnum):
    """An active offer is on sale if its seller, product and stock allow; a removed one was taken down by the
    operator with a statement of reasons."""

    active = "active"
    removed = "removed"
