"""The product page: complete in the first HTML response, for shoppers and crawlers alike."""
from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from storefront.catalog import queries
from storefront.catalog.grades import GRADE_BY_KEY, GRADES
from storefront.sellers.availability import availability, product_gone
from storefront.settings import Settings
from storefront.strategy import (
    ProductOffers,
    offer_signals,
    product_offers,
    storage_label,
    variant_title,
)
from storefront.units import money, plain_amount, stars
from storefront.web.errors import GoneException
from storefront.web.reviews import is_offered, reviews_context


def _pickers(variant: dict[str, Any], siblings: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Storage and colour choices as links: each goes to the closest existing variant."""
    storages: list[dict[str, Any]] = []
    for gb in sorted({s["storage_gb"] for s in siblings if s["storage_gb"] is not None}):
        same = [s for s in siblings if s["storage_gb"] == gb]
        target = next((s for s in same if s["color"] == variant["color"]), same[0])
        storages.append({"label": storage_label(gb), "slug": target["slug"], "current": gb == variant["storage_gb"]})
    colours: list[dict[str, Any]] = []
    for colour in dict.fromkeys(s["color"] for s in siblings):
        same = [s for s in siblings if s["color"] == colour]
        target = next((s for s in same if s["storage_gb"] == variant["storage_gb"]), same[0])
        colours.append({"label": colour, "hex": target["color_hex"], "slug": target["slug"],
                        "current": colour == variant["color"]})
    return {"storages": storages, "colours": colours}


def _json_ld(*, title: str, url: str, image: str, brand: str, model: dict[str, Any], variant: dict[str, Any],
             offers: ProductOffers, description: str, reviews: dict[str, Any] | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": "https://schema.org", "@type": "Product", "name": title, "url": url, "image": image,
        "sku": f"encore-{variant['id']}", "brand": {"@type": "Brand", "name": brand}, "description": description,
    }
    if offers.ranked:
        prices = [s.offer.price_cents for s in offers.ranked]
        data["offers"] = {
            "@type": "AggregateOffer", "priceCurrency": variant["currency"], "offerCount": len(prices),
            "lowPrice": plain_amount(min(prices)), "highPrice": plain_amount(max(prices)),
            "availability": "https://schema.org/InStock", "itemCondition": "https://schema.org/RefurbishedCondition",
        }
    if model["rating_x100"] is not None and model["rating_count"] > 0:
        data["aggregateRating"] = _aggregate_rating(model["rating_x100"], model["rating_count"])
    if reviews and reviews["summary"].count:
        # Real reviews, as shown on the page, replace the seeded figure.
        data["aggregateRating"] = _aggregate_rating(reviews["summary"].average_x100, reviews["summary"].count)
        data["review"] = [_review_ld(review) for review in reviews["reviews"][:5]]
    return data


def _aggregate_rating(rating_x100: int, count: int) -> dict[str, Any]:
    # The rating reads as on the page, so crawlers and shoppers see the same figure.
    return {"@type": "AggregateRating", "ratingValue": stars(rating_x100), "reviewCount": count,
            "bestRating": "5", "worstRating": "1"}


def _review_ld(review: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "@type": "Review", "author": {"@type": "Person", "name": review["author"]},
        "datePublished": review["published_at"].date().isoformat(),
        "reviewRating": {"@type": "Rating", "ratingValue": str(review["rating"]), "bestRating": "5",
                         "worstRating": "1"},
    }
    if review["comment"]:
        entry["reviewBody"] = review["comment"]
    return entry


@get("/p/{slug:str}", name="product")
async def product_page(slug: FromPath[str], request: Request, settings: NamedDependency[Settings]) -> Template:
    variant, siblings = await queries.variant_with_siblings(slug)
    if variant is None:
        raise NotFoundException()
    model = variant["model"]
    brand, category = model["brand"], model["category"]
    offers = await queries.offers_with_sellers(variant["id"])
    if product_gone(model, (o["seller"] for o in offers)):
        raise GoneException()
    signals = [offer_signals(o, o["seller"], variant, model) for o in offers
               if availability(o, o["seller"], model).buyable]
    ranked = product_offers(signals, settings.ranking)
    reviews = await reviews_context(model["id"], variant["slug"]) if is_offered(model, offers) else None
    title = variant_title(brand["name"], model["name"], variant["storage_gb"], variant["color"])
    url = f"{settings.public_base_url}/p/{variant['slug']}"
    image = f"/media/variant/{variant['id']}.svg"
    fee = settings.service_fee
    lowest = min((s.offer.price_cents for s in ranked.ranked), default=None)
    if lowest is not None:
        lead = (f"Refurbished {title} from {money(lowest)}, "
                f"{len(ranked.ranked)} offers from professional sellers")
    else:
        lead = f"Refurbished {title}: no offer right now"
    description = f"{lead}. Tested, graded, with a {settings.legal_guarantee_months // 12}-year legal guarantee."
    return Template(template_name="pages/product.html", context={
        "variant": variant, "model": model, "brand": brand, "title": title,
        "breadcrumbs": list(reversed(await queries.category_chain(category["id"]))),
        "pickers": _pickers(variant, siblings),
        "offers": ranked, "offers_by_id": {o["id"]: o for o in offers},
        "grades": GRADES, "grade_by_key": GRADE_BY_KEY, "image": image, "canonical_url": url,
        "meta_description": description,
        "json_ld": _json_ld(title=title, url=url, image=settings.public_base_url + image, brand=brand["name"],
                            model=model, variant=variant, offers=ranked, description=description,
                            reviews=reviews),
        "fee": fee, "lowest_price": lowest,
        "added_offer": request.query_params.get("added"),
        "reviews_shown": reviews is not None, **(reviews or {}),
    })
