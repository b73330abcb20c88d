"""Withdrawal and returns over HTTP: the buyer's withdrawal function and confirmation step, the printable
label, the seller's returns, the operator's escalated returns, and the public model withdrawal form.

Access comes from the area each list is mounted in (storefront.web.areas): BUYER_HANDLERS in the account
area, SELLER_HANDLERS in the seller portal (`seller_id` scopes every read), OPS_HANDLERS in the console,
LEGAL_HANDLERS in the shop. Someone else's return or order answers 404 like a missing one. Every move goes
through `storefront.returns.service`; a refused one comes back with 400, the message next to its field and
what was typed kept; a success redirects (303).
"""
from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from storefront.errors import Refused
from storefront.legal.figures import legal_figures
from storefront.orders.seller_views import seller_profile
from storefront.returns import service, views
from storefront.returns.rules import REFUND_DAYS
from storefront.returns.service import MAX_REASON, RefundInput
from storefront.returns.states import ReturnKind, ReturnStatus
from storefront.settings import Settings
from storefront.web.inputs import Id
from storefront.web.viewer import Viewer

KIND_OF_PATH = {"withdraw": ReturnKind.withdrawal, "return": ReturnKind.return_}
SELLER_DONE = {
    "label": "The return label is issued; the buyer has it and can print it from the order.",
    "received": "Marked received. Check the item, then refund the buyer.",
    "refunded": "Refunded. The buyer and you have an e-mail; the refund shows on your statement.",
}
OPS_DONE = {"refunded": "The buyer is refunded; both sides have the reasons.",
            "closed": "The return is closed; both sides have the reasons."}


def _field(form: Any, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


# The buyer


async def _request_page(viewer: Viewer, reference: str, seller_order_id: int, path_kind: str, settings: Settings,
                        *, values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                        status_code: int = 200) -> Template:
    page = await views.request_page(viewer.signed_in_account["id"], reference, seller_order_id, settings)
    if page is None:
        raise NotFoundException()
    return Template(template_name="pages/account/return_request.html", status_code=status_code, context={
        "page": page, "kind": KIND_OF_PATH[path_kind], "path_kind": path_kind, "values": values or {},
        "errors": errors or {}, "max_reason": MAX_REASON, "withdrawal_days": settings.withdrawal_days,
        "return_window_days": settings.return_window_days, "refund_days": REFUND_DAYS})


PART = "/account/orders/{reference:str}/parts/{seller_order_id:int}"


@get(PART + "/withdraw", name="withdrawal_page")
async def withdrawal_page(reference: FromPath[str], seller_order_id: Id, settings: NamedDependency[Settings],
                          viewer: NamedDependency[Viewer]) -> Template:
    """The confirmation step behind "Withdraw from the contract here"."""
    return await _request_page(viewer, reference, seller_order_id, "withdraw", settings)


@get(PART + "/return", name="return_page")
async def return_page(reference: FromPath[str], seller_order_id: Id, settings: NamedDependency[Settings],
                      viewer: NamedDependency[Viewer]) -> Template:
    """The same step for a return after the withdrawal period, within the store's return window."""
    return await _request_page(viewer, reference, seller_order_id, "return", settings)


async def _request(request: Request, viewer: Viewer, reference: str, seller_order_id: int, path_kind: str,
                   settings: Settings) -> Template | Redirect:
    # The part must be the buyer's and delivered before anything else is said about it.
    await _request_page(viewer, reference, seller_order_id, path_kind, settings)
    reason = _field(await request.form(), "reason")
    try:
        await service.request(seller_order_id, account_id=viewer.signed_in_account["id"],
                              kind=KIND_OF_PATH[path_kind], reason=reason, settings=settings)
    except Refused as refused:
        return await _request_page(viewer, reference, seller_order_id, path_kind, settings,
                                   values={"reason": reason}, errors=refused.problems, status_code=400)
    return Redirect(f"/account/orders/{reference}?returned={seller_order_id}#return-{seller_order_id}",
                    status_code=303)


@post(PART + "/withdraw", name="withdraw")
async def withdraw(request: Request, reference: FromPath[str], seller_order_id: Id,
                   settings: NamedDependency[Settings], viewer: NamedDependency[Viewer]) -> Template | Redirect:
    return await _request(request, viewer, reference, seller_order_id, "withdraw", settings)


@post(PART + "/return", name="return_request")
async def request_return(request: Request, reference: FromPath[str], seller_order_id: Id,
                         settings: NamedDependency[Settings], viewer: NamedDependency[Viewer]) -> Template | Redirect:
    return await _request(request, viewer, reference, seller_order_id, "return", settings)


@post("/account/returns/{return_id:int}/cancel", name="return_cancel")
async def cancel_return(return_id: Id, settings: NamedDependency[Settings],
                        viewer: NamedDependency[Viewer]) -> Redirect:
    account_id = viewer.signed_in_account["id"]
    if await views.buyer_return(account_id, return_id) is None:
        raise NotFoundException()
    try:
        await service.cancel(return_id, account_id=account_id, settings=settings)
        outcome = "cancelled"
    except Refused:
        outcome = "unchanged"  # sent or decided meanwhile: the order page says where it stands
    ret = await views.buyer_return(account_id, return_id)
    assert ret is not None  # a return is never deleted
    return Redirect(f"/account/orders/{ret.reference}?return_{outcome}={ret.seller_order_id}"
                    f"#return-{ret.seller_order_id}", status_code=303)


@get("/account/returns/{return_id:int}/label", name="return_label_buyer")
async def buyer_label(return_id: Id, viewer: NamedDependency[Viewer]) -> Template:
    found = await views.label(return_id, account_id=viewer.signed_in_account["id"])
    if found is None:
        raise NotFoundException()
    return Template(template_name="pages/returns/label.html", context={"label": found, "back": (
        f"/account/orders/{found.reference}", f"Back to order {found.reference}")})


# The seller


@get("/returns", name="seller_returns")
async def seller_returns(seller_id: NamedDependency[int], status: FromQuery[str | None] = None) -> Template:
    chosen = status if status in {s.value for s in ReturnStatus} else None
    counts = await views.seller_counts(seller_id)
    return Template(template_name="pages/seller/returns.html", context={
        "seller": await seller_profile(seller_id), "section": "returns", "returns": await views.seller_returns(
            seller_id, chosen), "chosen": chosen, "counts": counts, "labels": views.STATUS_LABELS})


async def _seller_page(seller_id: int, return_id: int, *, done: str | None = None, errors: dict[str, str] | None = None,
                       values: dict[str, str] | None = None, status_code: int = 200) -> Template:
    ret = await views.seller_return(seller_id, return_id)
    if ret is None:
        raise NotFoundException()
    return Template(template_name="pages/seller/return.html", status_code=status_code, context={
        "seller": await seller_profile(seller_id), "section": "returns", "ret": ret,
        "done": SELLER_DONE.get(done or ""), "errors": errors or {}, "values": values or {}})


@get("/returns/{return_id:int}", name="seller_return")
async def seller_return(return_id: Id, seller_id: NamedDependency[int], done: FromQuery[str | None] = None) -> Template:
    return await _seller_page(seller_id, return_id, done=done)


@get("/returns/{return_id:int}/label", name="return_label_seller")
async def seller_label(return_id: Id, seller_id: NamedDependency[int]) -> Template:
    found = await views.label(return_id, seller_id=seller_id)
    if found is None:
        raise NotFoundException()
    return Template(template_name="pages/returns/label.html", context={"label": found, "back": (
        f"/seller/returns/{return_id}", "Back to the return")})


async def _seller_act(seller_id: int, return_id: int, done: str, move: Any,
                      values: dict[str, str] | None = None) -> Template | Redirect:
    if await views.seller_return(seller_id, return_id) is None:
        raise NotFoundException()  # anyone else's return, before anything moves
    try:
        await move()
    except Refused as refused:
        return await _seller_page(seller_id, return_id, errors=refused.problems, values=values, status_code=400)
    return Redirect(f"/seller/returns/{return_id}", status_code=303, query_params={"done": done})


@post("/returns/{return_id:int}/label", name="seller_return_label")
async def issue_label(return_id: Id, seller_id: NamedDependency[int],
                      settings: NamedDependency[Settings]) -> Template | Redirect:
    return await _seller_act(seller_id, return_id, "label", lambda: service.issue_label(
        return_id, seller_id=seller_id, settings=settings))


@post("/returns/{return_id:int}/received", name="seller_return_received")
async def mark_received(return_id: Id, seller_id: NamedDependency[int],
                        settings: NamedDependency[Settings]) -> Template | Redirect:
    return await _seller_act(seller_id, return_id, "received", lambda: service.mark_received(
        return_id, seller_id=seller_id, settings=settings))


@post("/returns/{return_id:int}/refund", name="seller_return_refund")
async def refund(request: Request, return_id: Id, seller_id: NamedDependency[int],
                 settings: NamedDependency[Settings]) -> Template | Redirect:
    form = await request.form()
    values = {"amount": _field(form, "amount").strip()[:20], "reduction_reason": _field(form, "reduction_reason")}
    decision = RefundInput(values["amount"], values["reduction_reason"])
    return await _seller_act(seller_id, return_id, "refunded", lambda: service.refund(
        return_id, seller_id=seller_id, decision=decision, settings=settings), values)


# The operator


@get("/returns", name="ops_returns")
async def ops_returns(status: FromQuery[str | None] = None) -> Template:
    chosen = status if status in {s.value for s in ReturnStatus} else None
    return Template(template_name="pages/ops/returns.html", context={
        "returns": await views.ops_returns(chosen), "chosen": chosen, "labels": views.STATUS_LABELS,
        "section": "returns", "done": None})


async def _ops_page(return_id: int, *, done: str | None = None, form: str | None = None,
                    errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                    status_code: int = 200) -> Template:
    ret = await views.ops_return(return_id)
    if ret is None:
        raise NotFoundException()
    return Template(template_name="pages/ops/return.html", status_code=status_code, context={
        "ret": ret, "section": "returns", "done": OPS_DONE.get(done or ""), "form": form, "errors": errors or {},
        "values": values or {}})


@get("/returns/{return_id:int}", name="ops_return")
async def ops_return(return_id: Id, done: FromQuery[str | None] = None) -> Template:
    return await _ops_page(return_id, done=done)


@post("/returns/{return_id:int}/refund", name="ops_return_refund")
async def ops_refund(request: Request, return_id: Id, settings: NamedDependency[Settings],
                     viewer: NamedDependency[Viewer]) -> Template | Redirect:
    form = await request.form()
    values = {"amount": _field(form, "amount").strip()[:20], "reduction_reason": _field(form, "reduction_reason"),
              "reasons": _field(form, "reasons")}
    await _ops_page(return_id)  # 404 before anything else
    try:
        await service.operator_refund(return_id, operator_id=viewer.signed_in_account["id"],
                                      decision=RefundInput(values["amount"], values["reduction_reason"]),
                                      reasons=values["reasons"], settings=settings)
    except Refused as refused:
        return await _ops_page(return_id, form="refund", errors=refused.problems, values=values, status_code=400)
    return Redirect(f"/ops/returns/{return_id}", status_code=303, query_params={"done": "refunded"})


@post("/returns/{return_id:int}/close", name="ops_return_close")
async def ops_close(request: Request, return_id: Id, settings: NamedDependency[Settings],
                    viewer: NamedDependency[Viewer]) -> Template | Redirect:
    values = {"reasons": _field(await request.form(), "reasons")}
    await _ops_page(return_id)
    try:
        await service.operator_close(return_id, operator_id=viewer.signed_in_account["id"],
                                     reasons=values["reasons"], settings=settings)
    except Refused as refused:
        return await _ops_page(return_id, form="close", errors=refused.problems, values=values, status_code=400)
    return Redirect(f"/ops/returns/{return_id}", status_code=303, query_params={"done": "closed"})


# Anyone


@get("/legal/withdrawal-form", name="withdrawal_form", cache_control=None)
async def withdrawal_form(settings: NamedDependency[Settings]) -> Template:
    """The model withdrawal form (Consumer Rights Directive, Annex I(B)), to print; no state is read or kept."""
    return Template(template_name="pages/legal/withdrawal_form.html", context={"figures": legal_figures(settings)})


BUYER_HANDLERS = [withdrawal_page, return_page, withdraw, request_return, cancel_return, buyer_label]
SELLER_HANDLERS = [seller_returns, seller_return, seller_label, issue_label, mark_received, refund]
OPS_HANDLERS = [ops_returns, ops_return, ops_refund, ops_close]
LEGAL_HANDLERS = [withdrawal_form]
