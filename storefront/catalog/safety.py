"""Product safety information (GPSR, Regulation (EU) 2023/988 Art. 19) every listing shows, and its rules.

A product model carries who made it (name, postal and electronic address, country), the person responsible for
it in the EU when the manufacturer is outside the EU (Art. 16: an importer, authorised representative or
fulfilment service provider established in the Union), what kind of product it is, and its warnings and safety
information. The identifier (EAN/GTIN) belongs to each variant. Used and refurbished goods are covered.

`ProductSafety.problems()` is the one check: a catalogue request, the operator's corrections and the demo
catalogue go through it.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from storefront.accounts.service import looks_like_email
from storefront.catalog.tables import ProductModel
from storefront.db import write_transaction
from storefront.errors import NotFound, refuse_if
from storefront.moderation.decisions import audit

# Member States of the European Union, by ISO 3166-1 alpha-2 code (Greece is "GR" in ISO, "EL" in EU texts).
EU_COUNTRIES = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU",
    "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
})

# Column → (label, longest accepted), in the order forms and pages show them.
MANUFACTURER_FIELDS = {
    "manufacturer_name": ("Manufacturer's name", 200),
    "manufacturer_address": ("Manufacturer's postal address", 500),
    "manufacturer_country": ("Manufacturer's country (two-letter code, e.g. DE, US, CN)", 2),
    "manufacturer_email": ("Manufacturer's e-mail or contact address", 254),
}
EU_RESPONSIBLE_FIELDS = {
    "eu_responsible_name": ("Responsible person in the EU: name", 200),
    "eu_responsible_address": ("Responsible person in the EU: postal address", 500),
    "eu_responsible_email": ("Responsible person in the EU: e-mail", 254),
}
PRODUCT_FIELDS = {
    "product_type": ("Product type (e.g. smartphone, wireless headphones)", 120),
    "safety_information": ("Warnings and safety information", 4_000),
}
SAFETY_FIELDS = {**MANUFACTURER_FIELDS, **EU_RESPONSIBLE_FIELDS, **PRODUCT_FIELDS}
SAFETY_MIN_LENGTH = 20  # a warning shorter than this says nothing a buyer can act on


def is_in_eu(country: str) -> bool:
    return country.upper() in EU_COUNTRIES


def gtin_is_valid(code: str) -> bool:
    """A GTIN-8, -12 (UPC), -13 (EAN) or -14: ASCII digits whose last is the GS1 check digit (weights 3 and 1
    alternating from the right, the check digit making the sum a multiple of 10)."""
    if not (code.isascii() and code.isdigit() and len(code) in (8, 12, 13, 14)):
        return False
    body, check = code[:-1], int(code[-1])
    total = sum(int(digit) * (3 if position % 2 == 0 else 1) for position, digit in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def with_check_digit(body: str) -> str:
    """`body` (7, 11, 12 or 13 digits) with its GS1 check digit appended: how the demo makes valid EANs."""
    total = sum(int(digit) * (3 if position % 2 == 0 else 1) for position, digit in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def ean_problem(ean: str) -> str | None:
    if not ean:
        return "Enter the EAN (GTIN) printed on the box or under the barcode: 8, 12, 13 or 14 digits."
    if not (ean.isascii() and ean.isdigit() and len(ean) in (8, 12, 13, 14)):
        return "An EAN (GTIN) is 8, 12, 13 or 14 digits, without spaces or letters."
    if not gtin_is_valid(ean):
        return "This EAN's last digit does not match the others: check it against the barcode."
    return None


@dataclass(frozen=True)
class ProductSafety:
    """The GPSR columns of a product model, as typed (spaces collapsed, country in capitals; the warnings keep
    their lines)."""

    fields: Mapping[str, str]

    @property
    def manufacturer_outside_eu(self) -> bool:
        country = self.fields.get("manufacturer_country", "")
        return bool(country) and not is_in_eu(country)

    def problems(self) -> dict[str, str]:
        found: dict[str, str] = {}
        required = [*MANUFACTURER_FIELDS, *PRODUCT_FIELDS]
        if self.manufacturer_outside_eu:
            required += list(EU_RESPONSIBLE_FIELDS)
        for name, (_, longest) in SAFETY_FIELDS.items():
            value = self.fields.get(name, "")
            if not value and name in required:
                found[name] = ("The manufacturer is outside the EU: name the person responsible for the product "
                               "in the EU (importer or authorised representative)." if name in EU_RESPONSIBLE_FIELDS
                               else "Fill this in: buyers see it under “Product safety” on every listing.")
            elif len(value) > longest:
                found[name] = f"Keep it to {longest:,} characters or fewer (it has {len(value):,})."
        country = self.fields.get("manufacturer_country", "")
        if "manufacturer_country" not in found and not re.fullmatch(r"[A-Z]{2}", country):
            found["manufacturer_country"] = "Use the two-letter country code, such as DE, US or CN."
        for name in ("manufacturer_email", "eu_responsible_email"):
            value = self.fields.get(name, "")
            if name not in found and value and not looks_like_email(value):
                found[name] = "Enter an e-mail address like safety@manufacturer.example."
        info = self.fields.get("safety_information", "")
        if "safety_information" not in found and len(info) < SAFETY_MIN_LENGTH:
            found["safety_information"] = (f"Write the warnings a buyer needs (battery, charging, water, small "
                                           f"parts…): at least {SAFETY_MIN_LENGTH} characters.")
        return found

    def stored(self) -> dict[str, str]:
        """The columns as kept: without a responsible person when the manufacturer is in the EU."""
        values = {name: self.fields.get(name, "") for name in SAFETY_FIELDS}
        if not self.manufacturer_outside_eu:
            values.update(dict.fromkeys(EU_RESPONSIBLE_FIELDS, ""))
        return values


def tidy(name: str, value: Any) -> str:
    """A field as it is checked and kept: spaces collapsed on one line, the warnings and addresses keep their
    lines (each line's spaces collapsed), a country code in capitals."""
    text = str(value or "").replace("\r\n", "\n")
    if name in ("safety_information", "manufacturer_address", "eu_responsible_address", "specifications"):
        lines = [" ".join(line.split()) for line in text.split("\n")]
        return "\n".join(lines).strip()
    text = " ".join(text.split())
    return text.upper() if name == "manufacturer_country" else text


def read_safety(form: Mapping[str, Any]) -> ProductSafety:
    return ProductSafety(fields={name: tidy(name, form.get(name)) for name in SAFETY_FIELDS})


def safety_of(model: Mapping[str, Any]) -> dict[str, Any]:
    """What the product page's "Product safety" section shows for a model: its columns, and whether the EU
    responsible person applies (the manufacturer is outside the EU)."""
    country = str(model.get("manufacturer_country") or "")
    return {**{name: str(model.get(name) or "") for name in SAFETY_FIELDS},
            "outside_eu": bool(country) and not is_in_eu(country),
            "complete": not ProductSafety({name: str(model.get(name) or "") for name in SAFETY_FIELDS}).problems()}


def product_safety_form(model: Mapping[str, Any]) -> dict[str, str]:
    """A model's safety columns as the operator's form shows them."""
    return {name: str(model.get(name) or "") for name in SAFETY_FIELDS}


async def save_product_safety(model_id: int, safety: ProductSafety, *, operator_id: int) -> None:
    """The operator sets or corrects a product model's safety information: every listing of it shows the new
    text at once. Sellers never edit it."""
    refuse_if(safety.problems())
    async with write_transaction(ProductModel._meta.db):
        if not await ProductModel.exists().where(ProductModel.id == model_id):
            raise NotFound(model_id)
        await ProductModel.update({getattr(ProductModel, name): value for name, value in safety.stored().items()}
                                  ).where(ProductModel.id == model_id)
        await audit(operator_id, "product safety information set", "product", model_id)
