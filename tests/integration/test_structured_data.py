"""The product page's JSON-LD: the Product with each offer a buyer may take, and its breadcrumb trail."""
from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from litestar.testing import AsyncTestClient

from search_index.backends import SearchBackend
from storefront.app import create_app
from storefront.catalog.tables import Variant
from storefront.sellers.tables import Offer
from storefront.settings import Settings
from tests.integration.test_referencing import exclusive_seller

BASE = "http://127.0.0.1:8000"
COUNTRIES = ["FR", "BE", "DE", "ES", "IT", "NL", "AT", "PT", "IE", "LU"]  # where the checkout delivers


def json_ld_blocks(html: str) -> list[dict]:
    return [json.loads(block) for block in
            re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]


@pytest.fixture
async def client_45_days(prepared_store: Settings, backend: SearchBackend) -> AsyncIterator[AsyncTestClient]:
    """The store with a 45-day return window, so the policy is seen to come from the settings."""
    async with AsyncTestClient(app=create_app(replace(prepared_store, return_window_days=45), backend)) as client:
        yield client


async def test_each_offer_is_in_the_json_ld_with_its_seller_price_shipping_and_return_policy(
        client_45_days: AsyncTestClient) -> None:
    shop = await exclusive_seller()
    await Offer.update({Offer.shipping_cents: 490, Offer.delivery_days: 4}).where(Offer.seller == shop.seller_id)
    await Variant.update({Variant.specs: {"EAN": "4006381333931", "Colour": "Black"}}).where(Variant.slug == shop.slug)
    offer = await Offer.select(Offer.id).where(Offer.seller == shop.seller_id).first()
    response = await client_45_days.get(f"/p/{shop.slug}")
    assert response.status_code == 200
    product, breadcrumbs = json_ld_blocks(response.text)

    assert product["@type"] == "Product"
    assert product["gtin13"] == "4006381333931"
    aggregate = product["offers"]
    assert (aggregate["@type"], aggregate["lowPrice"], aggregate["highPrice"], aggregate["offerCount"]) == (
        "AggregateOffer", "129.00", "129.00", 1)
    assert aggregate["offers"] == [{
        "@type": "Offer", "url": f"{BASE}/p/{shop.slug}", "sku": f"encore-offer-{offer['id']}",
        "price": "129.00", "priceCurrency": "EUR",
        "availability": "https://schema.org/InStock", "itemCondition": "https://schema.org/RefurbishedCondition",
        "seller": {"@type": "Organization", "name": shop.name},
        "shippingDetails": {
            "@type": "OfferShippingDetails",
            "shippingRate": {"@type": "MonetaryAmount", "value": "4.90", "currency": "EUR"},
            "shippingDestination": [{"@type": "DefinedRegion", "addressCountry": c} for c in COUNTRIES],
            "deliveryTime": {
                "@type": "ShippingDeliveryTime",
                "businessDays": {"@type": "OpeningHoursSpecification", "dayOfWeek": [
                    "https://schema.org/Monday", "https://schema.org/Tuesday", "https://schema.org/Wednesday",
                    "https://schema.org/Thursday", "https://schema.org/Friday"]},
                # Delivered within 4 working days: dispatched within the charter's 2, then 1 to 2 in transit.
                "handlingTime": {"@type": "QuantitativeValue", "minValue": 0, "maxValue": 2, "unitCode": "DAY"},
                "transitTime": {"@type": "QuantitativeValue", "minValue": 1, "maxValue": 2, "unitCode": "DAY"},
            },
        },
        "hasMerchantReturnPolicy": {
            "@type": "MerchantReturnPolicy", "applicableCountry": COUNTRIES,
            "returnPolicyCategory": "https://schema.org/MerchantReturnFiniteReturnWindow",
            "merchantReturnDays": 45, "returnMethod": "https://schema.org/ReturnByMail",
        },
    }]

    assert breadcrumbs["@type"] == "BreadcrumbList"
    assert breadcrumbs["itemListElement"] == [
        {"@type": "ListItem", "position": 1, "name": "Home", "item": f"{BASE}/"},
        {"@type": "ListItem", "position": 2, "name": "Smartphones", "item": f"{BASE}/c/smartphones"},
        {"@type": "ListItem", "position": 3, "name": product["name"], "item": f"{BASE}/p/{shop.slug}"},
    ]
    assert product["name"].endswith(f"{shop.product_name} 64 GB Black")


async def test_an_offer_a_buyer_cannot_take_is_not_in_the_json_ld_and_no_ean_means_no_gtin(
        client: AsyncTestClient) -> None:
    shop = await exclusive_seller()
    await Offer.update({Offer.stock: 0}).where(Offer.seller == shop.seller_id)
    product = json_ld_blocks((await client.get(f"/p/{shop.slug}")).text)[0]
    assert "offers" not in product
    assert not {"gtin", "gtin8", "gtin12", "gtin13", "gtin14"} & set(product)
