"""The seller portal under /seller/: a seller user's dashboard, orders, claims and monthly statements.

Who gets in: signed-in seller users only, by the seller area's guard (storefront.web.areas). Anonymous
visitors are sent to sign in and back (303), other accounts get a 403 page. Every handler takes `seller_id`,
and every read, in `storefront.orders.seller_views`, is scoped to it: another seller's order answers 404,
exactly like a missing one.

Every state change goes through `storefront.orders.transitions`. A refused move or a bad form comes
back with 400, the message next to its form and what was typed kept; a success redirects (303) back to
the order. The seller sees an order once it is paid: before that it is not an order for them yet.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template

from storefront.documents.service import seller_downloads
from storefront.errors import Refused
from storefront.moderation import referencing
from storefront.moderation.decisions import audit
from storefront.orders import seller_views, transitions
from storefront.orders.claims import RESOLUTION_LABELS
from storefront.orders.seller_views import STATUS_NAMES, VISIBLE_STATUSES
from storefront.orders.statements import monthly_statement, shift_month
from storefront.orders.transitions import TransitionError
from storefront.returns import views as returns
from storefront.sellers import figures
from storefront.sellers import services as sellers
from storefront.settings import Settings
from storefront.web.documents import seller_document_links
from storefront.web.htmx import page_or_fragment
from storefront.web.inputs import Id
from storefront.web.viewer import Viewer

ORDERS_PER_PAGE = 25
MAX_REASON_LENGTH = 500
ACTIONS = {"pending": ("accept", "refuse"), "accepted": ("ship",), "shipped": ("deliver",)}
DONE_MESSAGES = {
    "accept": "You confirmed the order: it is now a confirmed transaction. The buyer has been told.",
    "refuse": "You refused the order. The buyer is refunded and the stock is back on sale.",
    "ship": "Marked as shipped. The buyer has the carrier and the tracking number.",
    "deliver": "Marked as delivered.",
}
# The claim forms on the order page (storefront.web.claims): their errors sit next to their fields.
CLAIM_FORMS = ("propose", "sent")
CLAIM_DONE = {
    "propose": "Your proposal was sent to the buyer, who accepts it or asks Encore's team to decide.",
    "sent": "Marked as sent back: the claim is resolved and the buyer has the tracking number.",
}
PERIOD = re.compile(r"(\d{4})-(\d{2})")


def portal_seller(viewer: NamedDependency[Viewer]) -> int:
    """The seller whose data this request may see: the area's guard has already let only seller users in."""
    return viewer.signed_in_account["seller"]


def _period(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def _this_month() -> tuple[int, int]:
    today = dt.datetime.now(dt.UTC).date()
    return today.year, today.month


# Pages


def _figures(seller: dict[str, Any], delivered: int) -> dict[str, Any]:
    return {
        "computed": delivered >= figures.MIN_DELIVERED_ORDERS,
        "delivered": delivered,
        "threshold": figures.MIN_DELIVERED_ORDERS,
        # The rating and the rates themselves reach the page through the charter checks.
        "rating_count": seller["rating_count"],
    }


@get("/", name="seller_dashboard")
async def dashboard(seller_id: NamedDependency[int], settings: NamedDependency[Settings]) -> Template:
    seller = await seller_views.seller_profile(seller_id)
    counts = await seller_views.status_counts(seller_id)
    year, month = _this_month()
    return Template(template_name="pages/seller/dashboard.html", context={
        "seller": seller,
        "section": "dashboard",
        "counts": [{"status": s, "name": STATUS_NAMES[s], "count": counts[s]} for s in VISIBLE_STATUSES],
        "to_accept": await seller_views.orders_to_accept(seller_id),
        "to_accept_count": counts["pending"],
        "returns_to_act": await returns.to_act_count(seller_id),
        "open_claims": await seller_views.open_claims(seller_id),
        "figures": _figures(seller, await seller_views.delivered_count(seller_id)),
        "statement_period": _period(year, month),
        "statement_label": dt.date(year, month, 1).strftime("%B %Y"),
        "charter": referencing.charter_checks(seller, settings.quality_charter),
        "gaps": referencing.traceability_gaps(seller),
        "decisions": await referencing.decisions_for_seller(seller_id),
        "now": dt.datetime.now(dt.UTC),
    })


@get("/orders", name="seller_orders")
async def orders(request: Request, seller_id: NamedDependency[int], status: FromQuery[str | None] = None,
                 page: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1) -> Template:
    chosen = status if status in STATUS_NAMES else None
    rows, total = await seller_views.orders_page(seller_id, chosen, page, ORDERS_PER_PAGE)
    pages = max(1, -(-total // ORDERS_PER_PAGE))
    counts = await seller_views.status_counts(seller_id)

    def url(**changes: Any) -> str:
        params = {"status": chosen, "page": page, **changes}
        query = "&".join(f"{k}={v}" for k, v in params.items() if v and not (k == "page" and v == 1))
        return "/seller/orders" + (f"?{query}" if query else "")

    return page_or_fragment(request, "pages/seller/orders.html", "pages/seller/_orders_list.html", {
        "seller": await seller_views.seller_profile(seller_id),
        "section": "orders",
        "orders": rows,
        "total": total,
        "page": page,
        "pages": pages,
        "chosen": chosen,
        "tabs": [{"name": "All", "url": url(status=None, page=1), "count": sum(counts.values()), "current": not chosen}]
        + [{"name": STATUS_NAMES[s], "url": url(status=s, page=1), "count": counts[s], "current": s == chosen}
           for s in VISIBLE_STATUSES],
        "previous_url": url(page=page - 1) if page > 1 else None,
        "next_url": url(page=page + 1) if page < pages else None,
    })


async def render_order_page(seller_id: int, seller_order_id: int, *, status_code: int = 200,
                            error_form: str | None = None, error: str | None = None,
                            values: dict[str, Any] | None = None, done: str | None = None,
                            settings: Settings | None = None) -> Template:
    """The seller's order page; storefront.web.claims renders it too, with a claim form's errors."""
    view = await seller_views.seller_order_view(seller_id, seller_order_id)
    if view is None:
        raise NotFoundException()
    seller_order, commission = view.seller_order, view.commission_cents
    actions = ACTIONS.get(seller_order["status"], ())
    return Template(template_name="pages/seller/order.html", status_code=status_code, context={
        "seller": await seller_views.seller_profile(seller_id),
        "section": "orders",
        "seller_order": seller_order,
        "status_name": STATUS_NAMES[seller_order["status"]],
        "order": view.order,
        "lines": view.lines,
        "events": view.events,
        "claims": view.claims,
        "returns": await returns.returns_of_seller_order(seller_id, seller_order_id),
        "actions": actions,
        "commission_cents": commission,
        "refunds": view.refunds,
        "net_cents": None if commission is None else seller_order["total_cents"] - commission - sum(
            r.amount_cents - r.commission_reversed_cents for r in view.refunds),
        "error_form": error_form,
        "error": error,
        # A refused move whose form is no longer shown (accepting twice) gets its message above the actions.
        "general_error": error if error_form and error_form not in actions and error_form not in CLAIM_FORMS else None,
        "resolutions": RESOLUTION_LABELS,
        "left_to_refund_cents": view.left_to_refund_cents,
        "claim_answer_days": settings.claim_answer_days if settings else None,
        "values": values or {},
        "done": DONE_MESSAGES.get(done or ""),
        "claim_done": CLAIM_DONE.get(done or ""),
    })


@get("/orders/{seller_order_id:int}", name="seller_order")
async def order_page(seller_order_id: Id, seller_id: NamedDependency[int], settings: NamedDependency[Settings],
                     done: FromQuery[str | None] = None) -> Template:
    return await render_order_page(seller_id, seller_order_id, done=done, settings=settings)


# Actions: each calls its transition, then redirects back to the order (POST, redirect, GET)


def _field(form: Any, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _back_to(seller_order_id: int, done: str) -> Redirect:
    return Redirect(f"/seller/orders/{seller_order_id}", status_code=303, query_params={"done": done})


async def _act(seller_id: int, seller_order_id: int, action: str, move: Callable[[], Awaitable[Any]],
               values: dict[str, Any] | None = None) -> Template | Redirect:
    if await seller_views.visible_seller_order(seller_id, seller_order_id) is None:
        raise NotFoundException()  # anyone else's order, before anything moves
    try:
        await move()
    except TransitionError as refused:
        return await render_order_page(seller_id, seller_order_id, status_code=400, error_form=action,
                                       error=str(refused), values=values)
    return _back_to(seller_order_id, action)


@post("/orders/{seller_order_id:int}/accept", name="seller_order_accept")
async def accept(seller_order_id: Id, seller_id: NamedDependency[int],
                 settings: NamedDependency[Settings]) -> Template | Redirect:
    return await _act(seller_id, seller_order_id, "accept",
                      lambda: transitions.accept(seller_order_id, seller_id=seller_id, settings=settings))


@post("/orders/{seller_order_id:int}/refuse", name="seller_order_refuse")
async def refuse(request: Request, seller_order_id: Id, seller_id: NamedDependency[int],
                 settings: NamedDependency[Settings]) -> Template | Redirect:
    reason = _field(await request.form(), "reason").strip()
    if len(reason) > MAX_REASON_LENGTH:
        return await render_order_page(seller_id, seller_order_id, status_code=400, error_form="refuse",
                                       error=f"Keep the reason to {MAX_REASON_LENGTH} characters or fewer.",
                                 values={"reason": reason})
    return await _act(seller_id, seller_order_id, "refuse", lambda: transitions.refuse(
        seller_order_id, seller_id=seller_id, settings=settings, reason=reason), {"reason": reason})


@post("/orders/{seller_order_id:int}/ship", name="seller_order_ship")
async def ship(request: Request, seller_order_id: Id, seller_id: NamedDependency[int],
               settings: NamedDependency[Settings]) -> Template | Redirect:
    form = await request.form()
    values = {"carrier": _field(form, "carrier").strip()[:60], "tracking_number": _field(form, "tracking_number")
              .strip()[:60]}
    return await _act(seller_id, seller_order_id, "ship", lambda: transitions.ship(
        seller_order_id, seller_id=seller_id, settings=settings, carrier=values["carrier"],
        tracking_number=values["tracking_number"]), values)


@post("/orders/{seller_order_id:int}/deliver", name="seller_order_deliver")
async def deliver(seller_order_id: Id, seller_id: NamedDependency[int],
                  settings: NamedDependency[Settings]) -> Template | Redirect:
    return await _act(seller_id, seller_order_id, "deliver", lambda: transitions.deliver(
        seller_order_id, seller_id=seller_id, settings=settings))


# Statements


@get("/statements", name="seller_statements")
async def statements_now(seller_id: NamedDependency[int]) -> Redirect:
    return Redirect(f"/seller/statements/{_period(*_this_month())}", status_code=303)


@get("/statements/{period:str}", name="seller_statement")
async def statement_page(period: FromPath[str], seller_id: NamedDependency[int],
                         settings: NamedDependency[Settings]) -> Template:
    match = PERIOD.fullmatch(period)
    year, month = (int(match[1]), int(match[2])) if match else (0, 0)
    if not (year >= 2000 and 1 <= month <= 12) or (year, month) > _this_month():
        raise NotFoundException()
    statement = await monthly_statement(seller_id, year, month, settings)
    previous, following = shift_month(year, month, -1), shift_month(year, month, 1)
    # Numbered documents exist for closed months only: the open month's page offers the last closed one's.
    downloads = await seller_downloads(seller_id, year, month)
    documents_of = (year, month) if downloads.closed else previous
    if not downloads.closed:
        downloads = await seller_downloads(seller_id, *previous)
    return Template(template_name="pages/seller/statement.html", context={
        "seller": await seller_views.seller_profile(seller_id),
        "section": "statements",
        "statement": statement,
        "payout_delay_days": settings.payouts.delay_days,
        "documents": seller_document_links(_period(*documents_of), downloads),
        "documents_label": dt.date(*documents_of, 1).strftime("%B %Y"),
        "month_open": documents_of != (year, month),
        "label": statement.first_day.strftime("%B %Y"),
        "previous": {"url": f"/seller/statements/{_period(*previous)}",
                     "label": dt.date(*previous, 1).strftime("%B %Y")},
        "next": {"url": f"/seller/statements/{_period(*following)}", "label": dt.date(*following, 1).strftime("%B %Y")}
        if following <= _this_month() else None,
    })


COMPANY_DONE = "Your details are saved. We check them before referencing your shop; you will get an e-mail."


def _company_page(seller: dict[str, Any], values: dict[str, str], errors: dict[str, str], *, saved: bool = False,
                  status_code: int = 200) -> Template:
    return Template(template_name="pages/seller/company.html", status_code=status_code, context={
        "seller": seller, "section": "company", "fields": sellers.TRACEABILITY_FIELDS, "values": values,
        "errors": errors, "first_error": next(iter(errors), None), "saved": saved,
        "editable": seller["status"] == "pending"})


@get("/company", name="seller_company")
async def company(seller_id: NamedDependency[int], request: Request) -> Template:
    seller = await seller_views.seller_profile(seller_id)
    values = {name: str(seller[name] or "") for name in sellers.TRACEABILITY_FIELDS}
    values["self_certified"] = "yes" if seller["self_certified"] else ""
    if seller["status"] != "pending" and values["payment_account"]:
        values["payment_account"] = sellers.masked_iban(values["payment_account"])
    return _company_page(seller, values, {}, saved=request.query_params.get("saved") == "1")


@post("/company", name="seller_company_save")
async def company_save(seller_id: NamedDependency[int], request: Request,
                       viewer: NamedDependency[Viewer]) -> Template | Redirect:
    seller = await seller_views.seller_profile(seller_id)
    form = await request.form()
    details = sellers.read_company_form({name: _field(form, name) for name in (*sellers.TRACEABILITY_FIELDS,
                                                                               "self_certified")})
    values = {**details.stored(), "self_certified": "yes" if details.self_certified else ""}
    errors = details.problems()
    if seller["status"] != "pending":
        errors["form"] = ("Your shop is referenced: to change these checked details, write to us through the "
                          "contact form.")
    if not errors:
        try:
            await sellers.update_traceability(seller_id, details)
        except Refused as refused:
            errors = refused.problems
    if errors:
        return _company_page(seller, values, errors, status_code=400)
    await audit(viewer.signed_in_account["id"], "traceability given", "seller", seller_id,
                "the seller completed its details")
    return Redirect("/seller/company?saved=1", status_code=303)


HANDLERS = [dashboard, orders, order_page, accept, refuse, ship, deliver, statements_now, statement_page,
            company, company_save]
