"""What a seller gives about itself: trader traceability details (DSA Art. 30) and the IBAN it is paid to."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from piccolo.columns import Column

from storefront.accounts.service import looks_like_email
from storefront.errors import Refused, refuse_if
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
    if not (15 <= len(iban) <= 34 and iban[:2].isalpha() and iban[2:4].isdigit() and iban.isalnum()):
        return False
    digits = "".join(str(int(char, 36)) for char in iban[4:] + iban[:4])
    return int(digits) % 97 == 1


def iban_with_check_digits(country: str, bban: str) -> str:
    """The IBAN for a domestic account number: what the demo uses to give its sellers valid accounts."""
    digits = "".join(str(int(char, 36)) for char in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


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
                found[name] = f"Keep it under {longest + 1} characters (it has {len(value)})."
        if "country" not in found and not re.fullmatch(r"[A-Z]{2}", self.fields["country"]):
            found["country"] = "Use the two-letter country code, such as FR, DE or IE."
        if "payment_account" not in found and not iban_is_valid(normalise_iban(self.fields["payment_account"])):
            found["payment_account"] = "This is not a valid IBAN: check it against your bank statement."
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
    async with Seller._meta.db.transaction():
        seller = await Seller.select(Seller.status).where(Seller.id == seller_id).first()
        if seller is None:
            raise LookupError(seller_id)
        if seller["status"] != "pending":
            raise Refused("form", "Your shop was referenced meanwhile: write to us to change these details.")
        values: dict[Column | str, Any] = {getattr(Seller, name): value for name, value in details.stored().items()}
        values[Seller.self_certified] = details.self_certified
        await Seller.update(values).where(Seller.id == seller_id)
