"""My orders: the buyer's order list, one order with its history and guarantees, and "Get help" (a claim).

Every page needs a signed-in account; someone else's order answers 404, like a missing one.
"""
from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from storefront.errors import Refused
from storefront.inputs import parse_id
from storefront.orders import history, transitions
from storefront.orders.history import OrderDetail
from storefront.orders.transitions import CLAIM_REASONS, MAX_CLAIM_MESSAGE, ClaimInput, TransitionError
from storefront.payments import attempts
from storefront.payments.provider import PaymentProvider
from storefront.returns import views as returns
from storefront.settings import Settings
from storefront.web.htmx import wants_fragment
from storefront.web.inputs import Id
from storefront.web.viewer import Viewer


def _int(value: Any) -> int | None:
    return parse_id(str(value or "").strip())


@get("/account/orders", name="my_orders")
async def my_orders(request: Request, viewer: NamedDependency[Viewer]) -> Template:
    account_id = viewer.signed_in_account["id"]
    count = await history.count_orders(account_id)
    pages = max(1, -(-count // history.ORDERS_PER_PAGE))
    page = min(_int(request.query_params.get("page")) or 1, pages)
    orders = await history.orders_of(account_id, page=page)
    part_ids = [part.id for order in orders for part in order.seller_orders]
    return Template(template_name="pages/account/orders.html", context={
        "orders": orders, "page": page, "pages": pages, "count": count,
        "return_states": await returns.latest_states(account_id, part_ids),
    })


async def _detail_or_404(viewer: Viewer, reference: str, settings: Settings) -> OrderDetail:
    detail = await history.order_detail(viewer.signed_in_account["id"], reference, settings)
    if detail is None:
        raise NotFoundException()
    return detail


def order_context(detail: OrderDetail, *, help_form: dict[str, Any] | None = None,
                  sent_to: int | None = None, cancelled: int | None = None,
                  cancel_error: tuple[int, str] | None = None,
                  return_panels: dict[int, returns.BuyerPanel] | None = None,
                  return_flash: tuple[int, str] | None = None) -> dict[str, Any]:
    """What the order page needs; storefront.web.claims adds the answer to a claim's proposal."""
    return {"order": detail, "reasons": CLAIM_REASONS, "max_message": MAX_CLAIM_MESSAGE,
            "help_form": help_form, "sent_to": sent_to, "cancelled": cancelled, "cancel_error": cancel_error,
            "return_panels": return_panels or {}, "return_flash": return_flash}


@get("/account/orders/{reference:str}", name="my_order")
async def my_order(reference: FromPath[str], request: Request, settings: NamedDependency[Settings],
                   viewer: NamedDependency[Viewer]) -> Template:
    detail = await _detail_or_404(viewer, reference, settings)
    sent_to = _int(request.query_params.get("help_sent"))
    cancelled = _int(request.query_params.get("cancelled"))
    # After a withdrawal step: which part, and what happened (storefront.web.returns).
    flash = next(((part, outcome) for outcome in ("returned", "return_cancelled", "return_unchanged")
                  if (part := _int(request.query_params.get(outcome))) and detail.seller_order(part)), None)
    claim_done = request.query_params.get("claim_done")
    return Template(template_name="pages/account/order.html", context={**order_context(
        detail, sent_to=sent_to if detail.seller_order(sent_to or 0) else None,
        cancelled=cancelled if detail.seller_order(cancelled or 0) else None,
        return_panels=await returns.panels_for_order(viewer.signed_in_account["id"], reference, settings),
        return_flash=flash),
        # After an answer to a claim (storefront.web.claims): the page says what happened.
        "claim_done": claim_done if claim_done in ("accept", "refuse", "withdraw") else None})


@post("/account/orders/{reference:str}/help", name="my_order_help")
async def get_help(reference: FromPath[str], request: Request, settings: NamedDependency[Settings],
                   viewer: NamedDependency[Viewer]) -> Response:
    account_id = viewer.signed_in_account["id"]
    detail = await _detail_or_404(viewer, reference, settings)
    form = await request.form()
    seller_order = detail.seller_order(_int(form.get("seller_order_id")) or 0)
    if seller_order is None:
        raise NotFoundException()
    reason, message = str(form.get("reason") or ""), str(form.get("message") or "")
    help_form: dict[str, Any] = {"seller_order_id": seller_order.id, "reason": reason, "message": message,
                                 "errors": ClaimInput(reason, message).problems(), "error": None}
    if not help_form["errors"]:
        try:
            await transitions.open_claim(seller_order.id, account_id=account_id, reason=reason, message=message,
                                         settings=settings)
        except Refused as refused:
            if refused.field == "claim":
                # The state of the order forbids it: say why in the buyer's words when we have them.
                help_form["error"] = seller_order.help_unavailable or refused.message
            else:
                help_form["errors"] = refused.problems
    if help_form["errors"] or help_form["error"]:
        if wants_fragment(request):
            return Template(template_name="partials/claim_form.html", status_code=422,
                            context={**order_context(detail, help_form=help_form), "so": seller_order})
        return Template(template_name="pages/account/order.html", status_code=400,
                        context=order_context(detail, help_form=help_form))
    if wants_fragment(request):
        fresh = await _detail_or_404(viewer, reference, settings)
        return Template(template_name="partials/claim_form.html",
                        context={**order_context(fresh, sent_to=seller_order.id),
                                 "so": fresh.seller_order(seller_order.id)})
    return Redirect(path=f"/account/orders/{detail.reference}?help_sent={seller_order.id}"
                         f"#seller-order-{seller_order.id}", status_code=303)


@post("/account/orders/{reference:str}/pay", name="my_order_pay")
async def pay_later(reference: FromPath[str], settings: NamedDependency[Settings],
                    provider: NamedDependency[PaymentProvider], viewer: NamedDependency[Viewer]) -> Redirect:
    """Back to the provider's page for the order's open payment, the same one a declined card left open."""
    detail = await _detail_or_404(viewer, reference, settings)
    payment_reference = await attempts.open_payment_of(detail.id) if detail.awaiting_payment else None
    if payment_reference is None:
        # Paid, cancelled or expired in the meantime: the order page says which.
        return Redirect(path=f"/account/orders/{detail.reference}", status_code=303)
    return Redirect(path=provider.checkout_url(payment_reference), status_code=303)


@post("/account/orders/{reference:str}/cancel", name="my_order_cancel")
async def cancel_unpaid(reference: FromPath[str], settings: NamedDependency[Settings],
                        viewer: NamedDependency[Viewer]) -> Redirect:
    detail = await _detail_or_404(viewer, reference, settings)
    # Already paid or ended, the order stays as it is and its page says so.
    await transitions.cancel_unpaid(detail.id, account_id=viewer.signed_in_account["id"])
    return Redirect(path=f"/account/orders/{detail.reference}", status_code=303)


@post("/account/orders/{reference:str}/parts/{seller_order_id:int}/cancel", name="my_order_cancel_part")
async def cancel_part(reference: FromPath[str], seller_order_id: Id, settings: NamedDependency[Settings],
                      viewer: NamedDependency[Viewer]) -> Response:
    """The buyer cancels a paid part that is not shipped yet: refunded in full, the stock goes back on sale."""
    detail = await _detail_or_404(viewer, reference, settings)
    if detail.seller_order(seller_order_id) is None:
        raise NotFoundException()
    try:
        await transitions.cancel_by_buyer(seller_order_id, account_id=viewer.signed_in_account["id"],
                                          settings=settings)
    except TransitionError as refused:
        # Shipped (or refused) in the meantime: the page says what happened and what the buyer can do now.
        fresh = await _detail_or_404(viewer, reference, settings)
        return Template(template_name="pages/account/order.html", status_code=409,
                        context=order_context(fresh, cancel_error=(seller_order_id, str(refused))))
    return Redirect(path=f"/account/orders/{detail.reference}?cancelled={seller_order_id}"
                         f"#seller-order-{seller_order_id}", status_code=303)


HANDLERS = [my_orders, my_order, get_help, pay_later, cancel_unpaid, cancel_part]
