"""The rules an offer keeps, field by field, whichever door it comes through (form, CSV, API, demo)."""
from __future__ import annotations

import pytest

from storefront.sellers.listings import ListingRules, OfferFields, read_offer_input

RULES = ListingRules(min_warranty_months=12, min_battery_percent=80)
GOOD = {
    "sku": "IP13-128-BLK-A", "variant_id": "42", "grade": "excellent", "price": "349.00", "stock": "5",
    "shipping": "4.90", "delivery_days": "3", "warranty_months": "12", "battery_health_pct": "91",
    "new_battery": "no", "payment_means": "card,paypal", "condition_note": "Light marks on the back.",
}


def problems_with(**changes: str) -> dict[str, str]:
    offer, problems = read_offer_input({**GOOD, **changes})
    assert (offer is None) == bool(problems)
    return problems


def test_a_complete_offer_reads_as_cents_and_keys() -> None:
    offer, problems = read_offer_input(GOOD)
    assert problems == {}
    assert offer == OfferFields(sku="IP13-128-BLK-A", variant_id=42, grade="excellent", price_cents=34_900, stock=5,
                                shipping_cents=490, delivery_days=3, warranty_months=12, battery_health_pct=91,
                                new_battery=False, payment_means=("card", "paypal"),
                                condition_note="Light marks on the back.")


@pytest.mark.parametrize(("field", "value", "says"), [
    ("sku", "", "Give your own reference"),
    ("sku", "A" * 65, "64 characters or fewer"),
    ("sku", "-starts-with-dash", "letters, digits"),
    ("sku", "has space", "letters, digits"),
    ("variant_id", "", "Choose the product"),
    ("variant_id", "0", "Choose the product"),
    ("grade", "mint", "Choose a grade"),
    ("price", "", "Enter the price in euros"),
    ("price", "12.345", "Enter the price in euros"),
    ("price", "0.99", "from €1.00 to €10,000.00"),
    ("price", "10000.01", "from €1.00 to €10,000.00"),
    ("stock", "-1", "a whole number"),
    ("stock", "10000", "0 to 9,999"),
    ("shipping", "50.01", "to €50.00"),
    ("shipping", "free", "shipping cost in euros"),
    ("delivery_days", "0", "1 to 30 working days"),
    ("delivery_days", "31", "1 to 30 working days"),
    ("warranty_months", "11", "12 to 60 months"),
    ("warranty_months", "61", "12 to 60 months"),
    ("battery_health_pct", "79", "at least 80 %"),
    ("battery_health_pct", "101", "80 to 100"),
    ("new_battery", "maybe", "Answer yes or no"),
    ("payment_means", "", "at least one means of payment"),
    ("payment_means", "card,cheque", "at least one means of payment"),
    ("condition_note", "x" * 501, "500 characters or fewer"),
])
def test_each_rule_names_its_field(field: str, value: str, says: str) -> None:
    problems = problems_with(**{field: value})
    assert list(problems) == [field]
    assert says in problems[field]


@pytest.mark.parametrize("note", ["Like new, barely used", "As new condition", "Brand-new look", "Comme neuf",
                                  "It is new", "Mint condition", "Like n\u0435w (Cyrillic e)", "Ｌｉｋｅ ｎｅｗ"])
def test_a_refurbished_device_is_never_called_new(note: str) -> None:
    problems = problems_with(condition_note=note)
    assert "may not be described as new" in problems["condition_note"]


@pytest.mark.parametrize("note", ["New battery fitted, 100 % capacity", "New screen, original parts",
                                  "Renewed packaging", "Mint green back, light marks"])
def test_a_part_that_is_new_may_be_named(note: str) -> None:
    assert problems_with(condition_note=note) == {}


def test_the_configured_minimums_apply() -> None:
    offer, _ = read_offer_input({**GOOD, "warranty_months": "18", "battery_health_pct": "85"})
    assert offer is not None
    stricter = ListingRules(min_warranty_months=24, min_battery_percent=90)
    assert set(offer.problems(stricter)) == {"warranty_months", "battery_health_pct"}
    assert offer.problems(RULES) == {}


def test_several_faults_are_all_reported_in_form_order() -> None:
    problems = problems_with(price="", grade="", sku="")
    assert list(problems) == ["sku", "grade", "price"]
