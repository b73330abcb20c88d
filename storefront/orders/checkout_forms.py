"""The checkout's forms: what a delivery address must look like, and the means of payment on offer."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from storefront.orders.placement import DeliveryAddress

COUNTRIES = {"FR": "France", "BE": "Belgium", "DE": "Germany", "ES": "Spain", "IT": "Italy", "NL": "Netherlands",
             "AT": "Austria", "PT": "Portugal", "IE": "Ireland", "LU": "Luxembourg"}
POSTCODES = {"FR": r"\d{5}", "DE": r"\d{5}", "ES": r"\d{5}", "IT": r"\d{5}", "BE": r"\d{4}", "AT": r"\d{4}",
             "LU": r"\d{4}", "NL": r"\d{4} ?[A-Za-z]{2}", "PT": r"\d{4}-\d{3}", "IE": r"[A-Za-z0-9]{3} ?[A-Za-z0-9]{4}"}
PAYMENT_MEANS_LABELS = {"card": "Bank card", "paypal": "PayPal", "instalments": "Pay in 3 instalments",
                        "bank_transfer": "Bank transfer"}
ADDRESS_FIELDS = ("name", "line1", "line2", "postcode", "city", "country", "phone")


@dataclass
class AddressForm:
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def address(self) -> DeliveryAddress:
        return DeliveryAddress(**{k: self.values.get(k, "") for k in ADDRESS_FIELDS})


def read_address(form: dict[str, str]) -> AddressForm:
    values = {name: str(form.get(name, "")).strip() for name in ADDRESS_FIELDS}
    values["country"] = values["country"].upper() or "FR"
    errors: dict[str, str] = {}
    if not 2 <= len(values["name"]) <= 120:
        errors["name"] = "Enter the name of the person who receives the parcel."
    if not 3 <= len(values["line1"]) <= 200:
        errors["line1"] = "Enter the street and number."
    if len(values["line2"]) > 200:
        errors["line2"] = "Keep this line under 200 characters."
    if values["country"] not in COUNTRIES:
        errors["country"] = "We deliver to the countries in the list."
    elif not re.fullmatch(POSTCODES[values["country"]], values["postcode"]):
        errors["postcode"] = f"Enter a postcode as written in {COUNTRIES[values['country']]}."
    if not 1 <= len(values["city"]) <= 100:
        errors["city"] = "Enter the town or city."
    if values["phone"] and not re.fullmatch(r"\+?[0-9 ().-]{6,30}", values["phone"]):
        errors["phone"] = "Enter a phone number with digits, spaces or +, or leave it empty."
    return AddressForm(values=values, errors=errors)


def address_from_checkout(checkout: dict) -> AddressForm | None:
    stored = checkout.get("address")
    return read_address(stored) if stored else None


def as_stored(form: AddressForm) -> dict[str, str]:
    return asdict(form.address)
