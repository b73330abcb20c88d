"""The kinds of document and the prefix of each one's yearly series. Outside the tables module so that code
which must not import tables (controllers, templates) can name them."""
from enum import StrEnum


class DocumentKind(StrEnum):
    statement = "statement"  # a seller's monthly statement
    invoice = "invoice"  # the platform's invoice to a seller: the month's flat fee and commissions
    receipt = "receipt"  # the platform's receipt to a buyer for an order's service fee


# Each kind is its own series, numbered from 1 every calendar year (UTC) of issue: "ST-2026-000012".
PREFIXES = {DocumentKind.statement: "ST", DocumentKind.invoice: "INV", DocumentKind.receipt: "RC"}
TITLES = {DocumentKind.statement: "Seller statement", DocumentKind.invoice: "Invoice",
          DocumentKind.receipt: "Service fee receipt"}


def series_of(kind: DocumentKind, year: int) -> str:
    return f"{PREFIXES[kind]}-{year:04d}-"


def code_of(series: str, number: int) -> str:
    """The number a person reads and the file is named by: ST-2026- and 12 → 'ST-2026-000012'."""
    return f"{series}{number:06d}"
