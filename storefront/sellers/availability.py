"""The one availability policy: may an offer be shown, may it be bought, how many at most, and if not, why.

An offer is on the shop only while the offer itself is active, its seller is referenced and its product
model is not dereferenced (DOMAIN.md: dereferencing a seller dereferences its offers; a dereferenced product
leaves the store). It can be bought when it is on the shop and has stock. Nothing here changes an offer's own
status: dereferencing a product or a seller takes its offers off sale through this rule alone, and
reinstating them puts the offers back exactly as they were.

`availability()` says it for rows already loaded; `listed_offer_clause()` and `buyable_offer_clause()` say the
same thing as conditions on an `Offer` query (joining its seller and product model), and `buyable_offer_sql()`
as text for a hand-written query, so a page, the cart,
placement, search documents and the console cannot disagree. tests/unit/test_availability.py checks that
both agree on every combination.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from piccolo.custom_types import Combinable

from storefront.sellers.tables import Offer

ACTIVE_OFFER = "active"
REMOVED_OFFER = "removed"  # taken down after a notice of illegal content
REFERENCED_SELLER = "referenced"
DEREFERENCED_SELLER = "dereferenced"


class Unavailable(StrEnum):
    """Why an offer cannot be bought, most fundamental first: the first that applies is the one given."""

    PRODUCT_DEREFERENCED = "product_dereferenced"
    SELLER_DEREFERENCED = "seller_dereferenced"
    SELLER_NOT_REFERENCED = "seller_not_referenced"
    OFFER_REMOVED = "offer_removed"
    OFFER_PAUSED = "offer_paused"
    OUT_OF_STOCK = "out_of_stock"


# What a shopper is told; the operator's reasons (grounds, facts) travel in decisions, not here.
SHOPPER_MESSAGES = {
    Unavailable.PRODUCT_DEREFERENCED: "This product is no longer offered on the store.",
    Unavailable.SELLER_DEREFERENCED: "This seller no longer sells on the store.",
    Unavailable.SELLER_NOT_REFERENCED: "This seller does not sell on the store yet.",
    Unavailable.OFFER_REMOVED: "This offer has been removed from the store.",
    Unavailable.OFFER_PAUSED: "This offer is no longer available.",
    Unavailable.OUT_OF_STOCK: "This offer is sold out.",
}


@dataclass(frozen=True)
class Availability:
    shown: bool  # on the shop: its product page, notices and the console count it as listed
    buyable: bool  # may go into a cart and be ordered
    max_quantity: int  # how many can be ordered now; 0 unless buyable
    reason: Unavailable | None  # why it cannot be bought; None when it can

    @property
    def message(self) -> str:
        return SHOPPER_MESSAGES[self.reason] if self.reason else ""


def availability(offer: Mapping[str, Any], seller: Mapping[str, Any], model: Mapping[str, Any]) -> Availability:
    """The rule, for an offer row, its seller row and its product model row (each needs only its status,
    stock or `is_dereferenced`)."""
    reason: Unavailable | None = None
    if model["is_dereferenced"]:
        reason = Unavailable.PRODUCT_DEREFERENCED
    elif seller["status"] == DEREFERENCED_SELLER:
        reason = Unavailable.SELLER_DEREFERENCED
    elif seller["status"] != REFERENCED_SELLER:
        reason = Unavailable.SELLER_NOT_REFERENCED
    elif offer["status"] == REMOVED_OFFER:
        reason = Unavailable.OFFER_REMOVED
    elif offer["status"] != ACTIVE_OFFER:
        reason = Unavailable.OFFER_PAUSED
    elif offer["stock"] <= 0:
        reason = Unavailable.OUT_OF_STOCK
    shown = reason in (None, Unavailable.OUT_OF_STOCK)
    buyable = reason is None
    return Availability(shown=shown, buyable=buyable, max_quantity=offer["stock"] if buyable else 0, reason=reason)


def listed_offer_clause() -> Combinable:
    """`Availability.shown` as a condition on an `Offer` select, count or update."""
    return ((Offer.status == ACTIVE_OFFER) & (Offer.seller.status == REFERENCED_SELLER)
            & Offer.variant._.model._.is_dereferenced.eq(False))


def buyable_offer_clause(quantity: int = 1) -> Combinable:
    """`Availability.buyable` with `max_quantity >= quantity`, as a condition on an `Offer` query. Placement
    adds it to the UPDATE that takes the stock, so a measure committed after the cart was read still wins."""
    return listed_offer_clause() & (Offer.stock >= max(quantity, 1))


def buyable_offer_sql(offer: str = "o", seller: str = "s", model: str = "m") -> str:
    """`buyable_offer_clause()` for hand-written SQL (the search fallback's single grouped query), over the
    given aliases of the offer, seller and product model tables. Built from the same constants, and checked
    against the rule by the same agreement test."""
    return (f"{offer}.status = '{ACTIVE_OFFER}' AND {offer}.stock > 0 AND {seller}.status = '{REFERENCED_SELLER}'"
            f" AND NOT {model}.is_dereferenced")


def product_gone(model: Mapping[str, Any], offer_sellers: Iterable[Mapping[str, Any]]) -> bool:
    """The product page answers 410: the product is dereferenced, or it is offered only by dereferenced
    sellers (DOMAIN.md). A product with no offer at all is not gone: it may simply be out of stock."""
    statuses = [seller["status"] for seller in offer_sellers]
    return bool(model["is_dereferenced"]) or (bool(statuses) and all(s == DEREFERENCED_SELLER for s in statuses))
