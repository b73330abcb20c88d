"""How the store's figures read: money in cents, rates in basis points, ratings in hundredths of a star.

Figures are kept as integers (ranking weights excepted: fractions of 1) and become text here, with integer
arithmetic, so what a page says is exactly what the code computed. create_app registers these once as Jinja
filters (`money`, `percent`, `share_percent`, `measured_percent`, `stars`, `stars_out_of_five`); controllers,
e-mails, the ranking page and structured data call the same functions, so a figure reads the same everywhere.

- **Money** (`money`): the currency's symbol, thousands separated by commas, always two decimals; a negative
  amount keeps its sign in front: 38999 → "€389.99", −1250 → "−€12.50". `plain_amount` is the same amount for
  machines (JSON-LD prices): "389.99".
- **Rates set by a rule** (`percent`: fees, commissions, charter limits) read exactly, without trailing zeros:
  250 bp → "2.5 %"; a share kept as a fraction (`share_percent`: ranking weights) reads the same way,
  0.125 → "12.5 %". **Rates measured** from orders (`measured_percent`: a seller's defect or late-delivery
  rate) read to one decimal, rounded half up: 1234 bp → "12.3 %". The space before "%" does not break.
- **Ratings** read to one decimal, rounded half up, always with that decimal: 425 → "4.3", 449 → "4.5",
  400 → "4.0". One decimal is what a buyer can tell apart; rounding half up is what a buyer expects (4.25 is
  not "4.2"). The same text is the search card's star, the product page's summary, the reviews section, the
  JSON-LD `ratingValue`, the seller portal and the console. In a sentence: "4.3 out of 5". A threshold on
  ratings (the quality charter's minimum) is therefore set in tenths of a star, so it reads exactly.
- **Euros typed by a person** (`parse_euros`): "249", "249.5", "249,50", "€1 234,50" → cents. More than two
  digits after a dot or comma ("1.234") is refused: it could be a thousands separator or three decimals, and
  a price filter a thousand times off is worse than none.
"""
from __future__ import annotations

import datetime as dt

from storefront.inputs import is_digits as _digits

CURRENCY_SYMBOLS = {"EUR": "€"}
MINUS = "\N{MINUS SIGN}"
# A price filter above ten million euros is a typing slip, not a price.
MAX_PARSED_CENTS = 10_000_000_00
MAX_RATING_X100 = 500
# Spaces a person (or a copied price) may put between thousands.
_THOUSANDS_SPACES = (" ", "\N{NO-BREAK SPACE}", "\N{NARROW NO-BREAK SPACE}")




def _sign(number: int) -> str:
    return MINUS if number < 0 else ""


def plain_amount(cents: int) -> str:
    """An amount as a decimal number for machines, without symbol or separators: 38999 → '389.99'."""
    euros, rest = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{euros}.{rest:02d}"


def money(cents: int, currency: str = "EUR") -> str:
    """38999 → '€389.99', 100000000 → '€1,000,000.00', −1250 → '−€12.50'."""
    euros, rest = divmod(abs(cents), 100)
    symbol = CURRENCY_SYMBOLS.get(currency, currency + " ")
    return f"{_sign(cents)}{symbol}{euros:,}.{rest:02d}"


def percent(basis_points: int) -> str:
    """A rate set by a rule, exactly: 1000 → '10 %', 250 → '2.5 %', 5 → '0.05 %', −75 → '−0.75 %'."""
    whole, rest = divmod(abs(basis_points), 100)
    number = str(whole) if rest == 0 else f"{whole}.{rest:02d}".rstrip("0")
    return f"{_sign(basis_points)}{number}\N{NO-BREAK SPACE}%"


def share_percent(share: float) -> str:
    """A share of a whole kept as a fraction (a ranking weight) reads like a rate, to the basis point:
    0.4 → '40 %', 0.125 → '12.5 %'."""
    return percent(round(share * 10_000))


def measured_percent(basis_points: int) -> str:
    """A measured rate to one decimal, rounded half up: 1234 → '12.3 %', 5 → '0.1 %', 0 → '0.0 %'."""
    tenths = (abs(basis_points) + 5) // 10
    return f"{_sign(basis_points)}{tenths // 10}.{tenths % 10}\N{NO-BREAK SPACE}%"


def stars(rating_x100: int) -> str:
    """An average rating kept in hundredths of a star, to one decimal rounded half up: 425 → '4.3'."""
    if isinstance(rating_x100, bool) or not isinstance(rating_x100, int):
        raise TypeError(f"a rating is an integer number of hundredths of a star, not {rating_x100!r}")
    if not 0 <= rating_x100 <= MAX_RATING_X100:
        raise ValueError(f"a rating is between 0 and {MAX_RATING_X100} hundredths of a star, not {rating_x100}")
    tenths = (rating_x100 + 5) // 10
    return f"{tenths // 10}.{tenths % 10}"


def stars_out_of_five(rating_x100: int) -> str:
    """The rating in a sentence: 425 → '4.3 out of 5'."""
    return f"{stars(rating_x100)} out of 5"


def parse_euros(text: str | None) -> int | None:
    """A person's euros → cents: '249' → 24900, '249,50' → 24950, ' €1 234,5 ' → 123450; None for empty,
    unreadable, ambiguous ('1.234') or implausibly large input."""
    if text is None:
        return None
    cleaned = text.strip().replace("€", "")
    for space in _THOUSANDS_SPACES:
        cleaned = cleaned.replace(space, "")
    cleaned = cleaned.replace(",", ".")
    if not cleaned:
        return None
    whole, _, fraction = cleaned.partition(".")
    if not _digits(whole) and not (whole == "" and _digits(fraction)):
        return None
    if fraction and (not _digits(fraction) or len(fraction) > 2):
        return None
    cents = int(whole or 0) * 100 + int((fraction + "00")[:2])
    return cents if cents <= MAX_PARSED_CENTS else None


def machine_time(moment: dt.date | dt.datetime) -> str:
    """A date or time as `<time datetime>` reads it: whole seconds, since HTML allows at most three digits of
    a fraction and a person never needs them."""
    if isinstance(moment, dt.datetime):
        return moment.isoformat(timespec="seconds")
    return moment.isoformat()
