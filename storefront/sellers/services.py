"""Writes to sellers and offers. Each one enqueues the variants it changes for search, in the same
transaction, so the index follows what was committed."""
from __future__ import annotations

import datetime as dt
from typing import Any

from search_index import build
from storefront.sellers.tables import Offer, Seller

SELLER_STATUSES = ("pending", "referenced", "dereferenced")
OFFER_FIELDS = {"price_cents", "shipping_cents", "stock", "delivery_days", "warranty_months", "payment_means",
                "status", "grade", "description"}


async def _seller_variant_ids(seller_id: int) -> list[int]:
    return [row["variant"] for row in await Offer.select(Offer.variant).where(Offer.seller == seller_id)]


async def set_seller_status(seller_id: int, status: str, *, sync: build.IndexSync) -> None:
    """Referencing or dereferencing a seller takes all its offers into or out of the store at once."""
    if status not in SELLER_STATUSES:
        raise ValueError(f"unknown seller status {status!r}")
    async with Seller._meta.db.transaction():
        await Seller.update({Seller.status: status}).where(Seller.id == seller_id)
        await build.enqueue(await _seller_variant_ids(seller_id))
    await sync.after_commit()


async def update_offer(offer_id: int, *, sync: build.IndexSync, **changes: Any) -> None:
    unknown = set(changes) - OFFER_FIELDS
    if unknown:
        raise ValueError(f"not an offer field: {sorted(unknown)}")
    async with Offer._meta.db.transaction():
        offer = await Offer.select(Offer.variant).where(Offer.id == offer_id).first()
        if offer is None:
            raise LookupError(offer_id)
        values = {getattr(Offer, name): value for name, value in changes.items()}
        values[Offer.updated_at] = dt.datetime.now(dt.UTC)
        await Offer.update(values).where(Offer.id == offer_id)
        await build.enqueue([offer["variant"]])
    await sync.after_commit()


# Trader traceability (DSA Art. 30) a seller gives before it may list: column → (label, longest accepted).
TRACEABILITY_FIELDS = {
    "legal_name": ("Company name, as registered", 200),
    "address": ("Registered address", 300),
    "country": ("Country (two-letter code, e.g. FR)", 2),
    "phone": ("Phone number", 40),
    "email": ("E-mail address for buyers and for us", 200),
    "trade_register_number": ("Trade register number", 60),
    "vat_number": ("VAT number", 40),
}


class DetailsLocked(Exception):
    """A referenced seller's checked details change only through the operator, who checks them again."""


async def update_traceability(seller_id: int, details: dict[str, str], self_certified: bool) -> None:
    """A pending seller completes or corrects what the operator will check before referencing it."""
    unknown = set(details) - set(TRACEABILITY_FIELDS)
    if unknown:
        raise ValueError(f"not a traceability field: {sorted(unknown)}")
    async with Seller._meta.db.transaction():
        seller = await Seller.select(Seller.status).where(Seller.id == seller_id).first()
        if seller is None:
            raise LookupError(seller_id)
        if seller["status"] != "pending":
            raise DetailsLocked()
        values = {getattr(Seller, name): value for name, value in details.items()}
        values[Seller.self_certified] = self_certified
        await Seller.update(values).where(Seller.id == seller_id)
