"""Claims that end in a resolution, over HTTP: the buyer's answer to a proposal (on the order page), the
seller's proposal and "sent back" (on its order page) with its list of claims, and the operator's decision.

Access is declared by the area each list is mounted in (storefront.web.areas): BUYER_HANDLERS in the account
area, SELLER_HANDLERS in the seller portal (reads scoped by `seller_id`), OPS_HANDLERS in the console. Another
person's claim answers 404 like a missing one. Every move is in storefront.orders.claims; a refused one comes
back with the message next to its form and what was typed kept; a success redirects (POST, redirect, GET).
"""
from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from storefront.errors import Refused
from storefront.orders import claim_views, claims, history, seller_views
from storefront.orders.claims import DECISION_LABELS, DecisionInput, ProposalInput
from storefront.settings import Settings
from storefront.web.inputs import Id
from storefront.web.my_orders import order_context
from storefront.web.seller_portal import render_order_page
from storefront.web.viewer import Viewer

OPS_DONE = {"decided": "The decision is recorded in the audit log; the buyer and the seller have been e-mailed."}


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return value.replace("\r\n", "\n") if isinstance(value, str) else ""


# The buyer ---------------------------------------------------------------------------------------------------


async def _buyer_move(reference: str, claim_id: int, action: str, settings: Settings,
                      viewer: Viewer) -> Template | Redirect:
    account_id = viewer.signed_in_account["id"]
    detail = await history.order_detail(account_id, reference, settings)
    claim = detail and next((c for so in detail.seller_orders for c in so.claims if c.id == claim_id), None)
    if detail is None or claim is None:
        raise NotFoundException()
    move = {"accept": claims.accept, "refuse": claims.refuse, "withdraw": claims.withdraw}[action]
    try:
        await move(claim_id, account_id=account_id, settings=settings)
    except Refused as refused:
        fresh = await history.order_detail(account_id, reference, settings)
        assert fresh is not None  # it was there a moment ago and orders are never deleted
        return Template(template_name="pages/account/order.html", status_code=409, context={
            **order_context(fresh), "claim_error": (claim_id, refused.message)})
    return Redirect(path=f"/account/orders/{detail.reference}", query_params={"claim_done": action},
                    status_code=303)


@post("/account/orders/{reference:str}/claims/{claim_id:int}/accept", name="claim_accept")
async def buyer_accept(reference: FromPath[str], claim_id: Id, settings: NamedDependency[Settings],
                       viewer: NamedDependency[Viewer]) -> Template | Redirect:
    return await _buyer_move(reference, claim_id, "accept", settings, viewer)


@post("/account/orders/{reference:str}/claims/{claim_id:int}/refuse", name="claim_refuse")
async def buyer_refuse(reference: FromPath[str], claim_id: Id, settings: NamedDependency[Settings],
                       viewer: NamedDependency[Viewer]) -> Template | Redirect:
    return await _buyer_move(reference, claim_id, "refuse", settings, viewer)


@post("/account/orders/{reference:str}/claims/{claim_id:int}/withdraw", name="claim_withdraw")
async def buyer_withdraw(reference: FromPath[str], claim_id: Id, settings: NamedDependency[Settings],
                         viewer: NamedDependency[Viewer]) -> Template | Redirect:
    return await _buyer_move(reference, claim_id, "withdraw", settings, viewer)


# The seller --------------------------------------------------------------------------------------------------


@get("/claims", name="seller_claims")
async def seller_claims(seller_id: NamedDependency[int], settings: NamedDependency[Settings],
                        status: FromQuery[str | None] = None) -> Template:
    chosen = status if status in claim_views.STATUS_NAMES else None
    rows, counts = await claim_views.seller_claims(seller_id, chosen, settings)
    return Template(template_name="pages/seller/claims.html", context={
        "seller": await seller_views.seller_profile(seller_id), "section": "claims", "claims": rows,
        "chosen": chosen, "claim_answer_days": settings.claim_answer_days,
        "tabs": [{"name": "All", "url": "/seller/claims", "count": sum(counts.values()), "current": not chosen}]
        + [{"name": name, "url": f"/seller/claims?status={code}", "count": counts[code], "current": code == chosen}
           for code, name in claim_views.STATUS_NAMES.items() if counts[code] or code == chosen],
    })


async def _seller_order_of(seller_id: int, claim_id: int) -> int:
    seller_order_id = await seller_views.seller_order_of_claim(seller_id, claim_id)
    if seller_order_id is None:
        raise NotFoundException()
    return seller_order_id


@post("/claims/{claim_id:int}/propose", name="seller_claim_propose")
async def seller_propose(request: Request, claim_id: Id, seller_id: NamedDependency[int],
                         settings: NamedDependency[Settings]) -> Template | Redirect:
    seller_order_id = await _seller_order_of(seller_id, claim_id)
    form = await request.form()
    proposal = ProposalInput(_text(form, "resolution"), _text(form, "amount").strip()[:20],
                             _text(form, "message").strip())
    try:
        await claims.propose(claim_id, proposal, seller_id=seller_id, settings=settings)
    except Refused as refused:
        values = {"claim_id": claim_id, "resolution": proposal.resolution, "amount": proposal.amount,
                  "message": proposal.message, "errors": refused.problems}
        return await render_order_page(seller_id, seller_order_id, status_code=400, error_form="propose",
                                       error=refused.message, values=values, settings=settings)
    return Redirect(f"/seller/orders/{seller_order_id}", status_code=303, query_params={"done": "propose"})


@post("/claims/{claim_id:int}/sent", name="seller_claim_sent")
async def seller_sent(request: Request, claim_id: Id, seller_id: NamedDependency[int],
                      settings: NamedDependency[Settings]) -> Template | Redirect:
    seller_order_id = await _seller_order_of(seller_id, claim_id)
    form = await request.form()
    carrier, tracking = _text(form, "carrier").strip()[:60], _text(form, "tracking_number").strip()[:60]
    try:
        await claims.mark_sent(claim_id, seller_id=seller_id, carrier=carrier, tracking_number=tracking,
                               settings=settings)
    except Refused as refused:
        values = {"claim_id": claim_id, "carrier": carrier, "tracking_number": tracking, "errors": refused.problems}
        return await render_order_page(seller_id, seller_order_id, status_code=400, error_form="sent",
                                       error=refused.message, values=values, settings=settings)
    return Redirect(f"/seller/orders/{seller_order_id}", status_code=303, query_params={"done": "sent"})


# The operator ------------------------------------------------------------------------------------------------


@get("/claims", name="ops_claims")
async def ops_claims() -> Template:
    escalated, moving = await claim_views.console_claims()
    return Template(template_name="pages/ops/claims.html", context={
        "escalated": escalated, "moving": moving, "section": "claims", "done": None})


def _claim_page(claim: dict[str, Any], *, values: dict[str, str] | None = None,
                errors: dict[str, str] | None = None, done: str | None = None, status_code: int = 200) -> Template:
    return Template(template_name="pages/ops/claim.html", status_code=status_code, context={
        "claim": claim, "outcomes": DECISION_LABELS, "values": values or {}, "errors": errors or {},
        "done": OPS_DONE.get(done or ""), "section": "claims", "reasons_max": claims.MAX_DECISION_REASONS})


@get("/claims/{claim_id:int}", name="ops_claim")
async def ops_claim(claim_id: Id, done: FromQuery[str | None] = None) -> Template:
    return _claim_page(await claim_views.console_claim(claim_id), done=done)


@post("/claims/{claim_id:int}/decide", name="ops_claim_decide")
async def ops_claim_decide(request: Request, claim_id: Id, settings: NamedDependency[Settings],
                           viewer: NamedDependency[Viewer]) -> Template | Redirect:
    claim = await claim_views.console_claim(claim_id)
    form = await request.form()
    values = {"outcome": _text(form, "outcome"), "amount": _text(form, "amount").strip()[:20],
              "reasons": _text(form, "reasons").strip()}
    try:
        await claims.decide(claim_id, DecisionInput(values["outcome"], values["amount"], values["reasons"]),
                            operator_id=viewer.signed_in_account["id"], settings=settings)
    except Refused as refused:
        return _claim_page(await claim_views.console_claim(claim_id) if refused.field == "claim" else claim,
                           values=values, errors=refused.problems, status_code=400)
    return Redirect(f"/ops/claims/{claim_id}", status_code=303, query_params={"done": "decided"})


BUYER_HANDLERS = [buyer_accept, buyer_refuse, buyer_withdraw]
SELLER_HANDLERS = [seller_claims, seller_propose, seller_sent]
OPS_HANDLERS = [ops_claims, ops_claim, ops_claim_decide]
