"""The console's catalogue side: sellers to reference, dereference or reinstate, products to dereference, and
the audit log, which the console can read and page through but never edit."""
from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect, Template

from storefront.catalog import console_views as products
from storefront.catalog.safety import EU_RESPONSIBLE_FIELDS, SAFETY_FIELDS, safety_of
from storefront.errors import Refused
from storefront.inputs import parse_page
from storefront.moderation import referencing
from storefront.moderation.console_views import audit_page
from storefront.sellers import console_views as sellers
from storefront.sellers.services import masked_iban
from storefront.settings import Settings
from storefront.web.inputs import Id
from storefront.web.viewer import Viewer

SELLER_FILTERS = {"pending": "Waiting to be referenced", "referenced": "Referenced", "notice": "Notice running",
                  "dereferenced": "Dereferenced", "all": "All"}
AUDIT_PAGE_SIZE = 50
MAX_PAGE = 100_000
DONE = {"referenced": "The seller is referenced: its offers are on sale.",
        "notice": "Notice given: the seller stays on sale until the date shown, then leaves the store.",
        "dereferenced": "The seller is dereferenced: its offers have left search and product pages.",
        "reinstated": "Reinstated: the offers are back on sale.",
        "product_dereferenced": "The product is dereferenced: its page answers 410 and it has left search.",
        "product_reinstated": "The product is back on the store.",
        "safety_saved": "The product safety information is saved: every listing of the product shows it."}


def _form_text(form: Any, name: str) -> str:
    return str(form.get(name) or "").replace("\r\n", "\n").strip()


def _page_number(request: Request) -> int:
    return parse_page(request.query_params.get("page"), MAX_PAGE)


@get("/sellers", name="ops_sellers")
async def ops_sellers(request: Request, settings: NamedDependency[Settings]) -> Template:
    shown = request.query_params.get("status") or "pending"
    shown = shown if shown in SELLER_FILTERS else "pending"
    rows = [{"seller": s, "gaps": referencing.traceability_gaps(s),
             "breaches": [c for c in referencing.charter_checks(s, settings.quality_charter) if c.breached]}
            for s in await sellers.sellers_shown(shown)]
    return Template(template_name="pages/ops/sellers.html", context={
        "rows": rows, "filters": SELLER_FILTERS, "shown": shown, "counts": await sellers.seller_filter_counts(),
        "section": "sellers",
        "done": None})


async def _seller_case(seller_id: int) -> dict[str, Any]:
    return await referencing.seller_case(seller_id)


async def _seller_page(request: Request, seller_id: int, settings: Settings, *, form: str = "",
                       values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                       status_code: int = 200) -> Template:
    case = await _seller_case(seller_id)
    return Template(template_name="pages/ops/seller.html", status_code=status_code, context={
        **case, "charter": referencing.charter_checks(case["seller"], settings.quality_charter),
        "breach_grounds": referencing.BREACH_GROUNDS, "notice_days": settings.seller_termination_notice_days,
        "form": form, "values": values or {}, "errors": errors or {}, "facts_max": referencing.FACTS_MAX,
        "masked_iban": masked_iban, "done": DONE.get(request.query_params.get("done") or ""), "section": "sellers"})


@get("/sellers/{seller_id:int}", name="ops_seller")
async def ops_seller(seller_id: Id, request: Request, settings: NamedDependency[Settings]) -> Template:
    return await _seller_page(request, seller_id, settings)


@post("/sellers/{seller_id:int}/reference", name="ops_seller_reference")
async def ops_seller_reference(seller_id: Id, request: Request, settings: NamedDependency[Settings],
                               viewer: NamedDependency[Viewer]
                               ) -> Template | Redirect:
    account = viewer.signed_in_account
    await _seller_case(seller_id)
    try:
        await referencing.reference_seller(seller_id, operator_id=account["id"], settings=settings)
    except Refused as refused:
        return await _seller_page(request, seller_id, settings, form="reference",
                                  errors={"reference": refused.message}, status_code=400)
    return Redirect(path=f"/ops/sellers/{seller_id}?done=referenced", status_code=303)


@post("/sellers/{seller_id:int}/terminate", name="ops_seller_terminate")
async def ops_seller_terminate(seller_id: Id, request: Request, settings: NamedDependency[Settings],
                               viewer: NamedDependency[Viewer]
                               ) -> Template | Redirect:
    account = viewer.signed_in_account
    await _seller_case(seller_id)
    form = await request.form()
    values = {name: _form_text(form, name) for name in ("kind", "ground", "facts")}
    try:
        await referencing.terminate_seller(seller_id, kind=values["kind"], ground=values["ground"],
                                           facts=values["facts"], operator_id=account["id"], settings=settings)
    except Refused as refused:
        return await _seller_page(request, seller_id, settings, form="terminate", values=values,
                                  errors={refused.field: refused.message}, status_code=400)
    done = "notice" if values["kind"] == "convenience" else "dereferenced"
    return Redirect(path=f"/ops/sellers/{seller_id}?done={done}", status_code=303)


@post("/sellers/{seller_id:int}/reinstate", name="ops_seller_reinstate")
async def ops_seller_reinstate(seller_id: Id, request: Request, settings: NamedDependency[Settings],
                               viewer: NamedDependency[Viewer]
                               ) -> Template | Redirect:
    account = viewer.signed_in_account
    await _seller_case(seller_id)
    values = {"note": _form_text(await request.form(), "note")[:referencing.FACTS_MAX]}
    try:
        await referencing.reinstate_seller(seller_id, operator_id=account["id"], note=values["note"],
                                           settings=settings)
    except Refused as refused:
        return await _seller_page(request, seller_id, settings, form="reinstate", values=values,
                                  errors={"reinstate": refused.message}, status_code=400)
    return Redirect(path=f"/ops/sellers/{seller_id}?done=reinstated", status_code=303)


@get("/products", name="ops_products")
async def ops_products(request: Request) -> Template:
    """Products found by name, and every dereferenced product so none is forgotten."""
    query = (request.query_params.get("q") or "").strip()[:100]
    found = await products.products_named(query) if query else []
    return Template(template_name="pages/ops/products.html", context={
        "query": query, "found": found, "dereferenced": await products.dereferenced_products(),
        "section": "products", "done": None})


async def _product_page(request: Request, model_id: int, *, form: str = "", values: dict[str, str] | None = None,
                        errors: dict[str, str] | None = None, status_code: int = 200) -> Template:
    case = await referencing.product_case(model_id)
    return Template(template_name="pages/ops/product.html", status_code=status_code, context={
        **case, "slug": await products.product_page_slug(model_id),
        "live_offers": await products.offers_on_sale(model_id),
        "grounds": referencing.PRODUCT_GROUNDS, "form": form, "values": values or {}, "errors": errors or {},
        "facts_max": referencing.FACTS_MAX, "done": DONE.get(request.query_params.get("done") or ""),
        "section": "products", "safety": safety_of(case["model"]),
        "safety_labels": {name: label for name, (label, _) in SAFETY_FIELDS.items()},
        "eu_fields": EU_RESPONSIBLE_FIELDS})


@get("/products/{model_id:int}", name="ops_product")
async def ops_product(model_id: Id, request: Request) -> Template:
    return await _product_page(request, model_id)


@post("/products/{model_id:int}/dereference", name="ops_product_dereference")
async def ops_product_dereference(model_id: Id, request: Request, settings: NamedDependency[Settings],
                                  viewer: NamedDependency[Viewer]
                                  ) -> Template | Redirect:
    account = viewer.signed_in_account
    form = await request.form()
    values = {name: _form_text(form, name) for name in ("ground", "facts")}
    try:
        await referencing.dereference_product(model_id, ground=values["ground"], facts=values["facts"],
                                              operator_id=account["id"], settings=settings)
    except Refused as refused:
        return await _product_page(request, model_id, form="dereference", values=values,
                                   errors={refused.field: refused.message}, status_code=400)
    return Redirect(path=f"/ops/products/{model_id}?done=product_dereferenced", status_code=303)


@post("/products/{model_id:int}/reinstate", name="ops_product_reinstate")
async def ops_product_reinstate(model_id: Id, request: Request, viewer: NamedDependency[Viewer]
                               ) -> Template | Redirect:
    account = viewer.signed_in_account
    values = {"note": _form_text(await request.form(), "note")[:referencing.FACTS_MAX]}
    try:
        await referencing.reinstate_product(model_id, operator_id=account["id"], note=values["note"])
    except Refused as refused:
        return await _product_page(request, model_id, form="reinstate", values=values,
                                   errors={"reinstate": refused.message}, status_code=400)
    return Redirect(path=f"/ops/products/{model_id}?done=product_reinstated", status_code=303)


@get("/audit", name="ops_audit")
async def ops_audit(request: Request) -> Template:
    """Newest first, fifty a page. There is deliberately no route that changes an entry, and the database
    refuses UPDATE and DELETE on the table (see the moderation migrations)."""
    page = _page_number(request)
    entries, total = await audit_page(page, AUDIT_PAGE_SIZE)
    pages = max(1, -(-total // AUDIT_PAGE_SIZE))
    return Template(template_name="pages/ops/audit.html", context={
        "entries": entries, "page": min(page, pages), "pages": pages, "total": total, "section": "audit",
        "done": None})


HANDLERS = [ops_sellers, ops_seller, ops_seller_reference, ops_seller_terminate, ops_seller_reinstate, ops_products,
            ops_product, ops_product_dereference, ops_product_reinstate, ops_audit]
