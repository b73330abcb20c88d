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
from storefront.catalog.safety import safety_of
from storefront.sellers.availability import availability, product_gone
from storefront.sellers.price_history import announced_reduction, saving_against_new
from storefront.settings import Settings
from storefront.strategy import (
    offer_signals,
    product_offers,
    storage_label,
    variant_title,
)
from storefront.structured_data import breadcrumb_ld, product_ld
from storefront.units import money
from storefront.web.crawlers import canonical_url
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
    url = canonical_url(settings.public_base_url, f"/p/{variant['slug']}")  # the Product's, as the page's
    image = f"/media/variant/{variant['id']}.svg"
    fee = settings.service_fee
    lowest = min((s.offer.price_cents for s in ranked.ranked), default=None)
    offers_by_id = {o["id"]: o for o in offers}
    # "−X %" only against each offer's own lowest price of the 30 days before (never against the new price).
    reductions = {s.offer.offer_id: announced_reduction(s.offer.price_cents,
                                                        offers_by_id[s.offer.offer_id]["prior_price_cents"])
                  for s in ranked.ranked}
    if lowest is not None:
        lead = (f"Refurbished {title} from {money(lowest)}, "
                f"{len(ranked.ranked)} offers from professional sellers")
    else:
        lead = f"Refurbished {title}: no offer right now"
    description = f"{lead}. Tested, graded, with a {settings.legal_guarantee_months // 12}-year legal guarantee."
    breadcrumbs = list(reversed(await queries.category_chain(category["id"])))
    base = settings.public_base_url
    trail = [("Home", f"{base}/"), *((c["name"], f"{base}/c/{c['slug']}") for c in breadcrumbs), (title, url)]
    return Template(template_name="pages/product.html", context={
        "variant": variant, "model": model, "brand": brand, "title": title, "breadcrumbs": breadcrumbs,
        "pickers": _pickers(variant, siblings),
        "offers": ranked, "offers_by_id": offers_by_id,
        "grades": GRADES, "grade_by_key": GRADE_BY_KEY, "image": image,
        "meta_description": description,
        "json_ld": [product_ld(title=title, url=url, image=base + image, brand=brand["name"], model=model,
                               variant=variant, offers=ranked, offer_rows=offers_by_id, description=description,
                               reviews=reviews, settings=settings),
                    breadcrumb_ld(trail)],
        "fee": fee, "lowest_price": lowest, "reductions": reductions,
        "saving_against_new": saving_against_new(lowest, variant["reference_price_cents"]) if lowest else None,
        "added_offer": request.query_params.get("added"),
        "reviews_shown": reviews is not None, **(reviews or {}),
        "safety": safety_of(model),
    })
