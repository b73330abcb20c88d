"""A refurbisher's price grids as a CSV file, both ways, with the offers import's rules
(storefront/sellers/offer_csv.py): UTF-8 with or without a byte-order mark, commas or semicolons, line numbers
as the file counts them (header = line 1), formula cells refused on import and neutralised on export.

Columns: `model_slug` (or `model_id`), `storage_gb`, `state`, `price` (euros; empty removes that price). The
preview sorts every row into create / change / unchanged / rejected with its line and reason; applying writes
all the rows in one transaction, and only when no row is rejected: all or nothing.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from storefront.catalog.tables import ProductModel
from storefront.db import write_transaction
from storefront.errors import Refused
from storefront.inputs import parse_whole
from storefront.sellers.offer_csv import FORMULA_STARTS, neutralised
from storefront.tradein import grids
from storefront.tradein.states import ConditionState
from storefront.tradein.tables import PriceGrid
from storefront.units import parse_euros, plain_amount

BOM = "\ufeff"
COLUMNS = ("model_slug", "storage_gb", "state", "price")
MAX_FILE_BYTES = 1_000_000
MAX_ROWS = 5_000
MAX_STORAGE_GB = 16_384
NOT_UTF8 = "The file is not UTF-8 text: in Excel use Save As > CSV UTF-8."
EMPTY = "The file is empty: export your grids, change the prices and upload the file again."
TOO_LARGE = f"The file is larger than 1 MB or has more than {MAX_ROWS:,} rows: split it."
MISSING = "The first line must name the columns model_slug (or model_id), storage_gb, state and price."


def grids_csv(prices: Sequence[dict]) -> str:
    """The export, as `grids.all_prices` reads the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in prices:
        writer.writerow([neutralised(str(cell)) for cell in (
            row["model_slug"], row["storage_gb"], row["state"], plain_amount(row["price_cents"]))])
    return BOM + buffer.getvalue()


@dataclass(frozen=True)
class GridRow:
    """One line of the file, read: what it sets, or why it is rejected."""

    line: int
    model_text: str
    storage_text: str
    state: str
    price_text: str
    model_id: int | None = None
    storage_gb: int | None = None
    price_cents: int | None = None
    reason: str = ""
    action: str = ""  # create | change | unchanged | remove | rejected


@dataclass
class Preview:
    rows: list[GridRow] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def rejected(self) -> list[GridRow]:
        return [row for row in self.rows if row.action == "rejected"]

    @property
    def can_apply(self) -> bool:
        return bool(self.rows) and not self.rejected


def decode(data: bytes) -> str:
    """The upload as text, or Refused("file", …): too large, not UTF-8, empty."""
    if len(data) > MAX_FILE_BYTES:
        raise Refused("file", TOO_LARGE)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Refused("file", NOT_UTF8)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused("file", NOT_UTF8) from None
    if "\x00" in text:
        raise Refused("file", NOT_UTF8)
    text = text.removeprefix(BOM)
    if not text.strip():
        raise Refused("file", EMPTY)
    return text


def _formula(cell: str, numeric: bool) -> bool:
    if not cell.startswith(FORMULA_STARTS):
        return False
    # A signed number in a numeric column is a number, not a formula; a leading "=" never is.
    return not (numeric and cell[0] in "+-" and cell[1:].replace(".", "", 1).replace(",", "", 1).isdigit())


def _rows(text: str) -> tuple[str, list[tuple[int, dict[str, str]]]]:
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [name.strip().strip("'").lower() for name in next(reader, [])]
    key = "model_slug" if "model_slug" in header else "model_id"
    if key not in header or not {"storage_gb", "state", "price"} <= set(header):
        raise Refused("file", MISSING)
    rows: list[tuple[int, dict[str, str]]] = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        rows.append((reader.line_num, {name: (cells[i].strip() if i < len(cells) else "")
                                       for i, name in enumerate(header)}))
        if len(rows) > MAX_ROWS:
            raise Refused("file", TOO_LARGE)
    if not rows:
        raise Refused("file", "The file has a header line but no prices below it.")
    return key, rows


async def preview(seller_id: int, text: str) -> Preview:
    """Reads and sorts every row against the seller's grids as they are now; writes nothing."""
    key, raw_rows = _rows(text)
    models = {(str(r["slug"]) if key == "model_slug" else str(r["id"])): r["id"]
              for r in await ProductModel.select(ProductModel.id, ProductModel.slug)}
    current: dict[tuple[int, int, str], int] = {}
    for grid in await PriceGrid.select(PriceGrid.id, PriceGrid.model).where(PriceGrid.seller == seller_id):
        for (size, condition), price in (await grids.grid_prices(grid["id"])).items():
            current[(grid["model"], size, condition)] = price
    seen: dict[tuple[int, int, str], int] = {}
    result = Preview()
    states = {s.value for s in ConditionState}
    for line, cells in raw_rows:
        model_text, storage_text = cells.get(key, ""), cells.get("storage_gb", "")
        state, price_text = cells.get("state", "").lower(), cells.get("price", "")
        reason = ""
        for name, cell in ((key, model_text), ("storage_gb", storage_text), ("state", state), ("price", price_text)):
            if _formula(cell, name in ("storage_gb", "price", "model_id")):
                reason = f"The {name} cell starts like a spreadsheet formula: write the value itself."
                break
        model_id = models.get(model_text.removeprefix("'"))
        storage = parse_whole(storage_text, MAX_STORAGE_GB)
        problem = grids.price_problem(price_text)
        if reason:
            pass
        elif model_id is None:
            reason = f"No model “{model_text[:60]}” in the catalogue (see the export for the slugs)."
        elif storage is None:
            reason = "storage_gb must be a whole number of gigabytes (0 when the model has no storage sizes)."
        elif state not in states:
            reason = "state must be one of: " + ", ".join(sorted(states)) + "."
        elif problem:
            reason = problem
        elif (model_id, storage, state) in seen:
            reason = f"The same model, storage and state are already on line {seen[(model_id, storage, state)]}."
        if reason:
            result.rows.append(GridRow(line, model_text, storage_text, state, price_text, reason=reason,
                                       action="rejected"))
            continue
        assert model_id is not None and storage is not None
        seen[(model_id, storage, state)] = line
        cents = parse_euros(price_text) if price_text.strip() else None
        before = current.get((model_id, storage, state))
        action = ("unchanged" if before == cents else "remove" if cents is None
                  else "create" if before is None else "change")
        result.rows.append(GridRow(line, model_text, storage_text, state, price_text, model_id, storage,
                                   cents, action=action))
    return result


async def apply(seller_id: int, text: str) -> Preview:
    """Applies the file in one transaction, all or nothing: any rejected row refuses the whole file."""
    result = await preview(seller_id, text)
    if result.rejected:
        raise Refused("file", f"{len(result.rejected)} row(s) are rejected: nothing was changed. "
                              "Correct them and upload the file again.")
    by_model: dict[int, dict[tuple[int, str], int | None]] = {}
    for row in result.rows:
        if row.action in ("create", "change", "remove"):
            assert row.model_id is not None and row.storage_gb is not None
            by_model.setdefault(row.model_id, {})[(row.storage_gb, row.state)] = row.price_cents
    async with write_transaction(PriceGrid._meta.db):
        for model_id, cells in by_model.items():
            await grids.write_prices(seller_id, model_id, cells)
    return result
