"""What a seller gives about itself: trader traceability details (DSA Art. 30) and the IBAN it is paid to."""
from __future__ import annotations

from typing import Any

from piccolo.columns import Column

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


class DetailsLocked(Exception):
    """A referenced seller's checked details change only through the operator, who checks them again."""


async def update_traceability(seller_id: int, details: dict[str, str], self_certified: bool) -> None:
    """A pending seller completes or corrects what the operator will check before referencing it."""
    unknown = set(details) - set(TRACEABILITY_FIELDS)
    if unknown:
        raise ValueError(f"not a traceability field: {sorted(unknown)}")
    async with Seller._meta.db.transaction():
        seller = await Seller.select(Seller.status).where(Seller.id == seller_id).first()
        if seller is None:
            raise LookupError(seller_id)
        if seller["status"] != "pending":
            raise DetailsLocked()
        values: dict[Column | str, Any] = {getattr(Seller, name): value for name, value in details.items()}
        values[Seller.self_certified] = self_certified
        await Seller.update(values).where(Seller.id == seller_id)
