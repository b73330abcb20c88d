"""What a seller gives about itself: trader traceability details (DSA Art. 30) and the IBAN it is paid to."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from piccolo.columns import Column

from storefront.accounts.service import looks_like_email
from storefront.db import write_transaction
from storefront.errors import Refused, refuse_if
from storefront.inputs import is_digits
from storefront.sellers.tables import Seller

# Trader traceability (DSA Art. 30) a seller gives before it may list: column → (label, longest accepted).
TRACEABILITY_FIELDS = {
    "legal_name": ("Company name, as registered", 200),
    "address": ("Registered address", 300),
    "country": ("Country (two-letter code, e.g. FR)", 2),
    "phone": ("Phone number", 40),
    "email": ("E-mail address for buyers and for us", 200),
    "trade_register_number": ("Trade register number", 60),
    "vat_number": ("VAT number", 40),
    "representative_name": ("Legal representative's full name", 200),
    "id_document": ("Their identity document: kind and number (e.g. passport 12AB34567)", 120),
    "payment_account": ("IBAN of the account we pay you to", 34),
}


def normalise_iban(text: str) -> str:
    return "".join(text.split()).upper()


def iban_is_valid(iban: str) -> bool:
    """ISO 13616: two letters, two check digits, up to 30 letters or digits, and the whole number mod 97 is 1."""
    if not (15 <= len(iban) <= 34 and iban[:2].isalpha() and iban[2:4].isdigit() and iban.isalnum()
            and iban.isascii()):
        return False
    digits = "".join(str(int(char, 36)) for char in iban[4:] + iban[:4])
    return int(digits) % 97 == 1


def iban_with_check_digits(country: str, bban: str) -> str:
    """The IBAN for a domestic account number: what the demo uses to give its sellers valid accounts."""
    digits = "".join(str(int(char, 36)) for char in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


# ITU-T E.164 caps a number at 15 digits; 8 is the shortest national number in the countries we serve.
_PHONE_SHAPE = re.compile(r"\+?[0-9 ().-]+")
PHONE_DIGITS_MIN, PHONE_DIGITS_MAX = 8, 15


def looks_like_phone_number(phone: str) -> bool:
    """Digits with an optional leading +, grouped by spaces, dots, dashes or brackets, 8 to 15 digits in all."""
    digits = sum(char.isdigit() for char in phone)
    return _PHONE_SHAPE.fullmatch(phone) is not None and PHONE_DIGITS_MIN <= digits <= PHONE_DIGITS_MAX


def siren_is_valid(siren: str) -> bool:
    """A French company's SIREN (the number of its RCS registration): 9 digits whose Luhn checksum is 0, the
    rule INSEE publishes and python-stdnum's `stdnum.fr.siren` applies, without a dependency for 8 lines."""
    if not (len(siren) == 9 and is_digits(siren)):
        return False
    total = 0
    for position, char in enumerate(reversed(siren)):
        digit = int(char) * (2 if position % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def trade_register_problem(number: str, country: str) -> str | None:
    """Why a trade register number cannot be one, or None. A French seller's carries its SIREN; elsewhere
    registers differ too much to check more than a plausible shape."""
    digits = "".join(char for char in number if char.isdigit())
    if country == "FR":
        if not siren_is_valid(digits):
            return ("Enter the 9-digit SIREN of your RCS registration, like RCS Nantes 732 829 320: "
                    "this one is not valid.")
    elif len(number) < 5 or len(digits) < 3:
        return "Enter your trade register number as registered: at least 5 characters, 3 of them digits."
    return None


def masked_iban(iban: str) -> str:
    """Enough for a person to recognise the account, not to use it."""
    return f"{iban[:4]} •••• {iban[-4:]}" if len(iban) > 8 else ("•" * len(iban))


@dataclass(frozen=True)
class CompanyDetails:
    """What a pending seller gives about itself: each traceability column as typed (spaces collapsed), and its
    self-certification that it offers only compliant products."""

    fields: Mapping[str, str]
    self_certified: bool

    def problems(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for name, (_, longest) in TRACEABILITY_FIELDS.items():
            value = self.fields.get(name, "")
            if not value:
                found[name] = "Fill this in: we check it before your offers go on sale."
            elif len(value) > longest:
                found[name] = f"Keep it to {longest} characters or fewer (it has {len(value)})."
        if "country" not in found and not re.fullmatch(r"[A-Z]{2}", self.fields["country"]):
            found["country"] = "Use the two-letter country code, such as FR, DE or IE."
        if "payment_account" not in found and not iban_is_valid(normalise_iban(self.fields["payment_account"])):
            found["payment_account"] = "This is not a valid IBAN: check it against your bank statement."
        if "phone" not in found and not looks_like_phone_number(self.fields["phone"]):
            found["phone"] = ("Enter a phone number: 8 to 15 digits, with an optional + and spaces, dots, dashes "
                              "or brackets.")
        if "trade_register_number" not in found and "country" not in found and (
                problem := trade_register_problem(self.fields["trade_register_number"], self.fields["country"])):
            found["trade_register_number"] = problem
        if "email" not in found and not looks_like_email(self.fields["email"]):
            found["email"] = "Enter an e-mail address like orders@your-company.example."
        if not self.self_certified:
            found["self_certified"] = ("Certify that you offer only products that comply with EU law: we cannot "
                                       "list you without it.")
        return found

    def stored(self) -> dict[str, str]:
        """The columns as kept: the IBAN without spaces, in capitals."""
        values = {name: self.fields.get(name, "") for name in TRACEABILITY_FIELDS}
        values["payment_account"] = normalise_iban(values["payment_account"])
        return values


def read_company_form(form: Mapping[str, str]) -> CompanyDetails:
    """The submitted fields, tidied the way they are checked (spaces collapsed, country in capitals)."""
    fields = {name: " ".join(str(form.get(name) or "").split()) for name in TRACEABILITY_FIELDS}
    fields["country"] = fields["country"].upper()
    return CompanyDetails(fields=fields, self_certified=form.get("self_certified") == "yes")


async def update_traceability(seller_id: int, details: CompanyDetails) -> None:
    """A pending seller completes or corrects what the operator will check before referencing it. Refused when
    a field is at fault, or ("form") once the seller is referenced: its checked details then change only
    through the operator, who checks them again."""
    refuse_if(details.problems())
    async with write_transaction(Seller._meta.db):
        seller = await Seller.select(Seller.status).where(Seller.id == seller_id).first()
        if seller is None:
            raise LookupError(seller_id)
        if seller["status"] != "pending":
            raise Refused("form", "Your shop was referenced meanwhile: write to us to change these details.")
        values: dict[Column | str, Any] = {getattr(Seller, name): value for name, value in details.stored().items()}
        values[Seller.self_certified] = details.self_certified
        await Seller.update(values).where(Seller.id == seller_id)
