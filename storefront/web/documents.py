"""Downloading documents: a seller's statement and invoice of a closed month, a buyer's service-fee receipt,
and the console's list of every document by number, so the sequences can be checked for gaps.

Access comes from the areas (storefront.web.areas): the seller routes read the signed-in seller's own documents
only (there is no way to name another's), a receipt is found by the buyer's own order (someone else's order, or
an unpaid one, answers 404 like a missing one), and the console is the operator's. A document is issued on its
first download when the job has not issued it yet (storefront.documents.service).
"""
from __future__ import annotations

import re
from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Response, Template

from storefront.documents import render, service
from storefront.documents.numbering import content_of
from storefront.documents.states import TITLES, DocumentKind
from storefront.inputs import parse_page
from storefront.settings import Settings
from storefront.web.inputs import Id
from storefront.web.viewer import Viewer

PERIOD = re.compile(r"([0-9]{4})-([0-9]{2})")
SELLER_FILES = {"statement.pdf": (DocumentKind.statement, "pdf"), "statement.csv": (DocumentKind.statement, "csv"),
                "invoice.pdf": (DocumentKind.invoice, "pdf"), "invoice.csv": (DocumentKind.invoice, "csv")}


async def _file(document: dict[str, Any], file_format: str, settings: Settings) -> Response:
    content = content_of(document)
    if file_format == "pdf":
        body, media_type = await render.pdf(document, content, settings.brand_name), render.PDF_TYPE
    else:
        body, media_type = render.csv_text(document, content).encode("utf-8"), render.CSV_TYPE
    return Response(content=body, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{document["code"]}.{file_format}"',
        "Cache-Control": "private, no-store"})


def seller_document_links(period: str, downloads: service.SellerDownloads) -> list[dict[str, str]]:
    """The statement page's download links for a month (none while it is open)."""
    names = [n for n, (kind, _) in SELLER_FILES.items()
             if (kind is DocumentKind.statement and downloads.statement)
             or (kind is DocumentKind.invoice and downloads.invoice)]
    return [{"url": f"/seller/documents/{period}/{name}",
             "label": f"{TITLES[SELLER_FILES[name][0]].removeprefix('Seller ').capitalize()} "
                      f"({SELLER_FILES[name][1].upper()})"} for name in names]


@get("/documents/{period:str}/{file_name:str}", name="seller_document")
async def seller_document(period: FromPath[str], file_name: FromPath[str], seller_id: NamedDependency[int],
                          settings: NamedDependency[Settings]) -> Response:
    match = PERIOD.fullmatch(period)
    wanted = SELLER_FILES.get(file_name)
    if match is None or wanted is None or not (2000 <= int(match[1]) <= 9999 and 1 <= int(match[2]) <= 12):
        raise NotFoundException()
    kind, file_format = wanted
    year, month = int(match[1]), int(match[2])
    issue = service.issue_statement if kind is DocumentKind.statement else service.issue_invoice
    document = await issue(seller_id, year, month, settings)
    if document is None:
        raise NotFoundException("There is no such document for this month.")
    return await _file(document, file_format, settings)


@get("/account/orders/{reference:str}/service-fee-receipt.pdf", name="my_order_receipt")
async def my_order_receipt(reference: FromPath[str], viewer: NamedDependency[Viewer],
                           settings: NamedDependency[Settings]) -> Response:
    document = await service.issue_receipt(viewer.signed_in_account["id"], reference, settings)
    if document is None:
        raise NotFoundException()
    return await _file(document, "pdf", settings)


@get("/documents", name="ops_documents")
async def ops_documents(request: Request) -> Template:
    pages = max(1, -(-await service.document_count() // service.DOCUMENTS_PER_PAGE))
    page = parse_page(request.query_params.get("page"), pages)
    rows, total = await service.documents_page(page)
    return Template(template_name="pages/ops/documents.html", context={
        "documents": rows, "total": total, "page": page, "pages": pages, "titles": TITLES,
        "checks": await service.series_checks(), "section": "documents", "done": None})


@get("/documents/{document_id:int}/{file_format:str}", name="ops_document_file")
async def ops_document_file(document_id: Id, file_format: FromPath[str],
                            settings: NamedDependency[Settings]) -> Response:
    document = await service.document_by_id(document_id)
    if document is None or file_format not in ("pdf", "csv"):
        raise NotFoundException()
    return await _file(document, file_format, settings)


SELLER_HANDLERS = [seller_document]
ACCOUNT_HANDLERS = [my_order_receipt]
OPS_HANDLERS = [ops_documents, ops_document_file]
