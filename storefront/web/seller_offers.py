"""The seller's offers in the portal, under /seller/offers: list, search, filter, sort and page them; create
one for a variant of the catalogue; edit, pause, resume and delete one.

Access comes from the seller area (storefront.web.areas): signed-in seller users only, every read and write
scoped to `seller_id`, so another seller's offer answers 404 like a missing one. Every write goes through
the listing service (storefront.sellers.listings), which checks the fields again, keeps each price and marks
the product for reindexing: the product page and the cart read the row at commit, search follows once the
outbox is drained after the response. A bad form comes back with 400, each message next to its field and
what was typed kept; a success redirects (303) with a message to show.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect, Template

from storefront.catalog.grades import GRADE_BY_KEY, GRADES
from storefront.errors import Refused
from storefront.inputs import parse_id, parse_page, parse_whole
from storefront.orders import seller_views
from storefront.ranking.weights import PAYMENT_MEANS, PAYMENT_MEANS_LABELS
from storefront.sellers import listing_views, listings
from storefront.sellers.listing_views import SORTS, STATUS_FILTERS
from storefront.sellers.listings import ListingRules
from storefront.sellers.price_to_win import featured_offer_ids, featured_status
from storefront.sellers.states import SellerStatus
from storefront.settings import Settings
from storefront.web.htmx import page_or_fragment
from storefront.web.inputs import Id

OFFERS_PER_PAGE = 25
MAX_PAGE = 10_000
MAX_QUERY = 100
VARIANTS_SHOWN = 20
GRADE_LABELS = {grade.key: grade.label for grade in GRADES}
FEATURED_FILTERS = {"yes": "Featured", "no": "Not featured"}
DONE_MESSAGES = {
    "created": "Your offer is on sale.",
    "created_pending": "Your offer is saved. It goes on sale once we reference your shop.",
    "saved": "Your changes are saved. Buyers see them now.",
    "unchanged": "Nothing changed: the offer is as it was.",
    "paused": "The offer is paused: buyers no longer see it until you resume it.",
    "resumed": "The offer is back on sale.",
    "deleted": "The offer is deleted.",
}


@dataclass(frozen=True)
class OfferListing:
    """What the offers list shows, read from its URL: every value already checked, unknown ones dropped."""

    text: str = ""
    status: str | None = None
    featured: str | None = None
    grade: str | None = None
    sort: str = "updated"
    page: int = 1

    def url(self, base: str, **changes: object) -> str:
        """This list's URL with some values changed (templates/partials/pager.html calls it with `page`)."""
        params: dict[str, object] = {"q": self.text, "status": self.status, "featured": self.featured,
                                     "grade": self.grade, "sort": "" if self.sort == "updated" else self.sort,
                                     "page": ""}
        params.update(changes)
        pairs = [(key, str(value)) for key, value in params.items()
                 if value not in ("", None) and not (key == "page" and value == 1)]
        return base + ("?" + urlencode(pairs) if pairs else "")

    @property
    def filtered(self) -> bool:
        return bool(self.text or self.status or self.featured or self.grade)


def read_listing(request: Request) -> OfferListing:
    params = request.query_params

    def chosen(name: str, allowed: Any) -> str | None:
        value = (params.get(name) or "").strip()
        return value if value in allowed else None

    return OfferListing(text=" ".join((params.get("q") or "").split())[:MAX_QUERY],
                        status=chosen("status", STATUS_FILTERS), featured=chosen("featured", FEATURED_FILTERS),
                        grade=chosen("grade", GRADE_BY_KEY), sort=chosen("sort", SORTS) or "updated",
                        page=parse_page(params.get("page"), MAX_PAGE))


def _done(request: Request) -> str | None:
    return DONE_MESSAGES.get(request.query_params.get("done") or "")


@get("/offers", name="seller_offers")
async def offers_page(request: Request, seller_id: NamedDependency[int], settings: NamedDependency[Settings]
                      ) -> Template:
    listing = read_listing(request)
    among: list[int] | None = None
    if listing.featured:
        # "Featured or not" is the ranking's answer, not a column: ask it over every matching offer.
        matching = await listing_views.matching_offer_ids(seller_id, query=listing.text, status=listing.status,
                                                          grade=listing.grade)
        featured = await featured_offer_ids(seller_id, matching, settings.ranking)
        wanted = listing.featured == "yes"
        among = [offer_id for offer_id in matching if (offer_id in featured) == wanted]
    found = await listing_views.seller_offers(
        seller_id, query=listing.text, status=listing.status, grade=listing.grade, sort=listing.sort,
        page=listing.page, per_page=OFFERS_PER_PAGE, among=among)
    listing = OfferListing(**{**listing.__dict__, "page": found.page})
    shown = [offer["id"] for offer in found.offers]
    statuses = await featured_status(seller_id, shown, settings.ranking)
    return page_or_fragment(request, "pages/seller/offers.html", "pages/seller/_offers_list.html", {
        "seller": await seller_views.seller_profile(seller_id),
        "section": "offers",
        "listing": listing,
        "offers": found.offers,
        "featured": statuses,
        "total": found.total,
        "pages": found.pages,
        # templates/partials/pager.html reads these three.
        "query": listing,
        "parsed": listing,
        "base_url": "/seller/offers",
        "status_filters": STATUS_FILTERS,
        "featured_filters": FEATURED_FILTERS,
        "grades": GRADES,
        "grade_labels": GRADE_LABELS,
        "sorts": SORTS,
        "done": _done(request),
    })


# The offer form, for a new offer and for a change


def _form_context(settings: Settings) -> dict[str, Any]:
    rules = ListingRules.from_settings(settings)
    return {
        "grades": GRADES,
        "grade_labels": GRADE_LABELS,
        "payment_means": [(key, PAYMENT_MEANS_LABELS[key]) for key in PAYMENT_MEANS],
        "limits": {
            "sku": listings.SKU_MAX_LENGTH, "price_min": listings.PRICE_MIN_CENTS,
            "price_max": listings.PRICE_MAX_CENTS, "shipping_max": listings.SHIPPING_MAX_CENTS,
            "stock_max": listings.STOCK_MAX, "delivery_min": listings.DELIVERY_DAYS_MIN,
            "delivery_max": listings.DELIVERY_DAYS_MAX, "warranty_min": rules.min_warranty_months,
            "warranty_max": listings.WARRANTY_MONTHS_MAX, "battery_min": rules.min_battery_percent,
            "battery_max": listings.BATTERY_PERCENT_MAX, "note": listings.CONDITION_NOTE_MAX_LENGTH,
        },
    }


def _chosen_means(values: dict[str, Any]) -> list[str]:
    means = values.get("payment_means", "")
    return list(means) if isinstance(means, list | tuple) else [m for m in str(means).split(",") if m]


async def _posted(name: str, request: Request) -> str:
    value = (await request.form()).get(name)
    return value if isinstance(value, str) else ""


async def _posted_values(request: Request) -> dict[str, Any]:
    form = await request.form()
    values: dict[str, Any] = {}
    for name in listings.OFFER_COLUMNS:
        if name == "payment_means":
            values[name] = [m for m in form.getall(name, []) if isinstance(m, str)]
        else:
            value = form.get(name)
            values[name] = value if isinstance(value, str) else ""
    return values


def _offer_form(template: str, context: dict[str, Any], values: dict[str, Any], errors: dict[str, str],
                settings: Settings, status_code: int = 200) -> Template:
    return Template(template_name=template, status_code=status_code, context={
        **context, **_form_context(settings), "values": values, "chosen_means": _chosen_means(values),
        "errors": errors, "first_error": next(iter(errors), None),
    })


@get("/offers/new", name="seller_offer_new")
async def new_offer(request: Request, seller_id: NamedDependency[int], settings: NamedDependency[Settings]
                    ) -> Template:
    seller = await seller_views.seller_profile(seller_id)
    search = " ".join((request.query_params.get("q") or "").split())[:MAX_QUERY]
    variant_text = request.query_params.get("variant")
    variant = None
    if variant_text is not None:
        variant_id = parse_id(variant_text.strip())
        variant = await listing_views.listable_variant(variant_id) if variant_id else None
    if variant is None:
        return Template(template_name="pages/seller/offer_find.html",
                        status_code=404 if variant_text is not None else 200, context={
                            "seller": seller, "section": "offers", "search": search,
                            "variants": await listing_views.find_variants(search, VARIANTS_SHOWN) if search else [],
                            "shown_at_most": VARIANTS_SHOWN,
                            "unknown_variant": variant_text is not None})
    values = {"variant_id": str(variant["id"]), "grade": "", "stock": "1", "shipping": "0.00", "delivery_days": "3",
              "warranty_months": str(ListingRules.from_settings(settings).min_warranty_months),
              "new_battery": "no", "payment_means": ["card"]}
    return _offer_form("pages/seller/offer_new.html", {"seller": seller, "section": "offers", "variant": variant},
                       values, {}, settings)


@post("/offers/new", name="seller_offer_create")
async def create_offer(request: Request, seller_id: NamedDependency[int], settings: NamedDependency[Settings]
                       ) -> Template | Redirect:
    values = await _posted_values(request)
    rules = ListingRules.from_settings(settings)
    fields_, errors = listings.read_offer_input(values)
    if fields_ is not None:
        errors = fields_.problems(rules)
    if fields_ is not None and not errors:
        try:
            offer_id = await listings.create_offer(seller_id, fields_, rules)
        except Refused as refused:
            errors = refused.problems
        else:
            seller = await seller_views.seller_profile(seller_id)
            done = "created" if seller["status"] == SellerStatus.referenced else "created_pending"
            return Redirect(f"/seller/offers/{offer_id}", status_code=303, query_params={"done": done})
    seller = await seller_views.seller_profile(seller_id)
    variant_id = parse_id(str(values.get("variant_id") or ""))
    variant = await listing_views.listable_variant(variant_id) if variant_id else None
    if variant is None:
        return Template(template_name="pages/seller/offer_find.html", status_code=400, context={
            "seller": seller, "section": "offers", "search": "", "variants": [], "shown_at_most": VARIANTS_SHOWN,
            "unknown_variant": True})
    return _offer_form("pages/seller/offer_new.html", {"seller": seller, "section": "offers", "variant": variant},
                       values, errors, settings, status_code=400)


async def _edit_page(request: Request, seller_id: int, offer_id: int, settings: Settings, *,
                     values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                     status_code: int = 200) -> Template:
    offer = await listing_views.seller_offer(seller_id, offer_id)
    context = {
        "seller": await seller_views.seller_profile(seller_id),
        "section": "offers",
        "offer": offer,
        "prices": await listing_views.offer_price_history(seller_id, offer_id),
        "featured": (await featured_status(seller_id, [offer_id], settings.ranking)).get(offer_id),
        "done": _done(request) if status_code == 200 else None,
    }
    if values is None:
        # The stock the form shows: a save that leaves it alone leaves the stock orders have changed since.
        values = {**listings.offer_input_values(offer), "stock_was": str(offer["stock"])}
    return _offer_form("pages/seller/offer_edit.html", context, values, errors or {}, settings,
                       status_code=status_code)


@get("/offers/{offer_id:int}", name="seller_offer")
async def offer_page(request: Request, offer_id: Id, seller_id: NamedDependency[int],
                     settings: NamedDependency[Settings]) -> Template:
    return await _edit_page(request, seller_id, offer_id, settings)


@post("/offers/{offer_id:int}", name="seller_offer_save")
async def save_offer(request: Request, offer_id: Id, seller_id: NamedDependency[int],
                     settings: NamedDependency[Settings]) -> Template | Redirect:
    current = await listing_views.seller_offer(seller_id, offer_id)  # another seller's offer: 404 first
    values = await _posted_values(request)
    values["variant_id"] = str(current["variant"])  # the product is not changed here: that is a new offer
    rules = ListingRules.from_settings(settings)
    fields_, errors = listings.read_offer_input(values)
    if fields_ is not None:
        errors = fields_.problems(rules)
    stock_was = parse_whole(str(await _posted("stock_was", request)), listings.STOCK_MAX)
    values["stock_was"] = "" if stock_was is None else str(stock_was)
    if fields_ is not None and not errors:
        try:
            changed = await listings.update_offer(seller_id, offer_id, fields_, rules, stock_was=stock_was)
        except Refused as refused:
            errors = refused.problems
            if "stock" in errors:
                # Shown as it now is, so saving again keeps what orders took.
                now_in_stock = (await listing_views.seller_offer(seller_id, offer_id))["stock"]
                values["stock"] = values["stock_was"] = str(now_in_stock)
        else:
            return Redirect(f"/seller/offers/{offer_id}", status_code=303,
                            query_params={"done": "saved" if changed else "unchanged"})
    return await _edit_page(request, seller_id, offer_id, settings, values=values, errors=errors, status_code=400)


async def _set_status(request: Request, seller_id: int, offer_id: int, settings: Settings, action: Any,
                      done: str) -> Template | Redirect:
    await listing_views.seller_offer(seller_id, offer_id)
    try:
        await action(seller_id, offer_id)
    except Refused as refused:
        return await _edit_page(request, seller_id, offer_id, settings, errors={"status": refused.message},
                                status_code=400)
    return Redirect(f"/seller/offers/{offer_id}", status_code=303, query_params={"done": done})


@post("/offers/{offer_id:int}/pause", name="seller_offer_pause")
async def pause_offer(request: Request, offer_id: Id, seller_id: NamedDependency[int],
                      settings: NamedDependency[Settings]) -> Template | Redirect:
    return await _set_status(request, seller_id, offer_id, settings, listings.pause_offer, "paused")


@post("/offers/{offer_id:int}/resume", name="seller_offer_resume")
async def resume_offer(request: Request, offer_id: Id, seller_id: NamedDependency[int],
                       settings: NamedDependency[Settings]) -> Template | Redirect:
    return await _set_status(request, seller_id, offer_id, settings, listings.resume_offer, "resumed")


@get("/offers/{offer_id:int}/delete", name="seller_offer_delete_confirm")
async def confirm_delete(offer_id: Id, seller_id: NamedDependency[int]) -> Template:
    return Template(template_name="pages/seller/offer_delete.html", context={
        "seller": await seller_views.seller_profile(seller_id), "section": "offers",
        "offer": await listing_views.seller_offer(seller_id, offer_id), "errors": {}})


@post("/offers/{offer_id:int}/delete", name="seller_offer_delete")
async def delete_offer(request: Request, offer_id: Id, seller_id: NamedDependency[int]) -> Template | Redirect:
    offer = await listing_views.seller_offer(seller_id, offer_id)
    form = await request.form()
    error = None
    if form.get("confirm") != "yes":
        error = "Tick the box to confirm: a deleted offer cannot be brought back."
    else:
        try:
            await listings.delete_offer(seller_id, offer_id)
        except Refused as refused:
            error = refused.message
    if error is not None:
        return Template(template_name="pages/seller/offer_delete.html", status_code=400, context={
            "seller": await seller_views.seller_profile(seller_id), "section": "offers", "offer": offer,
            "errors": {"confirm": error}})
    return Redirect("/seller/offers", status_code=303, query_params={"done": "deleted"})


HANDLERS = [offers_page, new_offer, create_offer, offer_page, save_offer, pause_offer, resume_offer, confirm_delete,
            delete_offer]
