"""What the cart pages read beyond the cart itself (which `storefront.cart.service.load` reads): plain data,
no HTTP here."""
from __future__ import annotations

from storefront.sellers.tables import Offer


async def offer_page_slug(offer_id: int) -> str | None:
    """The slug of the product page an offer is shown on, where a shopper goes back to after adding it."""
    row = await Offer.select(Offer.variant.slug.as_alias("slug")).where(Offer.id == offer_id).first()
    return row["slug"] if row else None
