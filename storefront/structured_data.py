"""Structured data (schema.org JSON-LD) for the product page: what a search engine reads of it.

Built from the rows and the ranking the page itself shows, so crawlers and shoppers read the same offers,
prices, ratings and promises. Amounts are integer cents written by storefront.units as decimal strings; a
rating reads as on the page. The product page puts the Product first, then its BreadcrumbList.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from storefront.orders.checkout_forms import COUNTRIES
from storefront.settings import Settings
from storefront.strategy import ProductOffers
from storefront.units import plain_amount, stars

SCHEMA = "https://schema.org"
# The delivery promise counts working days: schema.org's days are calendar days unless business days say so.
WORKING_DAYS = {"@type": "OpeningHoursSpecification",
                "dayOfWeek": [f"{SCHEMA}/{day}" for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")]}
# EAN-8, UPC-A, EAN-13 and GTIN-14, by their number of digits.
GTIN_PROPERTIES = {8: "gtin8", 12: "gtin12", 13: "gtin13", 14: "gtin14"}


def gtin_of(variant: Mapping[str, Any]) -> tuple[str, str] | None:
    """The variant's trade item number as (schema.org property, digits), when its specs carry an EAN."""
    specs = variant.get("specs") or {}
    number = str(specs.get("EAN") or specs.get("GTIN") or "").replace(" ", "")
    if number.isascii() and number.isdigit() and len(number) in GTIN_PROPERTIES:
        return GTIN_PROPERTIES[len(number)], number
    return None


def return_policy(settings: Settings) -> dict[str, Any]:
    """Every seller takes a product back within the platform's return window (sales conditions, "Returns")."""
    return {
        "@type": "MerchantReturnPolicy", "applicableCountry": list(COUNTRIES),
        "returnPolicyCategory": f"{SCHEMA}/MerchantReturnFiniteReturnWindow",
        "merchantReturnDays": settings.return_window_days, "returnMethod": f"{SCHEMA}/ReturnByMail",
    }


def _days(low: int, high: int) -> dict[str, Any]:
    return {"@type": "QuantitativeValue", "minValue": low, "maxValue": high, "unitCode": "DAY"}


def shipping_details(offer: Mapping[str, Any], settings: Settings) -> dict[str, Any]:
    """The offer's shipping cost to every country the checkout delivers to, and its delivery promise.

    The promise is one figure, delivery within `delivery_days` working days. schema.org asks for handling and
    transit apart: handling is at most the quality charter's dispatch limit (within the promise), transit the
    rest, so the two maxima add up to the promise and no longer."""
    promise = offer["delivery_days"]
    handling = min(settings.quality_charter.max_dispatch_working_days, promise)
    transit = promise - handling
    return {
        "@type": "OfferShippingDetails",
        "shippingRate": {"@type": "MonetaryAmount", "value": plain_amount(offer["shipping_cents"]),
                         "currency": offer["currency"]},
        "shippingDestination": [{"@type": "DefinedRegion", "addressCountry": code} for code in COUNTRIES],
        "deliveryTime": {"@type": "ShippingDeliveryTime", "businessDays": WORKING_DAYS,
                         "handlingTime": _days(0, handling), "transitTime": _days(min(1, transit), transit)},
    }


def offer_ld(offer: Mapping[str, Any], url: str, settings: Settings) -> dict[str, Any]:
    """One seller's offer, as a row of `queries.offers_with_sellers` (the seller nested)."""
    return {
        "@type": "Offer", "url": url, "sku": f"encore-offer-{offer['id']}",
        "price": plain_amount(offer["price_cents"]), "priceCurrency": offer["currency"],
        "availability": f"{SCHEMA}/InStock", "itemCondition": f"{SCHEMA}/RefurbishedCondition",
        "seller": {"@type": "Organization", "name": offer["seller"]["name"]},
        "shippingDetails": shipping_details(offer, settings),
        "hasMerchantReturnPolicy": return_policy(settings),
    }


def product_ld(*, title: str, url: str, image: str, brand: str, model: Mapping[str, Any],
               variant: Mapping[str, Any], offers: ProductOffers, offer_rows: Mapping[int, Mapping[str, Any]],
               description: str, reviews: Mapping[str, Any] | None, settings: Settings) -> dict[str, Any]:
    """The Product with every offer a buyer may take now (the ranked ones, best first) in an AggregateOffer."""
    data: dict[str, Any] = {
        "@context": SCHEMA, "@type": "Product", "name": title, "url": url, "image": image,
        "sku": f"encore-{variant['id']}", "brand": {"@type": "Brand", "name": brand}, "description": description,
    }
    gtin = gtin_of(variant)
    if gtin:
        data[gtin[0]] = gtin[1]
    if offers.ranked:
        prices = [s.offer.price_cents for s in offers.ranked]
        data["offers"] = {
            "@type": "AggregateOffer", "priceCurrency": variant["currency"], "offerCount": len(prices),
            "lowPrice": plain_amount(min(prices)), "highPrice": plain_amount(max(prices)),
            "availability": f"{SCHEMA}/InStock", "itemCondition": f"{SCHEMA}/RefurbishedCondition",
            "offers": [offer_ld(offer_rows[s.offer.offer_id], url, settings) for s in offers.ranked],
        }
    if model["rating_x100"] is not None and model["rating_count"] > 0:
        data["aggregateRating"] = _aggregate_rating(model["rating_x100"], model["rating_count"])
    if reviews and reviews["summary"].count:
        # Real reviews, as shown on the page, replace the seeded figure.
        data["aggregateRating"] = _aggregate_rating(reviews["summary"].average_x100, reviews["summary"].count)
        data["review"] = [_review_ld(review) for review in reviews["reviews"][:5]]
    return data


def breadcrumb_ld(trail: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Home → categories → the page, from (name, absolute URL) pairs in that order."""
    return {"@context": SCHEMA, "@type": "BreadcrumbList", "itemListElement": [
        {"@type": "ListItem", "position": number, "name": name, "item": url}
        for number, (name, url) in enumerate(trail, start=1)
    ]}


def _aggregate_rating(rating_x100: int, count: int) -> dict[str, Any]:
    # The rating reads as on the page, so crawlers and shoppers see the same figure.
    return {"@type": "AggregateRating", "ratingValue": stars(rating_x100), "reviewCount": count,
            "bestRating": "5", "worstRating": "1"}


def _review_ld(review: Mapping[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "@type": "Review", "author": {"@type": "Person", "name": review["author"]},
        "datePublished": review["published_at"].date().isoformat(),
        "reviewRating": {"@type": "Rating", "ratingValue": str(review["rating"]), "bestRating": "5",
                         "worstRating": "1"},
    }
    if review["comment"]:
        entry["reviewBody"] = review["comment"]
    return entry
