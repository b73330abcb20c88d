"""Writing, reading and counting reviews. Ratings feed the product's and the seller's ratings used by
ranking (the only source of those ratings and counts), and search follows."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from storefront.catalog.outbox import mark_for_reindex
from storefront.catalog.queries import category_chain
from storefront.catalog.tables import ProductModel, Variant
from storefront.db import is_unique_violation, write_transaction
from storefront.errors import NotFound, Refused, refuse_if
from storefront.orders.tables import Order, OrderLine, SellerOrder
from storefront.reviews import rules
from storefront.reviews.tables import Review
from storefront.rows import one
from storefront.sellers.tables import Offer, Seller


@dataclass(frozen=True)
class LineToReview:
    order_line_id: int
    title: str
    variant_id: int
    model_id: int
    seller_id: int
    seller_name: str
    purchased_at: dt.datetime
    delivered_at: dt.datetime
    with_sub_ratings: bool


@dataclass
class ReviewInput:
    rating: int | None
    comment: str
    sub_ratings: dict[str, int | None] = field(default_factory=dict)

    def problems(self) -> dict[str, str]:
        found: dict[str, str] = {}
        if self.rating is None:
            found["rating"] = "Choose a rating from 1 to 5 stars."
        if len(self.comment) > rules.MAX_COMMENT_LENGTH:
            found["comment"] = (f"Keep your comment to {rules.MAX_COMMENT_LENGTH:,} characters or fewer "
                                f"(it has {len(self.comment):,}).")
        return found


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def read_form(form: dict[str, Any]) -> ReviewInput:
    def stars(name: str) -> int | None:
        text = str(form.get(name, "")).strip()
        return int(text) if text in {"1", "2", "3", "4", "5"} else None

    return ReviewInput(rating=stars("rating"), comment=str(form.get("comment", "")).replace("\r\n", "\n").strip(),
                       sub_ratings={name: stars(name) for name in rules.SUB_RATINGS})


async def line_to_review(account: dict[str, Any], order_line_id: int) -> LineToReview:
    """The order line, if this account bought it and received it. LookupError otherwise (a 404)."""
    line = await OrderLine.select().where(OrderLine.id == order_line_id).first()
    seller_order = line and await SellerOrder.select().where(SellerOrder.id == line["seller_order"]).first()
    order = seller_order and await Order.select().where(Order.id == seller_order["order"]).first()
    if line is None or seller_order is None or order is None or order["account"] != account["id"]:
        raise NotFound(order_line_id)
    if seller_order["status"] != "delivered" or seller_order["delivered_at"] is None:
        raise Refused("order", "You can review this product once it has been delivered.")
    if account.get("seller") and account["seller"] == seller_order["seller"]:
        raise Refused("order", "A seller cannot review its own products.")
    variant = await one(Variant.select(Variant.id, Variant.model).where(Variant.id == line["variant"]).first(),
                        line["variant"])
    model = await one(ProductModel.select(ProductModel.category).where(ProductModel.id == variant["model"]).first(),
                      variant["model"])
    root = (await category_chain(model["category"]))[-1]["slug"]
    seller = await one(Seller.select(Seller.name).where(Seller.id == seller_order["seller"]).first(),
                       seller_order["seller"])
    return LineToReview(order_line_id=line["id"], title=line["title"], variant_id=variant["id"],
                        model_id=variant["model"], seller_id=seller_order["seller"], seller_name=seller["name"],
                        purchased_at=order["paid_at"] or order["created_at"],
                        delivered_at=seller_order["delivered_at"], with_sub_ratings=root in rules.SUB_RATING_CATEGORIES)


async def review_of_line(order_line_id: int) -> dict[str, Any] | None:
    return await Review.select().where(Review.order_line == order_line_id).first()


def _values(data: ReviewInput, with_sub_ratings: bool) -> dict[str, Any]:
    values: dict[str, Any] = {"rating": data.rating, "comment": data.comment,
                              "relevance": rules.relevance(data.rating or 3, data.comment)}
    for name in rules.SUB_RATINGS:
        values[name] = data.sub_ratings.get(name) if with_sub_ratings else None
    return values


async def create(account: dict[str, Any], order_line_id: int, data: ReviewInput,
                 now: dt.datetime | None = None) -> int:
    line = await line_to_review(account, order_line_id)
    refuse_if(data.problems())
    if await review_of_line(order_line_id):
        raise Refused("order", "You have already reviewed this purchase: you can edit your review instead.")
    now = now or _now()
    async with write_transaction(Review._meta.db):
        review = Review(order_line=order_line_id, account=account["id"], model=line.model_id, variant=line.variant_id,
                        seller=line.seller_id, status="published", purchased_at=line.purchased_at,
                        delivered_at=line.delivered_at, submitted_at=now, published_at=now, updated_at=now,
                        **_values(data, line.with_sub_ratings))
        try:
            await review.save()
        except Exception as error:
            if is_unique_violation(error):  # the same form posted twice at once: the first one won
                raise Refused("order", "You have already reviewed this purchase.") from error
            raise
        await refresh_ratings(line.model_id, line.seller_id)
    return review.id


async def own_review(account: dict[str, Any], review_id: int) -> dict[str, Any]:
    review = await Review.select().where((Review.id == review_id) & (Review.account == account["id"])).first()
    if review is None:
        raise NotFound(review_id)
    return review


def editable_until(review: dict[str, Any]) -> dt.datetime:
    return review["delivered_at"] + rules.EDIT_WINDOW


async def update(account: dict[str, Any], review_id: int, data: ReviewInput,
                 now: dt.datetime | None = None) -> None:
    review = await own_review(account, review_id)
    now = now or _now()
    if now > editable_until(review):
        raise Refused("review", f"Reviews can be edited for {rules.EDIT_WINDOW.days} days after delivery; "
                                    f"this one could be edited until {editable_until(review):%d %B %Y}. "
                                    "You can still delete it.")
    refuse_if(data.problems())
    with_sub = any(review[name] is not None for name in rules.SUB_RATINGS) or any(data.sub_ratings.values())
    async with write_transaction(Review._meta.db):
        values = {getattr(Review, k): v for k, v in _values(data, with_sub).items()}
        values[Review.updated_at] = now
        await Review.update(values).where(Review.id == review_id)
        await refresh_ratings(review["model"], review["seller"])


async def delete(account: dict[str, Any], review_id: int) -> None:
    """The author may delete at any time: gone from the page, the aggregates and search."""
    review = await own_review(account, review_id)
    async with write_transaction(Review._meta.db):
        await Review.delete().where(Review.id == review_id)
        await refresh_ratings(review["model"], review["seller"])


def _x100(ratings: list[int]) -> int:
    """Average in hundredths of a star, rounded half up, in integers."""
    return (sum(ratings) * 200 + len(ratings)) // (2 * len(ratings))


async def refresh_ratings(model_id: int, seller_id: int) -> None:
    """The product's and the seller's rating and count from their published reviews; call inside the
    writer's transaction. When the last review goes, the rating goes with it."""
    for table, column, key in ((ProductModel, Review.model, model_id), (Seller, Review.seller, seller_id)):
        ratings = [r["rating"] for r in await Review.select(Review.rating).where(
            (column == key) & (Review.status == "published"))]
        await table.update({table.rating_x100: _x100(ratings) if ratings else None,
                            table.rating_count: len(ratings)}).where(table.id == key)
    variants = [v["id"] for v in await Variant.select(Variant.id).where(Variant.model == model_id)]
    variants += [o["variant"] for o in await Offer.select(Offer.variant).where(Offer.seller == seller_id)]
    await mark_for_reindex(variants)


@dataclass
class Summary:
    count: int
    average_x100: int | None
    distribution: dict[int, int]  # stars -> number of reviews
    sub_averages: dict[str, int]  # name -> hundredths of a star, for the sub-ratings given


async def summary(model_id: int) -> Summary:
    rows = await Review.select(Review.rating, *(getattr(Review, n) for n in rules.SUB_RATINGS)).where(
        (Review.model == model_id) & (Review.status == "published"))
    distribution = {stars: 0 for stars in range(5, 0, -1)}
    for row in rows:
        distribution[row["rating"]] += 1
    sub_averages = {}
    for name in rules.SUB_RATINGS:
        given = [row[name] for row in rows if row[name] is not None]
        if given:
            sub_averages[name] = _x100(given)
    return Summary(count=len(rows), average_x100=_x100([r["rating"] for r in rows]) if rows else None,
                   distribution=distribution, sub_averages=sub_averages)


ORDERINGS = {
    "relevance": ((Review.relevance, False), (Review.published_at, False), (Review.id, False)),
    "newest": ((Review.published_at, False), (Review.id, False)),
    "highest": ((Review.rating, False), (Review.published_at, False), (Review.id, False)),
    "lowest": ((Review.rating, True), (Review.published_at, False), (Review.id, False)),
}


async def product_reviews(model_id: int, sort: str = "relevance", page: int = 1,
                          per_page: int = rules.PAGE_SIZE) -> list[dict[str, Any]]:
    """Published reviews of a product model in the chosen order, with the author's first name."""
    query = Review.select(*Review.all_columns(), Review.account.name.as_alias("author_name")).where(
        (Review.model == model_id) & (Review.status == "published"))
    for column, ascending in ORDERINGS.get(sort, ORDERINGS["relevance"]):
        query = query.order_by(column, ascending=ascending)
    rows = await query.limit(per_page).offset((max(page, 1) - 1) * per_page)
    for row in rows:
        # Only the first name and the initial of the last: enough to be a person, not enough to find one.
        parts = (row.pop("author_name") or "A buyer").split()
        row["author"] = parts[0] + (f" {parts[-1][0]}." if len(parts) > 1 else "")
    return rows
