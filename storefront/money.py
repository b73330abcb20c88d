"""Money is integer cents with an explicit currency; this module only formats it."""
from __future__ import annotations

CURRENCY_SYMBOLS = {"EUR": "€"}


def format_money(cents: int, currency: str = "EUR") -> str:
    """`format_money(38999)` → '€389.99'. Negative amounts keep their sign in front."""
    sign = "−" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    symbol = CURRENCY_SYMBOLS.get(currency, currency + " ")
    return f"{sign}{symbol}{euros:,}.{rest:02d}"


def parse_euros(text: str | None) -> int | None:
    """A shopper's '249', '249.5' or '249,50' in euros → cents; None for empty or unreadable input."""
    if text is None:
        return None
    cleaned = text.strip().replace("€", "").replace(" ", "").replace(",", ".")
    if not cleaned:
        return None
    if not cleaned.isascii():
        # Digits like "²" pass str.isdigit() but int() refuses them.
        return None
    whole, _, fraction = cleaned.partition(".")
    if not whole.isdigit() and not (whole == "" and fraction.isdigit()):
        return None
    if fraction and (not fraction.isdigit() or len(fraction) > 2):
        return None
    cents = int(whole or 0) * 100 + int((fraction + "00")[:2])
    return cents if cents <= 10_000_000_00 else None
