"""Writing, editing and deleting one's own review of a delivered order line, from "My orders".

Every page needs a signed-in account; someone else's order line or review answers 404, like a missing one.
A refused form comes back with status 400, the input kept and each error next to its field; success is a
303 to the order page, at the line reviewed.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template

from storefront.errors import Refused
from storefront.inputs import parse_id
from storefront.orders.history import order_reference_of_line
from storefront.reviews import rules, service
from storefront.reviews.service import LineToReview, ReviewInput
from storefront.web.inputs import Id
from storefront.web.viewer import Viewer

STAR_WORDS = {1: "Very poor", 2: "Poor", 3: "Average", 4: "Good", 5: "Excellent"}


def _int(value: Any) -> int | None:
    return parse_id(str(value or "").strip())


async def _line_or_404(account: dict[str, Any], order_line_id: int | None) -> LineToReview:
    """The line this account may review; Refused (not delivered, the seller's own) is left to the caller."""
    if order_line_id is None:
        raise NotFoundException()
    return await service.line_to_review(account, order_line_id)


async def _own_review_or_404(account: dict[str, Any], review_id: int) -> dict[str, Any]:
    return await service.own_review(account, review_id)


async def _order_page(order_line_id: int, anchor: str) -> str:
    return f"/account/orders/{await order_reference_of_line(order_line_id)}#{anchor}"


def _values_of(data: ReviewInput) -> dict[str, str]:
    values = {"rating": str(data.rating or ""), "comment": data.comment}
    values.update({name: str(stars or "") for name, stars in data.sub_ratings.items()})
    return values


def _values_of_review(review: dict[str, Any]) -> dict[str, str]:
    values = {"rating": str(review["rating"]), "comment": review["comment"]}
    values.update({name: str(review[name] or "") for name in rules.SUB_RATINGS})
    return values


def _page(line: LineToReview | None, *, status_code: int = 200, review: dict[str, Any] | None = None,
          values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
          refusal: str | None = None) -> Template:
    until = service.editable_until(review) if review else None
    return Template(template_name="pages/account/review_form.html", status_code=status_code, context={
        "line": line, "review": review, "values": values or {}, "errors": errors or {}, "refusal": refusal,
        "editable_until": until, "closed": bool(until and dt.datetime.now(dt.UTC) > until),
        "sub_ratings": rules.SUB_RATINGS, "max_comment": rules.MAX_COMMENT_LENGTH, "star_words": STAR_WORDS,
        "edit_days": rules.EDIT_WINDOW.days,
    })


@get("/account/reviews/new", name="review_new")
async def new_review(request: Request, viewer: NamedDependency[Viewer]) -> Response:
    account = viewer.signed_in_account
    line_id = _int(request.query_params.get("line"))
    try:
        line = await _line_or_404(account, line_id)
    except Refused as refused:
        return _page(None, status_code=400, refusal=refused.message)
    if existing := await service.review_of_line(line.order_line_id):
        return Redirect(path=f"/account/reviews/{existing['id']}/edit", status_code=303)
    return _page(line)


@post("/account/reviews", name="review_create")
async def create_review(request: Request,
                        viewer: NamedDependency[Viewer]) -> Response:
    account = viewer.signed_in_account
    form = dict(await request.form())
    try:
        line = await _line_or_404(account, _int(form.get("line")))
    except Refused as refused:
        return _page(None, status_code=400, refusal=refused.message)
    if existing := await service.review_of_line(line.order_line_id):
        # Already reviewed (a second tab, a resubmitted form): the review to edit is that one.
        return Redirect(path=f"/account/reviews/{existing['id']}/edit", status_code=303)
    data = service.read_form(form)
    if errors := data.problems():
        return _page(line, status_code=400, values=_values_of(data), errors=errors)
    try:
        review_id = await service.create(account, line.order_line_id, data)
    except Refused as refused:
        return _page(line, status_code=400, values=_values_of(data), errors=refused.problems)
    return Redirect(path=await _order_page(line.order_line_id, f"review-{review_id}"), status_code=303)


@get("/account/reviews/{review_id:int}/edit", name="review_edit")
async def edit_review(review_id: Id, viewer: NamedDependency[Viewer]) -> Response:
    account = viewer.signed_in_account
    review = await _own_review_or_404(account, review_id)
    try:
        line = await service.line_to_review(account, review["order_line"])
    except Refused as refused:
        return _page(None, status_code=400, review=review, refusal=refused.message)
    return _page(line, review=review, values=_values_of_review(review))


@post("/account/reviews/{review_id:int}", name="review_update")
async def update_review(review_id: Id, request: Request,
                        viewer: NamedDependency[Viewer]) -> Response:
    account = viewer.signed_in_account
    review = await _own_review_or_404(account, review_id)
    try:
        line = await service.line_to_review(account, review["order_line"])
    except Refused as refused:
        return _page(None, status_code=400, review=review, refusal=refused.message)
    data = service.read_form(dict(await request.form()))
    errors = data.problems()
    if not errors:
        try:
            await service.update(account, review_id, data)
        except Refused as refused:
            errors = refused.problems
    if errors:
        # After the window the stored review is shown again, unchanged; before it, the buyer's input.
        values = _values_of_review(review) if "review" in errors else _values_of(data)
        return _page(line, status_code=400, review=review, values=values, errors=errors)
    return Redirect(path=await _order_page(review["order_line"], f"review-{review_id}"), status_code=303)


@post("/account/reviews/{review_id:int}/delete", name="review_delete")
async def delete_review(review_id: Id,
                        viewer: NamedDependency[Viewer]) -> Response:
    account = viewer.signed_in_account
    review = await _own_review_or_404(account, review_id)
    await service.delete(account, review_id)
    return Redirect(path=await _order_page(review["order_line"], f"review-line-{review['order_line']}"),
                    status_code=303)


HANDLERS = [new_review, create_review, edit_review, update_review, delete_review]
