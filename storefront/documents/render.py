"""An issued document as a file: PDF (WeasyPrint, from templates/documents/) or CSV, from its frozen content
only, so a second download says exactly what the first did whatever changed since.

The CSV follows the offer export (storefront.sellers.offer_csv): UTF-8 with a byte-order mark so Excel shows
accents and the euro sign, commas, CRLF, and every text cell that could start a formula neutralised with a
leading '. Amounts are plain decimal numbers in euros ("-12.50"), written by us, never text from outside.
"""
from __future__ import annotations

import asyncio
import csv
import io
import threading
from functools import cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from storefront import units
from storefront.documents.states import TITLES, DocumentKind
from storefront.sellers.offer_csv import BOM, neutralised
from storefront.settings import ROOT

PDF_TYPE = "application/pdf"
_ONE_LAYOUT = threading.Lock()
CSV_TYPE = "text/csv; charset=utf-8"


@cache
def _environment() -> Environment:
    # The documents' own environment: they are rendered outside any request (the job, a download), with the same
    # figure formatters as the pages, so an amount reads alike on screen and on paper.
    environment = Environment(loader=FileSystemLoader(ROOT / "templates" / "documents"),
                              autoescape=select_autoescape(default=True, default_for_string=True),
                              undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    environment.filters.update(money=units.money, percent=units.percent)
    return environment


def html(document: dict[str, Any], content: dict[str, Any], brand_name: str) -> str:
    kind = DocumentKind(document["kind"])
    return _environment().get_template(f"{kind}.html").render(
        document=document, c=content, title=TITLES[kind], brand_name=brand_name)


def _layout(markup: str, base_url: str | None) -> bytes:
    # Imported on first use: loading pango would cost every process its start otherwise.
    from weasyprint import HTML  # type: ignore[import-untyped]

    # One layout at a time per process: WeasyPrint does not promise that pango and fontconfig may be driven
    # from several threads at once. Every PDF the store makes comes through here, so the lock covers them all.
    with _ONE_LAYOUT:
        return HTML(string=markup, base_url=base_url).write_pdf()


async def pdf_from_html(markup: str, base_url: str | None = None) -> bytes:
    """A PDF laid out from HTML in a worker thread: a long statement takes a good part of a second, which the
    event loop spends on other requests meanwhile. The store's one way to make a PDF (documents, labels)."""
    return await asyncio.to_thread(_layout, markup, base_url)


async def pdf(document: dict[str, Any], content: dict[str, Any], brand_name: str) -> bytes:
    """A document's PDF file."""
    return await pdf_from_html(html(document, content, brand_name), str(ROOT / "templates" / "documents"))


def _euros(cents: int) -> str:
    return units.plain_amount(cents)


def _text(value: Any) -> str:
    return neutralised(str(value))


def _party_rows(label: str, party: dict[str, str]) -> list[list[str]]:
    fields = (("name", ""), ("address", " address"), ("vat_number", " VAT number"),
              ("trade_register", " trade register"))
    return [[_text(label + suffix), _text(party[key])] for key, suffix in fields if party.get(key)]


def csv_text(document: dict[str, Any], content: dict[str, Any]) -> str:
    kind = DocumentKind(document["kind"])
    rows: list[list[str]] = [["Document", _text(document["code"])], ["Kind", TITLES[kind]],
                             ["Issued on", content["issued_on"]], ["Currency", content["currency"]]]
    if content.get("period"):
        rows.append(["Period", content["period"]])
    rows += _party_rows("Issuer", content["issuer"])
    if kind is DocumentKind.statement:
        rows += _party_rows("Seller", content["seller"])
        rows += [[], ["Summary", "Amount"]]
        rows += [[_text(line["label"]), _euros(line["cents"])] for line in content["summary"]]
        rows.append([_text(content["total"]["label"]), _euros(content["total"]["cents"])])
        for section in content["sections"]:
            rows += [[], [_text(section["title"])],
                     [_text(c["label"] + (" (EUR)" if c["money"] else "")) for c in section["columns"]]]
            for line in section["rows"]:
                rows.append([_euros(v) if c["money"] else _text(v) for c, v in zip(section["columns"], line,
                                                                                   strict=True)])
            if section["totals"]:
                rows.append(["Total" if i == 0 else (_euros(t) if t is not None else "")
                             for i, t in enumerate(section["totals"])])
    elif kind is DocumentKind.invoice:
        rows += _party_rows("Customer", content["customer"])
        rows += [[], ["Date", "Description", "Order", "Amount incl. VAT (EUR)"]]
        rows += [[line["date"], _text(line["description"]), _text(line["reference"]), _euros(line["cents"])]
                 for line in content["lines"]]
        rows += [[], ["Total incl. VAT", "", "", _euros(content["total_cents"])],
                 [f"VAT {units.percent(content['vat_basis_points'])} included", "", "", _euros(content["vat_cents"])],
                 ["Total excl. VAT", "", "", _euros(content["net_cents"])]]
    else:
        rows += [["Buyer", _text(content["buyer"])], ["Order", _text(content["reference"])],
                 ["Paid on", content["paid_on"]], [],
                 ["Service fee incl. VAT", _euros(content["fee_cents"])],
                 [f"VAT {units.percent(content['vat_basis_points'])} included", _euros(content["vat_cents"])],
                 ["Service fee excl. VAT", _euros(content["net_cents"])]]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return BOM + buffer.getvalue()
