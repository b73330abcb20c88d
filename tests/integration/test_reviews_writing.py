"""Writing reviews through HTTP: from "My orders" to the product page, the ratings and search, and back out;
and the invitation e-mails, one per delivered line whoever runs the job.

Orders are placed with `place_order` and moved along with the seller's transitions; the stock they take is put
back when the module ends.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import re
import secrets
from dataclasses import dataclass
from html import unescape

import pytest
from litestar.testing import AsyncTestClient

from search_index.drain import OutboxDrainer
from search_index.query import SearchQuery
from storefront.cart import service as carts
from storefront.catalog.tables import Category, ProductModel, Variant
from storefront.mail.tables import OutboxEmail
from storefront.orders import transitions
from storefront.orders.placement import DeliveryAddress, place_order
from storefront.orders.tables import Order, OrderLine, SellerOrder
from storefront.reviews import rules
from storefront.reviews.invitations import send_due_invitations
from storefront.reviews.tables import Review, ReviewInvitation
from storefront.sellers.tables import Offer
from storefront.settings import Settings
from tests.integration.commerce import csrf_from, make_account, post_form, sign_in


@dataclass
class Bought:
    buyer_id: int
    line_id: int
    reference: str
    seller_order_id: int
    seller_id: int
    variant_id: int
    model_id: int
    slug: str


async def offer_in(root_category: str) -> dict:
    """An active offer in stock, paid by card, of a product under `root_category` (or its sub-categories)."""
    root = await Category.select(Category.id).where(Category.slug == root_category).first()
    categories = [root["id"], *[c["id"] for c in await Category.select(Category.id).where(
        Category.parent == root["id"])]]
    offer = await Offer.select().where(
        (Offer.stock >= 3) & (Offer.status == "active") & Offer.payment_means.like("%card%")
        & Offer.variant.model.category.is_in(categories)).order_by(Offer.id).first()
    assert offer, f"no offer in stock under {root_category}"
    return offer


async def bought(settings: Settings, backend, *, category: str = "smartphones", buyer_id: int | None = None,
                 delivered: bool = True, offer: dict | None = None) -> Bought:
    """One item bought by a new buyer (or `buyer_id`), paid, accepted, shipped and, by default, delivered."""
    buyer_id = buyer_id or (await make_account())["id"]
    offer = offer or await offer_in(category)
    drainer = OutboxDrainer(backend, settings.ranking)
    cart = await carts.create_cart(buyer_id)
    await carts.add(cart, offer["id"], 1)
    placed = await place_order(cart_id=cart, account_id=buyer_id, address=DeliveryAddress(
        "Camille Martin", "1 rue de la Paix", "75002", "Paris"), payment_means="card",
        idempotency_key=secrets.token_hex(12), settings=settings)
    await drainer.drain()
    await transitions.payment_succeeded(placed.order_id, settings)
    part = await SellerOrder.select().where(SellerOrder.order == placed.order_id).first()
    await transitions.accept(part["id"], seller_id=part["seller"], settings=settings)
    await transitions.ship(part["id"], seller_id=part["seller"], carrier="Colissimo", tracking_number="6A1",
                           settings=settings)
    if delivered:
        await transitions.deliver(part["id"], seller_id=part["seller"], settings=settings)
        await drainer.drain()
    line = await OrderLine.select().where(OrderLine.seller_order == part["id"]).first()
    variant = await Variant.select(Variant.model, Variant.slug).where(Variant.id == line["variant"]).first()
    return Bought(buyer_id, line["id"], placed.reference, part["id"], part["seller"], line["variant"],
                  variant["model"], variant["slug"])


async def write_review(client: AsyncTestClient, line: Bought, **fields: str):
    return await post_form(client, f"/account/reviews/new?line={line.line_id}", "/account/reviews",
                           {"line": str(line.line_id), **fields}, follow_redirects=False)


async def review_of(line: Bought) -> dict | None:
    return await Review.select().where(Review.order_line == line.line_id).first()


async def model_rating(model_id: int) -> dict:
    return await ProductModel.select(ProductModel.rating_x100, ProductModel.rating_count).where(
        ProductModel.id == model_id).first()


async def published_reviews_of(model_id: int) -> int:
    return await Review.count().where((Review.model == model_id) & (Review.status == "published"))


async def search_hit(backend, model_id: int) -> dict:
    model = await ProductModel.select(ProductModel.name).where(ProductModel.id == model_id).first()
    variants = {v["id"] for v in await Variant.select(Variant.id).where(Variant.model == model_id)}
    hits = backend.search(SearchQuery(text=model["name"], per_page=100)).hits
    return next(hit for hit in hits if hit["id"] in variants)


def textarea(html: str, name: str = "comment") -> str:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    assert match, f"no {name} field"
    return unescape(match.group(1))


async def delivered_days_ago(line: Bought, days: int) -> None:
    """Moves the delivery (and the review's copy of it) back in time."""
    when = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    await SellerOrder.update({SellerOrder.delivered_at: when}).where(SellerOrder.id == line.seller_order_id)
    await Review.update({Review.delivered_at: when}).where(Review.order_line == line.line_id)


# Writing a review ----------------------------------------------------------------------------------------------

async def test_a_delivered_line_offers_to_write_a_review_and_the_review_shows_on_the_order_and_product_page(
        client: AsyncTestClient, settings: Settings, backend) -> None:
    line = await bought(settings, backend)
    await sign_in(client, line.buyer_id)
    order_page = (await client.get(f"/account/orders/{line.reference}")).text
    assert f'href="/account/reviews/new?line={line.line_id}"' in order_page and "Write a review" in order_page

    response = await write_review(client, line, rating="4", comment="Battery lasts two days, like new.",
                                  value_for_money="5")
    review = await review_of(line)
    assert response.status_code == 303
    assert response.headers["location"] == f"/account/orders/{line.reference}#review-{review['id']}"
    assert (review["rating"], review["value_for_money"], review["delivery"]) == (4, 5, None)
    order_page = (await client.get(f"/account/orders/{line.reference}")).text
    assert f'id="review-{review["id"]}"' in order_page and "Edit your review" in order_page
    assert "You rated it 4 out of 5 stars." in order_page
    # Newest first: other tests may have put longer reviews of this product on the first relevance page.
    product_reviews = await client.get(f"/p/{line.slug}/reviews?sort=newest")
    assert "Battery lasts two days, like new." in product_reviews.text


async def test_a_review_sets_the_products_rating_and_its_search_document(client: AsyncTestClient,
                                                                        settings: Settings, backend) -> None:
    line = await bought(settings, backend)
    before = await published_reviews_of(line.model_id)
    await sign_in(client, line.buyer_id)
    await write_review(client, line, rating="5", comment="Spotless.")
    rating = await model_rating(line.model_id)
    assert rating["rating_count"] == before + 1
    assert (await search_hit(backend, line.model_id))["rating_count"] == before + 1
    assert (await search_hit(backend, line.model_id))["rating"] == rating["rating_x100"] / 100


async def test_a_second_review_of_the_same_line_leads_to_the_first(client: AsyncTestClient, settings: Settings,
                                                                   backend) -> None:
    line = await bought(settings, backend)
    await sign_in(client, line.buyer_id)
    await write_review(client, line, rating="5", comment="First.")
    first = await review_of(line)
    form = await client.get(f"/account/reviews/new?line={line.line_id}", follow_redirects=False)
    again = await client.post("/account/reviews", data={"_csrf": csrf_from((await client.get(
        f"/account/reviews/{first['id']}/edit")).text), "line": str(line.line_id), "rating": "1",
        "comment": "Second."}, follow_redirects=False)
    assert form.status_code == again.status_code == 303
    assert form.headers["location"] == again.headers["location"] == f"/account/reviews/{first['id']}/edit"
    assert await Review.count().where(Review.order_line == line.line_id) == 1
    assert (await review_of(line))["comment"] == "First."


async def test_a_line_not_yet_delivered_cannot_be_reviewed(client: AsyncTestClient, settings: Settings,
                                                           backend) -> None:
    line = await bought(settings, backend, delivered=False)
    await sign_in(client, line.buyer_id)
    form = await client.get(f"/account/reviews/new?line={line.line_id}")
    token = csrf_from((await client.get("/account/orders")).text)
    posted = await client.post("/account/reviews", data={"_csrf": token, "line": str(line.line_id), "rating": "5"})
    assert form.status_code == posted.status_code == 400
    assert "once it has been delivered" in form.text and "once it has been delivered" in posted.text
    assert 'name="rating"' not in form.text
    assert await review_of(line) is None


async def test_someone_elses_line_and_review_are_not_found(client: AsyncTestClient, settings: Settings,
                                                           backend) -> None:
    line = await bought(settings, backend)
    await sign_in(client, line.buyer_id)
    await write_review(client, line, rating="5", comment="Mine.")
    review = await review_of(line)
    intruder = await make_account()
    await sign_in(client, intruder["id"])
    token = csrf_from((await client.get("/account/orders")).text)
    answers = [
        await client.get(f"/account/reviews/new?line={line.line_id}"),
        await client.post("/account/reviews", data={"_csrf": token, "line": str(line.line_id), "rating": "1"}),
        await client.get(f"/account/reviews/{review['id']}/edit"),
        await client.post(f"/account/reviews/{review['id']}", data={"_csrf": token, "rating": "1", "comment": "x"}),
        await client.post(f"/account/reviews/{review['id']}/delete", data={"_csrf": token}),
    ]
    assert [a.status_code for a in answers] == [404] * 5
    assert "Mine." not in answers[2].text
    assert await review_of(line) == review


async def test_a_seller_account_cannot_review_what_its_shop_sold(client: AsyncTestClient, settings: Settings,
                                                                 backend) -> None:
    offer = await offer_in("smartphones")
    seller_account = await make_account(role="seller", seller_id=offer["seller"])
    line = await bought(settings, backend, buyer_id=seller_account["id"], offer=offer)
    await sign_in(client, seller_account["id"])
    form = await client.get(f"/account/reviews/new?line={line.line_id}")
    token = csrf_from((await client.get("/account/orders")).text)
    posted = await client.post("/account/reviews", data={"_csrf": token, "line": str(line.line_id), "rating": "5"})
    assert form.status_code == posted.status_code == 400
    assert "A seller cannot review its own products." in posted.text
    assert await review_of(line) is None


async def test_a_review_without_a_rating_is_refused_and_the_comment_kept(client: AsyncTestClient,
                                                                         settings: Settings, backend) -> None:
    line = await bought(settings, backend)
    await sign_in(client, line.buyer_id)
    response = await write_review(client, line, comment="Good <b>screen</b>, weak speaker.")
    assert response.status_code == 400
    assert textarea(response.text) == "Good <b>screen</b>, weak speaker."
    assert 'id="f-rating" aria-invalid="true" aria-describedby="f-rating-error"' in response.text
    assert "Choose a rating from 1 to 5 stars." in response.text
    assert await review_of(line) is None


async def test_a_comment_over_the_limit_is_refused_with_a_message(client: AsyncTestClient, settings: Settings,
                                                                  backend) -> None:
    line = await bought(settings, backend)
    await sign_in(client, line.buyer_id)
    response = await write_review(client, line, rating="3", comment="a" * (rules.MAX_COMMENT_LENGTH + 1))
    assert response.status_code == 400
    assert f"Keep your comment to {rules.MAX_COMMENT_LENGTH:,} characters or fewer" in response.text
    assert 'aria-invalid="true"' in response.text.split('id="f-comment"', 1)[1].split(">", 1)[0]
    assert await review_of(line) is None


@pytest.mark.parametrize(("category", "with_sub_ratings"), [
    ("smartphones", True), ("laptops", True), ("tablets", True), ("audio", False),
])
async def test_sub_ratings_are_asked_only_for_smartphones_laptops_and_tablets(
        client: AsyncTestClient, settings: Settings, backend, category: str, with_sub_ratings: bool) -> None:
    line = await bought(settings, backend, category=category)
    await sign_in(client, line.buyer_id)
    html = (await client.get(f"/account/reviews/new?line={line.line_id}")).text
    assert 'name="rating"' in html
    for name, label in rules.SUB_RATINGS.items():
        assert (f'name="{name}"' in html) is with_sub_ratings
        assert (f"<legend>{label}</legend>" in html) is with_sub_ratings


# Editing and deleting ------------------------------------------------------------------------------------------

async def test_within_30_days_the_review_can_be_edited(client: AsyncTestClient, settings: Settings,
                                                       backend) -> None:
    line = await bought(settings, backend)
    await sign_in(client, line.buyer_id)
    await write_review(client, line, rating="5", comment="Perfect.")
    review = await review_of(line)
    edit_page = f"/account/reviews/{review['id']}/edit"
    form = (await client.get(edit_page)).text
    assert textarea(form) == "Perfect." and 'value="5" checked' in form
    response = await post_form(client, edit_page, f"/account/reviews/{review['id']}",
                               {"rating": "2", "comment": "The battery gave up after a week."},
                               follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/account/orders/{line.reference}#review-{review['id']}"
    changed = await review_of(line)
    assert (changed["rating"], changed["comment"]) == (2, "The battery gave up after a week.")


async def test_after_30_days_the_edit_page_says_why_and_a_change_is_refused(client: AsyncTestClient,
                                                                            settings: Settings, backend) -> None:
    line = await bought(settings, backend)
    await sign_in(client, line.buyer_id)
    await write_review(client, line, rating="4", comment="Fine.")
    review = await review_of(line)
    await delivered_days_ago(line, 31)
    closed_on = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).strftime("%d %B %Y")
    page = await client.get(f"/account/reviews/{review['id']}/edit")
    assert page.status_code == 200
    assert "Editing closed on" in page.text and closed_on in page.text
    assert f'action="/account/reviews/{review["id"]}"' not in page.text
    assert f'action="/account/reviews/{review["id"]}/delete"' in page.text
    response = await client.post(f"/account/reviews/{review['id']}", data={
        "_csrf": csrf_from(page.text), "rating": "1", "comment": "Changed my mind."})
    assert response.status_code == 400
    assert "could be edited until" in response.text
    unchanged = await review_of(line)
    assert (unchanged["rating"], unchanged["comment"], unchanged["updated_at"]) == (4, "Fine.", review["updated_at"])
    order_page = (await client.get(f"/account/orders/{line.reference}")).text
    assert "Your review" in order_page and "Edit your review" not in order_page


async def test_deleting_a_review_removes_it_from_the_page_the_rating_and_search(
        client: AsyncTestClient, settings: Settings, backend) -> None:
    line = await bought(settings, backend)
    before = await published_reviews_of(line.model_id)
    await sign_in(client, line.buyer_id)
    await write_review(client, line, rating="1", comment="Arrived with a dead pixel line.")
    review = await review_of(line)
    assert (await search_hit(backend, line.model_id))["rating_count"] == before + 1
    newest = f"/p/{line.slug}/reviews?sort=newest"
    assert "Arrived with a dead pixel line." in (await client.get(newest)).text
    response = await post_form(client, f"/account/reviews/{review['id']}/edit",
                               f"/account/reviews/{review['id']}/delete", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"/account/orders/{line.reference}#")
    assert await review_of(line) is None
    assert "Arrived with a dead pixel line." not in (await client.get(newest)).text
    assert (await model_rating(line.model_id))["rating_count"] == before
    assert (await search_hit(backend, line.model_id))["rating_count"] == before
    assert "Write a review" in (await client.get(f"/account/orders/{line.reference}")).text


# Who may post ---------------------------------------------------------------------------------------------------

async def test_a_review_without_the_csrf_token_is_forbidden(client: AsyncTestClient, settings: Settings,
                                                            backend) -> None:
    line = await bought(settings, backend)
    await sign_in(client, line.buyer_id)
    response = await client.post("/account/reviews", data={"line": str(line.line_id), "rating": "5"})
    assert response.status_code == 403
    assert await review_of(line) is None


@pytest.mark.parametrize("path", ["/account/reviews/new?line=1", "/account/reviews/1/edit"])
async def test_anonymous_visitors_are_sent_to_sign_in(client: AsyncTestClient, path: str) -> None:
    response = await client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/account/reviews/")


# Invitations ----------------------------------------------------------------------------------------------------

async def invitation_mails(line: Bought) -> list[dict]:
    email = (await Order.select(Order.account.email.as_alias("email")).where(
        Order.reference == line.reference).first())["email"]
    return await OutboxEmail.select().where((OutboxEmail.to_address == email)
                                            & (OutboxEmail.kind == "review_invitation"))


async def test_one_invitation_per_line_even_when_the_job_runs_twice_and_concurrently(
        client: AsyncTestClient, settings: Settings, backend) -> None:
    lines = [await bought(settings, backend) for _ in range(3)]
    for line in lines:
        await delivered_days_ago(line, 8)
    mails_before = await OutboxEmail.count().where(OutboxEmail.kind == "review_invitation")
    sent = await asyncio.gather(send_due_invitations(settings), send_due_invitations(settings))
    assert await send_due_invitations(settings) == 0
    assert sum(sent) == await OutboxEmail.count().where(OutboxEmail.kind == "review_invitation") - mails_before
    for line in lines:
        assert await ReviewInvitation.count().where(ReviewInvitation.order_line == line.line_id) == 1
        [mail] = await invitation_mails(line)
        assert f"{settings.public_base_url}/account/reviews/new?line={line.line_id}" in mail["body"]


async def test_the_invitation_links_to_the_review_form(client: AsyncTestClient, settings: Settings,
                                                       backend) -> None:
    line = await bought(settings, backend)
    await delivered_days_ago(line, 7)
    assert await send_due_invitations(settings) >= 1
    [mail] = await invitation_mails(line)
    link = re.search(r"https?://\S+", mail["body"]).group(0)
    await sign_in(client, line.buyer_id)
    form = await client.get(link.removeprefix(settings.public_base_url))
    assert form.status_code == 200 and f'name="line" value="{line.line_id}"' in form.text


async def test_no_invitation_before_7_days_nor_for_a_reviewed_line(client: AsyncTestClient, settings: Settings,
                                                                    backend) -> None:
    recent, reviewed = await bought(settings, backend), await bought(settings, backend)
    await delivered_days_ago(recent, 6)
    await sign_in(client, reviewed.buyer_id)
    await write_review(client, reviewed, rating="5")
    await delivered_days_ago(reviewed, 8)
    await send_due_invitations(settings)
    assert await invitation_mails(recent) == [] and await invitation_mails(reviewed) == []
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    assert await send_due_invitations(settings, now=later) >= 1
    assert len(await invitation_mails(recent)) == 1 and await invitation_mails(reviewed) == []
