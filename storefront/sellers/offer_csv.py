"""A seller's offers as a CSV file, both ways: what the export writes and what the import reads. No database.

The file: one offer per row, keyed by the seller's SKU, the columns of the offer form (`OFFER_COLUMNS`, in
that order) and, on export, three read-only helper columns at the end (`HELPER_COLUMNS`), which the import
ignores and says so, as it does any column it does not know.

Decisions, so that a file survives a round trip through Excel, LibreOffice or Numbers:
- the export is UTF-8 *with* a byte-order mark: without it Excel on Windows reads the file as ANSI and
  garbles every accent of a condition note. The import takes UTF-8 with or without the mark, and nothing
  else: any other encoding is refused with `NOT_UTF8`, the way to fix it in Excel included;
- the export separates with commas; the import takes commas or semicolons (what Excel writes where the
  decimal mark is a comma), read from the header line;
- formula injection: an exported cell starting with = + - @, a tab or a carriage return gets a leading '
  (the condition note is free text), which spreadsheets read as "text, not a formula"; the import takes the
  ' off again. An imported cell starting with = is refused as a formula, as is one starting with + - or @
  unless it is a plain number in a numeric column;
- line numbers are the file's own (the header is line 1), so a seller finds the row in a text editor too;
  a condition note may hold line breaks, quoted, and its row is named by its first line. Blank lines are
  skipped.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from storefront.catalog.grades import GRADE_KEYS
from storefront.ranking.weights import PAYMENT_MEANS
from storefront.sellers.listings import (
    BATTERY_PERCENT_MAX,
    CONDITION_NOTE_MAX_LENGTH,
    DELIVERY_DAYS_MAX,
    DELIVERY_DAYS_MIN,
    OFFER_COLUMNS,
    PRICE_MAX_CENTS,
    PRICE_MIN_CENTS,
    SHIPPING_MAX_CENTS,
    SKU_MAX_LENGTH,
    STOCK_MAX,
    WARRANTY_MONTHS_MAX,
    ListingRules,
    OfferFields,
    offer_input_values,
    read_offer_input,
)
from storefront.units import money

BOM = "\ufeff"
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILE_SIZE_TEXT = "10 MB"
MAX_ROWS = 50_000
# Read-only columns the export adds after the offer's own, to help a person find their way in the file.
HELPER_COLUMNS: tuple[str, ...] = ("product", "ean", "status")
NUMERIC_COLUMNS = frozenset({"variant_id", "price", "stock", "shipping", "delivery_days", "warranty_months",
                             "battery_health_pct"})
# What a spreadsheet may take for the start of a formula (OWASP, "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+([.,]\d+)?")
# csv's own limit is 128 KiB a cell: a condition note is 500 characters, so anything near it is not a note.
csv.field_size_limit(1024 * 1024)

NOT_UTF8 = "The file is not UTF-8 text: in Excel use Save As > CSV UTF-8."
EMPTY = "The file is empty. Export your offers or download the template, fill it in and upload it again."
NO_ROWS = "The file has a header line but no offers below it."
TOO_LARGE = (f"The file is larger than {MAX_FILE_SIZE_TEXT}: split it into smaller files "
             f"(up to {MAX_ROWS:,} offers each) and import them one after the other.")


def column_help(rules: ListingRules) -> dict[str, str]:
    """Each column of the file → what to write in it, with the limits the import checks."""
    return {
        "sku": (f"Your own reference for the offer, unique among your offers: up to {SKU_MAX_LENGTH} letters, "
                "digits and . _ / -. Rows are matched to your offers by it: a new SKU creates an offer."),
        "variant_id": "The catalogue number of the product (model, storage and colour): see the export.",
        "grade": "The cosmetic grade, one of: " + ", ".join(GRADE_KEYS) + ".",
        "price": (f"Price in euros, VAT included, from {money(PRICE_MIN_CENTS)} to {money(PRICE_MAX_CENTS)}, "
                  "like 249.00 or 249,00."),
        "stock": f"How many you have ready to ship: 0 to {STOCK_MAX:,}.",
        "shipping": f"Shipping cost in euros, 0 for free, at most {money(SHIPPING_MAX_CENTS)}.",
        "delivery_days": f"Delivery promise in working days, {DELIVERY_DAYS_MIN} to {DELIVERY_DAYS_MAX}.",
        "warranty_months": (f"Commercial warranty in months, {rules.min_warranty_months} to "
                            f"{WARRANTY_MONTHS_MAX}."),
        "battery_health_pct": (f"Battery health in percent of the original capacity, "
                               f"{rules.min_battery_percent} to {BATTERY_PERCENT_MAX}."),
        "new_battery": "yes if the battery was replaced with a new one, otherwise no.",
        "payment_means": ("The means of payment you accept, separated by commas: " + ", ".join(PAYMENT_MEANS)
                          + "."),
        "condition_note": (f"A short note on the device's condition, up to {CONDITION_NOTE_MAX_LENGTH} "
                           "characters. Never “new”, “as new” or “like new”."),
    }


def neutralised(cell: str) -> str:
    """A cell a spreadsheet will show as text, never run as a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def offers_csv(offers: Iterable[Mapping[str, Any]]) -> str:
    """The export: a header, then one row per offer (rows as `all_seller_offers()` reads them)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([*OFFER_COLUMNS, *HELPER_COLUMNS])
    for offer in offers:
        values = offer_input_values(offer)
        helpers = [offer["title"], offer["ean"] or "", offer["status_label"]]
        writer.writerow([neutralised(str(cell)) for cell in [*(values[name] for name in OFFER_COLUMNS), *helpers]])
    return BOM + buffer.getvalue()


def template_csv() -> str:
    return BOM + ",".join(OFFER_COLUMNS) + "\r\n"


class UnreadableFile(ValueError):
    """The file as a whole cannot be imported; `message` says why in the seller's words. Nothing was kept."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CsvFile:
    text: str  # without its byte-order mark
    delimiter: str
    ignored_columns: tuple[str, ...]
    rows: int


def _decoded(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16's byte-order marks
        raise UnreadableFile(NOT_UTF8)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise UnreadableFile(NOT_UTF8) from None
    if "\x00" in text:  # UTF-16 without a mark decodes as UTF-8 full of NULs
        raise UnreadableFile(NOT_UTF8)
    return text.removeprefix(BOM)


def _header(text: str) -> tuple[str, list[str]]:
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    names = next(csv.reader([first_line], delimiter=delimiter), [])
    return delimiter, [name.strip().strip("'").lower() for name in names]


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(line number of the row's first line, cells) for each non-blank row after the header."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    next(reader, None)
    line = reader.line_num + 1
    for cells in reader:
        if any(cell.strip() for cell in cells):
            yield line, cells
        line = reader.line_num + 1


def read_upload(data: bytes) -> CsvFile:
    """The uploaded bytes as a CSV file of offers, or UnreadableFile saying why the whole file is refused."""
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableFile(TOO_LARGE)
    text = _decoded(data)
    if not text.strip():
        raise UnreadableFile(EMPTY)
    try:
        delimiter, names = _header(text)
    except csv.Error as error:
        raise UnreadableFile(f"The header line could not be read as CSV: {error}.") from None
    known = [name for name in names if name in OFFER_COLUMNS]
    if twice := sorted({name for name in known if known.count(name) > 1}):
        raise UnreadableFile("The header line names " + ", ".join(twice) + " more than once: keep one column each.")
    if missing := [name for name in OFFER_COLUMNS if name not in names]:
        raise UnreadableFile(
            "The header line (line 1) is missing the column" + ("s " if len(missing) > 1 else " ")
            + ", ".join(missing) + ". It must name every column, separated by commas or semicolons: "
            + ", ".join(OFFER_COLUMNS) + ".")
    try:
        rows = sum(1 for _ in _records(text, delimiter))
    except csv.Error as error:
        raise UnreadableFile(f"The file could not be read as CSV: {error}.") from None
    if rows == 0:
        raise UnreadableFile(NO_ROWS)
    if rows > MAX_ROWS:
        raise UnreadableFile(f"The file has {rows:,} offers: import at most {MAX_ROWS:,} at once "
                             "(split it into several files).")
    ignored = tuple(name for name in names if name not in OFFER_COLUMNS and name)
    return CsvFile(text=text, delimiter=delimiter, ignored_columns=ignored, rows=rows)


@dataclass(frozen=True)
class ReadRow:
    """One row of the file: its line, its cells by column, and either the offer it describes or the problems
    found in it, column → reason."""

    line: int
    values: dict[str, str]
    fields: OfferFields | None
    problems: dict[str, str]


def _formula(name: str, cell: str) -> str | None:
    start = cell.strip()[:1]
    if start == "=":
        return "Formulas are not imported: type the value itself, not a formula starting with =."
    if start and start in "+-@" and not (name in NUMERIC_COLUMNS and _PLAIN_NUMBER.fullmatch(cell.strip())):
        return (f"This cell starts with {start}, which a spreadsheet takes for a formula: type the value itself, "
                f"or put a ' before the {start} if it is meant as text.")
    return None


def _unquoted(cell: str) -> str:
    """The export's ' before a cell that starts like a formula, taken off again."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


def read_rows(text: str, rules: ListingRules | None = None) -> Iterator[ReadRow]:
    """Every offer row of a file `read_upload()` accepted, read with the offer form's own rules."""
    delimiter, names = _header(text)
    position = {name: names.index(name) for name in OFFER_COLUMNS}
    for line, cells in _records(text, delimiter):
        raw = {name: cells[index] if index < len(cells) else "" for name, index in position.items()}
        formulas = {name: problem for name, cell in raw.items() if (problem := _formula(name, cell))}
        values = {name: _unquoted(cell) for name, cell in raw.items()}
        fields, problems = read_offer_input(values) if rules is None else _read_with(values, rules)
        if formulas:
            problems = {name: formulas.get(name) or problems[name] for name in OFFER_COLUMNS
                        if name in formulas or name in problems}
            fields = None
        yield ReadRow(line=line, values=raw, fields=fields, problems=problems)


def _read_with(values: Mapping[str, str], rules: ListingRules) -> tuple[OfferFields | None, dict[str, str]]:
    fields, problems = read_offer_input(values)
    if fields is not None and (broken := fields.problems(rules)):
        return None, {name: broken[name] for name in OFFER_COLUMNS if name in broken}
    return fields, problems
