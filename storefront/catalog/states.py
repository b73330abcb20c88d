"""The states of a catalogue request, as stored in its `status` column.

Outside any tables module so that code which must not import tables (the web layer) can name them.
"""
from enum import StrEnum


class CatalogueRequestStatus(StrEnum):
    """A seller's request for a missing model or variant: pending until the operator approves it (the variant
    then exists) or refuses it with a reason."""

    pending = "pending"
    approved = "approved"
    refused = "refused"


# How the portal and the console name each state to a person.
CATALOGUE_REQUEST_STATUS_LABELS: dict[str, str] = {
    CatalogueRequestStatus.pending: "Waiting for our review",
    CatalogueRequestStatus.approved: "Approved",
    CatalogueRequestStatus.refused: "Refused",
}
# How the console names them.
CATALOGUE_REQUEST_QUEUE_LABELS: dict[str, str] = {
    CatalogueRequestStatus.pending: "To review",
    CatalogueRequestStatus.approved: "Approved",
    CatalogueRequestStatus.refused: "Refused",
}
