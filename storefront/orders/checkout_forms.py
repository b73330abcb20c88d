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
NAME_MAX, LINE_MAX, CITY_MAX = 120, 200, 100


@dataclass
class AddressForm:
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def address(self) -> DeliveryAddress:
        return DeliveryAddress(**{k: self.values.get(k, "") for k in ADDRESS_FIELDS})


def read_address(form: dict[str, str]) -> AddressForm:
    """The address as typed (trimmed), with one message per field at fault."""
    values = {name: str(form.get(name, "")).strip() for name in ADDRESS_FIELDS}
    values["country"] = values["country"].upper() or "FR"
    errors: dict[str, str] = {}
    # Too long is told apart from missing: a long name typed in full must not be asked for as if it were empty.
    if len(values["name"]) > NAME_MAX:
        errors["name"] = f"Keep the name to {NAME_MAX} characters or fewer (it has {len(values['name'])})."
    elif len(values["name"]) < 2:
        errors["name"] = "Enter the name of the person who receives the parcel."
    if len(values["line1"]) > LINE_MAX:
        errors["line1"] = f"Keep this line to {LINE_MAX} characters or fewer (it has {len(values['line1'])})."
    elif len(values["line1"]) < 3:
        errors["line1"] = "Enter the street and number."
    if len(values["line2"]) > LINE_MAX:
        errors["line2"] = f"Keep this line to {LINE_MAX} characters or fewer (it has {len(values['line2'])})."
    if values["country"] not in COUNTRIES:
        errors["country"] = "We deliver to the countries in the list."
    elif not re.fullmatch(POSTCODES[values["country"]], values["postcode"]):
        errors["postcode"] = f"Enter a postcode as written in {COUNTRIES[values['country']]}."
    if len(values["city"]) > CITY_MAX:
        errors["city"] = f"Keep the town or city to {CITY_MAX} characters or fewer (it has {len(values['city'])})."
    elif not values["city"]:
        errors["city"] = "Enter the town or city."
    if values["phone"] and not re.fullmatch(r"\+?[0-9 ().-]{6,30}", values["phone"]):
        errors["phone"] = "Enter a phone number with digits, spaces or +, or leave it empty."
    return AddressForm(values=values, errors=errors)


def address_from_checkout(checkout: dict) -> AddressForm | None:
    stored = checkout.get("address")
    return read_address(stored) if stored else None


def as_stored(form: AddressForm) -> dict[str, str]:
    return asdict(form.address)
