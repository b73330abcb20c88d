"""Catalogue requests: a seller asks for a missing model or variant (/seller/catalogue-requests), the operator
approves, corrects or refuses it (/ops/catalogue-requests); and the operator's product safety form
(/ops/products/N/safety). Sellers never edit the shared catalogue.

Access comes from the areas (storefront.web.areas): SELLER_HANDLERS sit in the seller portal, whose reads are
scoped to `seller_id` (another seller's request answers 404, like a missing one); OPS_HANDLERS in the console.
A form with problems comes back with 400, what was typed and each message next to its field; a success
redirects (303).
"""
from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from storefront.catalog import queries, request_views
from storefront.catalog import requests as catalogue
from storefront.catalog.requests import VARIANT_FIELDS
from storefront.catalog.safety import (
    EU_RESPONSIBLE_FIELDS,
    MANUFACTURER_FIELDS,
    PRODUCT_FIELDS,
    product_safety_form,
    read_safety,
    save_product_safety,
)
from storefront.catalog.states import (
    CATALOGUE_REQUEST_QUEUE_LABELS,
    CATALOGUE_REQUEST_STATUS_LABELS,
    CatalogueRequestStatus,
)
from storefront.errors import Refused
from storefront.moderation import referencing
from storefront.orders import seller_views
from storefront.settings import Settings
from storefront.web.inputs import Id
from storefront.web.viewer import Viewer

MAX_QUERY = 120
FORM_FIELDS = {"variant": VARIANT_FIELDS, "manufacturer": MANUFACTURER_FIELDS, "eu": EU_RESPONSIBLE_FIELDS,
               "product": PRODUCT_FIELDS}
SELLER_DONE = {"sent": "Your request is sent. We check it and e-mail you when the product is in the catalogue."}
OPS_DONE = {"corrected": "Your corrections are saved.",
            "approved": "Approved: the variant is in the catalogue and the seller has been told.",
            "refused": "Refused: the seller has been told why."}


def _form_context(values: dict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    return {"values": values, "errors": errors, "first_error": next(iter(errors), None), "fields": FORM_FIELDS}


async def _prefill(query: str) -> dict[str, str]:
    """"Galaxy S24 Ultra" as the model; "Samsung Galaxy S24" as the brand Samsung and the model Galaxy S24."""
    query = " ".join(query.split())[:MAX_QUERY]
    for brand in await queries.brands():
        name = brand["name"]
        if query.casefold().startswith(name.casefold() + " "):
            return {"brand_name": name, "model_name": query[len(name) + 1:]}
    return {"model_name": query} if query else {}


# Seller portal


async def _seller_form(seller_id: int, values: dict[str, str], errors: dict[str, str], *,
                       status_code: int = 200) -> Template:
    return Template(template_name="pages/seller/catalogue_request_new.html", status_code=status_code, context={
        "seller": await seller_views.seller_profile(seller_id), "section": "catalogue",
        "categories": await request_views.category_choices(), **_form_context(values, errors)})


@get("/catalogue-requests", name="seller_catalogue_requests")
async def seller_requests(seller_id: NamedDependency[int]) -> Template:
    return Template(template_name="pages/seller/catalogue_requests.html", context={
        "seller": await seller_views.seller_profile(seller_id), "section": "catalogue",
        "requests": await request_views.seller_requests(seller_id),
        "status_labels": CATALOGUE_REQUEST_STATUS_LABELS})


@get("/catalogue-requests/new", name="seller_catalogue_request_new")
async def seller_request_form(seller_id: NamedDependency[int], q: FromQuery[str | None] = None) -> Template:
    return await _seller_form(seller_id, await _prefill(q or ""), {})


@post("/catalogue-requests", name="seller_catalogue_request_submit")
async def seller_request_submit(seller_id: NamedDependency[int], request: Request) -> Template | Redirect:
    data = catalogue.read_request_form(await request.form())
    errors = data.problems()
    if not errors:
        try:
            request_id = await catalogue.submit_request(seller_id, data)
        except Refused as refused:
            errors = refused.problems
        else:
            return Redirect(f"/seller/catalogue-requests/{request_id}?done=sent", status_code=303)
    return await _seller_form(seller_id, data.values(), errors, status_code=400)


@get("/catalogue-requests/{request_id:int}", name="seller_catalogue_request")
async def seller_request_page(request_id: Id, seller_id: NamedDependency[int],
                              done: FromQuery[str | None] = None) -> Template:
    row = await request_views.seller_request(seller_id, request_id)
    return Template(template_name="pages/seller/catalogue_request.html", context={
        "seller": await seller_views.seller_profile(seller_id), "section": "catalogue", "catalogue_request": row,
        "status_labels": CATALOGUE_REQUEST_STATUS_LABELS, "done": SELLER_DONE.get(done or ""),
        "fields": FORM_FIELDS})


# Operator console


@get("/catalogue-requests", name="ops_catalogue_requests")
async def ops_queue(status: FromQuery[str | None] = None) -> Template:
    shown = status if status in CATALOGUE_REQUEST_QUEUE_LABELS else CatalogueRequestStatus.pending
    return Template(template_name="pages/ops/catalogue_requests.html", context={
        "rows": await request_views.request_queue(shown), "shown": shown, "counts": await request_views.queue_counts(),
        "status_labels": CATALOGUE_REQUEST_QUEUE_LABELS, "section": "catalogue", "done": None})


async def _ops_page(request_id: int, *, values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                    refuse_values: dict[str, str] | None = None, refuse_errors: dict[str, str] | None = None,
                    done: str | None = None, status_code: int = 200) -> Template:
    row = await request_views.request_for_operator(request_id)
    shown = values if values is not None else catalogue.input_from_row(row).values()
    return Template(template_name="pages/ops/catalogue_request.html", status_code=status_code, context={
        "catalogue_request": row, "categories": await request_views.category_choices(), "section": "catalogue",
        "refuse_values": refuse_values or {}, "refuse_errors": refuse_errors or {},
        "done": OPS_DONE.get(done or ""), "reason_max": catalogue.REASON_MAX,
        "status_labels": CATALOGUE_REQUEST_QUEUE_LABELS,
        **_form_context(shown, errors or {})})


@get("/catalogue-requests/{request_id:int}", name="ops_catalogue_request")
async def ops_request_page(request_id: Id, done: FromQuery[str | None] = None) -> Template:
    return await _ops_page(request_id, done=done)


@post("/catalogue-requests/{request_id:int}/correct", name="ops_catalogue_request_correct")
async def ops_request_correct(request_id: Id, request: Request, viewer: NamedDependency[Viewer]
                              ) -> Template | Redirect:
    await request_views.request_for_operator(request_id)
    data = catalogue.read_request_form(await request.form())
    try:
        await catalogue.correct_request(request_id, data, operator_id=viewer.signed_in_account["id"])
    except Refused as refused:
        return await _ops_page(request_id, values=data.values(), errors=refused.problems, status_code=400)
    return Redirect(f"/ops/catalogue-requests/{request_id}?done=corrected", status_code=303)


@post("/catalogue-requests/{request_id:int}/approve", name="ops_catalogue_request_approve")
async def ops_request_approve(request_id: Id, request: Request, viewer: NamedDependency[Viewer],
                              settings: NamedDependency[Settings]) -> Template | Redirect:
    await request_views.request_for_operator(request_id)
    data = catalogue.read_request_form(await request.form())
    try:
        await catalogue.approve_request(request_id, data, operator_id=viewer.signed_in_account["id"],
                                        settings=settings)
    except Refused as refused:
        return await _ops_page(request_id, values=data.values(), errors=refused.problems, status_code=400)
    return Redirect(f"/ops/catalogue-requests/{request_id}?done=approved", status_code=303)


@post("/catalogue-requests/{request_id:int}/refuse", name="ops_catalogue_request_refuse")
async def ops_request_refuse(request_id: Id, request: Request, viewer: NamedDependency[Viewer],
                             settings: NamedDependency[Settings]) -> Template | Redirect:
    await request_views.request_for_operator(request_id)
    form = await request.form()
    reason = str(form.get("reason") or "")
    try:
        await catalogue.refuse_request(request_id, reason, operator_id=viewer.signed_in_account["id"],
                                       settings=settings)
    except Refused as refused:
        return await _ops_page(request_id, refuse_values={"reason": reason[:catalogue.REASON_MAX * 2]},
                               refuse_errors=refused.problems, status_code=400)
    return Redirect(f"/ops/catalogue-requests/{request_id}?done=refused", status_code=303)


# The operator's product safety form


async def _safety_page(model_id: int, values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                       *, status_code: int = 200) -> Template:
    case = await referencing.product_case(model_id)
    shown = values if values is not None else product_safety_form(case["model"])
    return Template(template_name="pages/ops/product_safety.html", status_code=status_code, context={
        "model": case["model"], "section": "products", "done": None, **_form_context(shown, errors or {})})


@get("/products/{model_id:int}/safety", name="ops_product_safety")
async def ops_product_safety(model_id: Id) -> Template:
    return await _safety_page(model_id)


@post("/products/{model_id:int}/safety", name="ops_product_safety_save")
async def ops_product_safety_save(model_id: Id, request: Request, viewer: NamedDependency[Viewer]
                                  ) -> Template | Redirect:
    await referencing.product_case(model_id)
    safety = read_safety(await request.form())
    try:
        await save_product_safety(model_id, safety, operator_id=viewer.signed_in_account["id"])
    except Refused as refused:
        return await _safety_page(model_id, dict(safety.fields), refused.problems, status_code=400)
    return Redirect(f"/ops/products/{model_id}?done=safety_saved", status_code=303)


SELLER_HANDLERS = [seller_requests, seller_request_form, seller_request_submit, seller_request_page]
OPS_HANDLERS = [ops_queue, ops_request_page, ops_request_correct, ops_request_approve, ops_request_refuse,
                ops_product_safety, ops_product_safety_save]
