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
    """An active offer is on sale if its seller, product and stock allow; a paused one is kept off sale by its
    seller until resumed; a removed one was taken down by the operator with a statement of reasons; a deleted
    one is gone for everyone, its seller included, and kept only because past orders and carts point at it."""

    active = "active"
    paused = "paused"
    removed = "removed"
    deleted = "deleted"


# How the portal names each offer state to its seller.
OFFER_STATUS_LABELS: dict[str, str] = {
    OfferStatus.active: "On sale",
    OfferStatus.paused: "Paused",
    OfferStatus.removed: "Removed by Encore",
    OfferStatus.deleted: "Deleted",
}
