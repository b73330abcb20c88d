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


class ImportState(StrEnum):
    """An offer import (a CSV file a seller uploaded): queued until a worker checks it, then ready to preview
    (or failed), then applying once its seller asked for it, and finally applied (or failed, nothing changed)."""

    queued = "queued"
    checking = "checking"
    ready = "ready"
    applying = "applying"
    applied = "applied"
    failed = "failed"


# The states in which someone is still working on an import: its page keeps asking for news.
IMPORT_IN_PROGRESS = frozenset({ImportState.queued, ImportState.checking, ImportState.applying})

# How the portal names each import state to its seller.
IMPORT_STATE_LABELS: dict[str, str] = {
    ImportState.queued: "Waiting to be checked",
    ImportState.checking: "Being checked",
    ImportState.ready: "Preview ready",
    ImportState.applying: "Being applied",
    ImportState.applied: "Applied",
    ImportState.failed: "Not applied",
}
