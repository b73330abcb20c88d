"""A catalogue request waiting in the demo's console, sent through the store's own service, so the operator has
one to correct, approve or refuse (/ops/catalogue-requests) and the seller one to follow."""
from __future__ import annotations

from storefront.catalog.requests import read_request_form, submit_request
from storefront.catalog.safety import with_check_digit
from storefront.demo.data import PRODUCT_SAFETY
from storefront.demo.generate import DemoCatalogue

# GS1 keeps the 20–29 prefixes for in-store numbering: no real product carries this EAN. The demo's variants use
# 29, this request 28.
DEMO_REQUEST = {
    "brand_name": "Nothing", "model_name": "Phone (2a)", "storage_gb": "256", "color": "Milk",
    "ean": with_check_digit("280000000001"), "specifications": "Screen: 6.7 in\nNetwork: 5G",
    "manufacturer_name": "Nothing Technology Limited",
    "manufacturer_address": "30 Bridge Street, London EC4V 6BJ, United Kingdom", "manufacturer_country": "GB",
    "manufacturer_email": "product-safety@nothing.example", "eu_responsible_name": "Nothing Europe B.V.",
    "eu_responsible_address": "Stadhouderskade 1, 1054 ES Amsterdam, Netherlands",
    "eu_responsible_email": "eu-safety@nothing.example", "product_type": PRODUCT_SAFETY["smartphones"][0],
    "safety_information": PRODUCT_SAFETY["smartphones"][1],
}


async def load_demo_requests(catalogue: DemoCatalogue) -> None:
    seller = catalogue.sellers[0]
    smartphones = next(c["id"] for c in catalogue.categories if c["slug"] == "smartphones")
    await submit_request(seller["id"], read_request_form({**DEMO_REQUEST, "category": str(smartphones)}))
