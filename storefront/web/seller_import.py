"""The seller portal's CSV export and import of offers (/seller/offers/...): HTTP only.

The file's rules live in storefront.sellers.offer_csv, the import's steps in storefront.sellers.offer_import.
An upload is kept and checked; its page (/seller/offers/import/{id}) shows the progress, then the preview,
and applies it when asked. A small file is checked and applied within the request; a larger one by the
`offer-imports` job, woken once the response is sent, while its page asks for news every second (htmx) or
offers a Refresh link. Access: the seller area's guard (storefront.web.areas); every read is scoped to
`seller_id`, so another seller's import answers 404 like a missing one.
"""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from storefront.errors import Refused
from storefront.jobs.registry import OFFER_IMPORTS, Waker
from storefront.orders import seller_views
from storefront.sellers import offer_csv, offer_import
from storefront.sellers.listing_views import all_seller_offers
from storefront.sellers.listings import OFFER_COLUMNS, ListingRules
from storefront.sellers.states import IMPORT_STATE_LABELS
from storefront.settings import Settings
from storefront.web.htmx import page_or_fragment
from storefront.web.inputs import Id

# The body may hold the file and the form around it (the CSRF field, the multipart boundaries).
UPLOAD_BODY_LIMIT = offer_csv.MAX_FILE_BYTES + 64 * 1024
REFUSALS = {"too-large": offer_csv.TOO_LARGE}
CSV_TYPE = "text/csv; charset=utf-8"


def _wake_imports(request: Request) -> BackgroundTask:
    waker: Waker = request.app.state.job_waker
    return BackgroundTask(waker.wake, OFFER_IMPORTS)


def _attachment(text: str, file_name: str) -> Response:
    return Response(content=text.encode("utf-8"), media_type=CSV_TYPE, headers={
        "Content-Disposition": f'attachment; filename="{file_name}"', "Cache-Control": "private, no-store"})


@get("/offers/export.csv", name="seller_offers_export")
async def export_offers(seller_id: NamedDependency[int]) -> Response:
    """Every offer of the seller, in the import's columns plus read-only helpers (product, EAN, status)."""
    text = offer_csv.offers_csv(await all_seller_offers(seller_id))
    return _attachment(text, f"offers-{dt.datetime.now(dt.UTC).date().isoformat()}.csv")


@get("/offers/import/template.csv", name="seller_offers_template")
async def import_template() -> Response:
    return _attachment(offer_csv.template_csv(), "offers-template.csv")


async def _upload_page(seller_id: int, settings: Settings, error: str | None = None,
                       status_code: int = 200) -> Template:
    return Template(template_name="pages/seller/offer_import.html", status_code=status_code, context={
        "seller": await seller_views.seller_profile(seller_id), "section": "import",
        "columns": offer_csv.column_help(ListingRules.from_settings(settings)), "column_order": OFFER_COLUMNS,
        "helper_columns": offer_csv.HELPER_COLUMNS, "error": error, "max_size": offer_csv.MAX_FILE_SIZE_TEXT,
        "max_rows": offer_csv.MAX_ROWS, "imports": await offer_import.recent_imports(seller_id),
        "state_labels": IMPORT_STATE_LABELS})


@get("/offers/import", name="seller_offers_import")
async def import_form(seller_id: NamedDependency[int], settings: NamedDependency[Settings],
                      refused: Annotated[str | None, QueryParameter(max_length=20)] = None) -> Template:
    error = REFUSALS.get(refused or "")
    return await _upload_page(seller_id, settings, error)


def _too_large(request: Request, _: RequestEntityTooLarge) -> Response:
    # Litestar refuses the body from its Content-Length, before reading it: the form says why.
    return Redirect("/seller/offers/import?refused=too-large", status_code=303)


@post("/offers/import", name="seller_offers_upload", request_max_body_size=UPLOAD_BODY_LIMIT,
      exception_handlers={RequestEntityTooLarge: _too_large})
async def upload(request: Request, seller_id: NamedDependency[int],
                 settings: NamedDependency[Settings]) -> Template | Redirect:
    form = await request.form()
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        return await _upload_page(seller_id, settings, "Choose the CSV file of your offers to upload.", 400)
    try:
        csv_file = offer_csv.read_upload(await file.read())
    except offer_csv.UnreadableFile as unreadable:
        return await _upload_page(seller_id, settings, unreadable.message, 400)
    import_id = await offer_import.start_import(seller_id, csv_file, file.filename)
    if offer_import.runs_in_request(csv_file.rows):
        await offer_import.check_import(import_id)
        return Redirect(f"/seller/offers/import/{import_id}", status_code=303)
    return Redirect(f"/seller/offers/import/{import_id}", status_code=303, background=_wake_imports(request))


async def _import_page(request: Request, seller_id: int, import_id: int, page: int = 1, error: str | None = None,
                       status_code: int = 200) -> Template:
    context: dict[str, Any] = {
        "seller": await seller_views.seller_profile(seller_id), "section": "import",
        "job": await offer_import.import_view(seller_id, import_id, page), "error": error,
        "column_order": OFFER_COLUMNS,
    }
    return page_or_fragment(request, "pages/seller/offer_import_job.html", "partials/offer_import_status.html",
                            context, status_code)


@get("/offers/import/{import_id:int}", name="seller_offers_import_job")
async def import_page(request: Request, import_id: Id, seller_id: NamedDependency[int],
                      page: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1) -> Template:
    return await _import_page(request, seller_id, import_id, page)


@post("/offers/import/{import_id:int}/apply", name="seller_offers_import_apply")
async def apply(request: Request, import_id: Id, seller_id: NamedDependency[int]) -> Template | Redirect:
    try:
        await offer_import.request_apply(seller_id, import_id)
    except Refused as refused:
        return await _import_page(request, seller_id, import_id, error=refused.message, status_code=400)
    job = await offer_import.import_view(seller_id, import_id)
    if offer_import.runs_in_request(job["total_rows"]):
        await offer_import.apply_import(import_id)
        return Redirect(f"/seller/offers/import/{import_id}", status_code=303)
    return Redirect(f"/seller/offers/import/{import_id}", status_code=303, background=_wake_imports(request))


HANDLERS = [export_offers, import_template, import_form, upload, import_page, apply]
