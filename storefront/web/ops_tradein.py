"""Trade-ins over HTTP for the operator (`/ops/trade-ins`: list, detail, suspend, resume, decide a dispute) and
the public trade-in conditions page (`/legal/trade-in`).

OPS_HANDLERS are mounted in the console (operators only), LEGAL_HANDLERS in the shop (storefront.web.areas). Every
move is in storefront.tradein.operator; a refused one comes back with the message next to its field and what was
typed kept; a success redirects (POST, redirect, GET).
"""
from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from storefront.errors import NotFound, Refused
from storefront.legal.figures import legal_figures
from storefront.settings import Settings
from storefront.tradein import operator, ops_views, photos
from storefront.tradein.states import TRADE_IN_STATUS_LABELS
from storefront.web.inputs import Id
from storefront.web.viewer import Viewer

DONE = {"suspended": "The trade-in is suspended: every clock has stopped. Both sides have been e-mailed.",
        "resumed": "The trade-in is resumed; its deadlines moved on by the time it was suspended.",
        "decided": "The dispute is decided and recorded in the audit log; both sides have been e-mailed."}


def _text(form: Any, name: str, limit: int = 4_000) -> str:
    value = form.get(name)
    return value.replace("\r\n", "\n").strip()[:limit] if isinstance(value, str) else ""


@get("/trade-ins", name="ops_trade_ins")
async def ops_trade_ins(status: FromQuery[str] = "", q: FromQuery[str] = "") -> Template:
    return Template(template_name="pages/ops/tradeins.html", context={
        "trade_ins": await ops_views.console_trade_ins(status, q[:40]),
        "disputes": await ops_views.open_disputes(), "statuses": TRADE_IN_STATUS_LABELS,
        "status": status, "q": q[:40], "section": "tradeins", "done": None})


def _page(trade_in: dict[str, Any], *, form: str = "", values: dict[str, str] | None = None,
          errors: dict[str, str] | None = None, done: str | None = None, status_code: int = 200) -> Template:
    return Template(template_name="pages/ops/tradein.html", status_code=status_code, context={
        "t": trade_in, "form": form, "values": values or {}, "errors": errors or {},
        "outcomes": operator.OUTCOME_LABELS, "reasons_max": operator.MAX_REASONS,
        "done": DONE.get(done or ""), "section": "tradeins"})


@get("/trade-ins/{trade_in_id:int}", name="ops_trade_in")
async def ops_trade_in(trade_in_id: Id, done: FromQuery[str | None] = None) -> Template:
    return _page(await ops_views.console_trade_in(trade_in_id), done=done)


async def _measure(request: Request, trade_in_id: int, which: str, settings: Settings,
                   viewer: Viewer) -> Template | Redirect:
    await ops_views.console_trade_in(trade_in_id)  # 404 before reading the form
    values = {"reasons": _text(await request.form(), "reasons")}
    measure = {"suspend": operator.suspend, "resume": operator.resume}[which]
    try:
        await measure(trade_in_id, operator_id=viewer.signed_in_account["id"], reasons=values["reasons"],
                      settings=settings)
    except Refused as refused:
        fresh = await ops_views.console_trade_in(trade_in_id)
        return _page(fresh, form=which, values=values, errors=refused.problems, status_code=400)
    return Redirect(f"/ops/trade-ins/{trade_in_id}", status_code=303,
                    query_params={"done": "suspended" if which == "suspend" else "resumed"})


@post("/trade-ins/{trade_in_id:int}/suspend", name="ops_trade_in_suspend")
async def ops_trade_in_suspend(request: Request, trade_in_id: Id, settings: NamedDependency[Settings],
                               viewer: NamedDependency[Viewer]) -> Template | Redirect:
    return await _measure(request, trade_in_id, "suspend", settings, viewer)


@post("/trade-ins/{trade_in_id:int}/resume", name="ops_trade_in_resume")
async def ops_trade_in_resume(request: Request, trade_in_id: Id, settings: NamedDependency[Settings],
                              viewer: NamedDependency[Viewer]) -> Template | Redirect:
    return await _measure(request, trade_in_id, "resume", settings, viewer)


@post("/trade-ins/{trade_in_id:int}/disputes/{dispute_id:int}/decide", name="ops_trade_in_decide")
async def ops_trade_in_decide(request: Request, trade_in_id: Id, dispute_id: Id, settings: NamedDependency[Settings],
                              viewer: NamedDependency[Viewer]) -> Template | Redirect:
    trade_in = await ops_views.console_trade_in(trade_in_id)
    if not any(d["id"] == dispute_id for d in trade_in["disputes"]):
        raise NotFoundException("No such dispute on this trade-in.")
    form = await request.form()
    values = {"outcome": _text(form, "outcome", 12), "reasons": _text(form, "reasons")}
    try:
        await operator.decide_dispute(dispute_id, outcome=values["outcome"], reasons=values["reasons"],
                                      operator_id=viewer.signed_in_account["id"], settings=settings)
    except Refused as refused:
        return _page(await ops_views.console_trade_in(trade_in_id), form=f"decide-{dispute_id}", values=values,
                     errors=refused.problems, status_code=400)
    return Redirect(f"/ops/trade-ins/{trade_in_id}", status_code=303, query_params={"done": "decided"})


@get("/trade-ins/{trade_in_id:int}/photos/{photo_id:int}", name="ops_trade_in_photo")
async def ops_trade_in_photo(trade_in_id: Id, photo_id: Id, settings: NamedDependency[Settings]) -> Response:
    """An inspection photo for the operator deciding a dispute: kept out of every shared cache, like the
    refurbisher's and the person's copies of the same route."""
    try:
        data, kind = await photos.read_photo(photo_id, trade_in_id=trade_in_id, settings=settings)
    except NotFound as missing:
        raise NotFoundException("No such photo.") from missing
    return Response(content=data, media_type=kind, headers={
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})


@get("/legal/trade-in", name="tradein_conditions", cache_control=None)
async def tradein_conditions(settings: NamedDependency[Settings]) -> Template:
    return Template(template_name="pages/legal/tradein_conditions.html", context={
        "figures": legal_figures(settings), "tradein": settings.tradein})


OPS_HANDLERS = [ops_trade_ins, ops_trade_in, ops_trade_in_suspend, ops_trade_in_resume, ops_trade_in_decide,
                ops_trade_in_photo]
LEGAL_HANDLERS = [tradein_conditions]
