"""Trade-in, the person's side: /sell (device → questions → quote, each step a GET form whose URL carries the
choices; htmx swaps the step in place), accepting a quote (signed in), and "My trade-ins" with the label, the
photos and the person's answers. Anonymous steps write nothing and set no cookie."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import File, Redirect, Template

from storefront.documents.render import PDF_TYPE
from storefront.errors import NotFound, Refused
from storefront.inputs import parse_id, parse_whole
from storefront.settings import Settings
from storefront.tradein import labels, operator, person, person_views, quotes
from storefront.tradein.moves import now_utc
from storefront.tradein.quotes import BODIES, SCREENS, ConditionAnswers
from storefront.tradein.states import CONDITION_LABELS, IDENTITY_DOCUMENT_LABELS
from storefront.web.htmx import page_or_fragment
from storefront.web.inputs import Id
from storefront.web.viewer import Viewer

ANSWER_FIELDS = ("works", "screen", "body", "locks_removed")
ACCEPT_FIELDS = ("id_document_type", "id_document_number", "iban", "holder_name", *person.RETURN_ADDRESS_FIELDS)


def _answers(request: Request) -> ConditionAnswers:
    return ConditionAnswers(*(str(request.query_params.get(name) or "") for name in ANSWER_FIELDS))


@get("/sell", name="sell")
async def sell(request: Request, settings: NamedDependency[Settings]) -> Template:
    """One handler for every step: the choices made so far come from the URL; the first one missing is asked."""
    params = request.query_params
    context: dict[str, Any] = {"categories": await quotes.categories(), "screens": SCREENS, "bodies": BODIES,
                               "errors": {}, "chosen": {}, "step": "category",
                               "ship_days": settings.tradein.quote_valid_days}
    chosen = context["chosen"]
    category_id = parse_id(params.get("category"))
    if category_id and any(c["id"] == category_id for c in context["categories"]):
        chosen["category"] = category_id
        context["brands"] = await quotes.brands_in(category_id)
        context["step"] = "brand"
        brand_id = parse_id(params.get("brand"))
        if brand_id and any(b["id"] == brand_id for b in context["brands"]):
            chosen["brand"] = brand_id
            context["models"] = await quotes.models_of(category_id, brand_id)
            context["step"] = "model"
            model_id = parse_id(params.get("model"))
            if model_id and any(m["id"] == model_id for m in context["models"]):
                chosen["model"] = model_id
                context["storages"] = await quotes.storages_of(model_id)
                context["step"] = "storage"
                storage = parse_whole(params.get("storage"), 100_000)
                if storage is not None and storage in context["storages"]:
                    chosen["storage"] = storage
                    context["step"] = "questions"
                    await _questions(request, settings, context)
    context["device"] = await quotes.device(chosen["model"]) if "model" in chosen else None
    context["hidden"] = {key: chosen[key] for key in ("category", "brand", "model", "storage") if key in chosen}
    context["device_query"] = urlencode(context["hidden"])
    return page_or_fragment(request, "pages/sell/index.html", "pages/sell/_step.html", context)


async def _questions(request: Request, settings: Settings, context: dict[str, Any]) -> None:
    answers = _answers(request)
    context["answers"] = answers.as_dict()
    if not any(answers.as_dict().values()):
        return  # the questions, not answered yet
    problems = answers.problems()
    if problems:
        context["errors"] = problems
        return
    chosen = context["chosen"]
    now = now_utc()
    quote = await quotes.best_quote(chosen["model"], chosen["storage"], answers,
                                    valid_days=settings.tradein.quote_valid_days, now=now)
    context["step"] = "quote"
    context["quote"] = None
    context["state_label"] = CONDITION_LABELS[quotes.state_for(answers)]
    if quote is not None:
        context["quote"] = quote
        context["seller_name"] = await person_views.seller_name(quote.seller_id)
        context["accept_url"] = "/sell/accept?" + urlencode({"token": quotes.token_for(quote, settings.secret_key)})


@get("/sell/recycling", name="sell_recycling")
async def recycling() -> Template:
    return Template(template_name="pages/sell/recycling.html")


def _accept_context(quote: quotes.Quote | None, token: str, *, values: dict[str, Any] | None = None,
                    errors: dict[str, str] | None = None, token_error: str = "") -> dict[str, Any]:
    return {"quote": quote, "token": token, "values": values or {}, "errors": errors or {},
            "token_error": token_error, "documents": IDENTITY_DOCUMENT_LABELS, "countries": person.RETURN_COUNTRIES,
            "state_label": CONDITION_LABELS[quote.state] if quote else ""}


async def _names(context: dict[str, Any]) -> dict[str, Any]:
    quote = context["quote"]
    if quote is not None:
        context["device"] = await person_views.model_name(quote.model_id)
        context["seller_name"] = await person_views.seller_name(quote.seller_id)
        # The same device and answers, quoted afresh: for a quote whose refurbisher no longer buys.
        device = await quotes.device(quote.model_id)
        if device is not None:
            context["fresh_quote_url"] = "/sell?" + urlencode({
                "category": device["category_id"], "brand": device["brand_id"], "model": quote.model_id,
                "storage": quote.storage_gb, **quote.answers.as_dict()})
    return context


@get("/sell/accept", name="sell_accept_form")
async def accept_form(request: Request, settings: NamedDependency[Settings],
                      viewer: NamedDependency[Viewer]) -> Template:
    token = str(request.query_params.get("token") or "")
    try:
        quote = quotes.quote_from(token, settings.secret_key, now_utc())
    except Refused as refused:
        return Template(template_name="pages/sell/accept.html", status_code=400,
                        context=await _names(_accept_context(None, token, token_error=refused.message)))
    # The return parcel is addressed to the account's name unless the person writes another.
    values = {"return_name": viewer.signed_in_account["name"] or "", "return_country": "FR"}
    return Template(template_name="pages/sell/accept.html",
                    context=await _names(_accept_context(quote, token, values=values)))


@post("/sell/accept", name="sell_accept")
async def accept(request: Request, settings: NamedDependency[Settings], viewer: NamedDependency[Viewer]) -> Response:
    form = await request.form()
    token = str(form.get("token") or "")
    values = {name: str(form.get(name) or "") for name in ACCEPT_FIELDS}
    given = person.AcceptInput(**values, declaration=form.get("declaration") == "yes")
    try:
        reference = await person.accept(token, given, account_id=viewer.signed_in_account["id"], settings=settings)
    except Refused as refused:
        quote = None
        if refused.field != "token":
            quote = quotes.quote_from(token, settings.secret_key, now_utc())
        context = _accept_context(quote, token, values={**values, "declaration": given.declaration},
                                  errors=refused.problems, token_error=refused.message if quote is None else "")
        return Template(template_name="pages/sell/accept.html", status_code=400, context=await _names(context))
    return Redirect(path=f"/account/trade-ins/{reference}?accepted=1", status_code=303)


@get("/account/trade-ins", name="my_trade_ins")
async def my_trade_ins(viewer: NamedDependency[Viewer]) -> Template:
    return Template(template_name="pages/account/trade_ins.html",
                    context={"trade_ins": await person_views.trade_ins_of(viewer.signed_in_account["id"])})


async def _detail(viewer: Viewer, reference: str) -> person_views.TradeInDetail:
    detail = await person_views.trade_in_detail(viewer.signed_in_account["id"], reference)
    if detail is None:
        raise NotFoundException()
    return detail


@get("/account/trade-ins/{reference:str}", name="my_trade_in")
async def my_trade_in(reference: FromPath[str], request: Request, viewer: NamedDependency[Viewer]) -> Template:
    done = request.query_params.get("done")
    return Template(template_name="pages/account/trade_in.html", context={
        "t": await _detail(viewer, reference), "accepted": request.query_params.get("accepted") == "1",
        "done": done if done in person_views.DONE_MESSAGES else None, "messages": person_views.DONE_MESSAGES,
        "error": None})


@get("/account/trade-ins/{reference:str}/label.pdf", name="my_trade_in_label")
async def label(reference: FromPath[str], settings: NamedDependency[Settings],
                viewer: NamedDependency[Viewer]) -> Response:
    detail = await _detail(viewer, reference)
    if not detail.has_label:
        raise NotFoundException()
    content = {**detail.__dict__, "label_carrier": detail.label_carrier}
    body = await labels.label_pdf(content, settings.brand_name)
    return Response(content=body, media_type=PDF_TYPE, headers={
        "Content-Disposition": f'attachment; filename="label-{detail.reference}.pdf"',
        "Cache-Control": "private, no-store"})


@get("/account/trade-ins/{reference:str}/photos/{photo_id:int}", name="my_trade_in_photo")
async def photo(reference: FromPath[str], photo_id: Id, settings: NamedDependency[Settings],
                viewer: NamedDependency[Viewer]) -> File:
    found = await person_views.photo_of(viewer.signed_in_account["id"], reference, photo_id, settings)
    if found is None:
        raise NotFoundException()
    return File(path=found.path, media_type=found.content_type, content_disposition_type="inline",
                headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})


async def _act(request: Request, viewer: Viewer, reference: str, done: str, action: Any) -> Response:
    """Runs the person's step; a refusal (the step moved meanwhile, a bad tracking number) re-renders the page
    with the reason next to the action."""
    try:
        await action()
    except NotFound:
        raise NotFoundException() from None
    except Refused as refused:
        return Template(template_name="pages/account/trade_in.html", status_code=409 if refused.field == "status"
                        else 400, context={"t": await _detail(viewer, reference), "accepted": False, "done": None,
                                           "messages": person_views.DONE_MESSAGES, "error": refused.message,
                                           "tracking": str((await request.form()).get("tracking") or "")})
    return Redirect(path=f"/account/trade-ins/{reference}?done={done}", status_code=303)


@post("/account/trade-ins/{reference:str}/cancel", name="my_trade_in_cancel")
async def cancel(reference: FromPath[str], request: Request, settings: NamedDependency[Settings],
                 viewer: NamedDependency[Viewer]) -> Response:
    account_id = viewer.signed_in_account["id"]
    return await _act(request, viewer, reference, "cancelled",
                      lambda: person.cancel(reference, account_id=account_id, settings=settings))


@post("/account/trade-ins/{reference:str}/sent", name="my_trade_in_sent")
async def sent(reference: FromPath[str], request: Request, settings: NamedDependency[Settings],
               viewer: NamedDependency[Viewer]) -> Response:
    account_id = viewer.signed_in_account["id"]
    tracking = str((await request.form()).get("tracking") or "")
    return await _act(request, viewer, reference, "sent",
                      lambda: person.mark_sent(reference, tracking, account_id=account_id, settings=settings))


@post("/account/trade-ins/{reference:str}/counter-offer", name="my_trade_in_counter")
async def counter_offer(reference: FromPath[str], request: Request, settings: NamedDependency[Settings],
                        viewer: NamedDependency[Viewer]) -> Response:
    account_id = viewer.signed_in_account["id"]
    answer = str((await request.form()).get("answer") or "")
    if answer not in ("accept", "refuse"):
        return await _act(request, viewer, reference, "", _refuse_answer)
    return await _act(request, viewer, reference, "paid" if answer == "accept" else "refused",
                      lambda: person.answer_counter_offer(reference, answer == "accept", account_id=account_id,
                                                          settings=settings))


@post("/account/trade-ins/{reference:str}/dispute", name="my_trade_in_dispute")
async def dispute(reference: FromPath[str], request: Request, settings: NamedDependency[Settings],
                  viewer: NamedDependency[Viewer]) -> Response:
    """The person's dispute: a refused reason (blank, too short, one already open) comes back next to the field
    with the text kept; a step where no dispute can be raised says so above the page (409)."""
    account_id = viewer.signed_in_account["id"]
    reason = str((await request.form()).get("reason") or "")[:operator.MAX_REASONS + 1]
    try:
        await person.raise_dispute(reference, reason, account_id=account_id, settings=settings)
    except NotFound:
        raise NotFoundException() from None
    except Refused as refused:
        at_step = refused.field == "status"
        return Template(template_name="pages/account/trade_in.html", status_code=409 if at_step else 400, context={
            "t": await _detail(viewer, reference), "accepted": False, "done": None,
            "messages": person_views.DONE_MESSAGES, "error": refused.message if at_step else None,
            "dispute_errors": {} if at_step else refused.problems, "dispute_reason": reason})
    return Redirect(path=f"/account/trade-ins/{reference}?done=disputed", status_code=303)


async def _refuse_answer() -> None:
    raise Refused("answer", "Choose to accept or to refuse the counter-offer.")


PUBLIC_HANDLERS = [sell, recycling]
ACCOUNT_HANDLERS = [accept_form, accept, my_trade_ins, my_trade_in, label, photo, cancel, sent, counter_offer,
                    dispute]
