"""Reading reviews over HTTP: the product page's reviews section, /p/{slug}/reviews with its four sorts and
pages (full page or HTMX partial), escaping, the offered-only rule, JSON-LD and the reviews policy page.

Expected orders are computed here from the database with the documented rules, not by the service."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from litestar.testing import AsyncTestClient
from markupsafe import escape

from storefront.catalog.tables import Variant
from storefront.orders.tables import OrderLine
from storefront.reviews import rules, service
from storefront.reviews.tables import Review
from storefront.sellers.tables import Offer

SLUG = "apple-iphone-13-128-gb-midnight"
HX = {"HX-Request": "true"}


def review_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-review-id="(\d+)"', html)]


def json_ld(html: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match, "product page has no JSON-LD"
    return json.loads(match.group(1))


def day(moment: dt.datetime) -> str:
    """A date as the page shows it: 3 October 2026, in a <time> element."""
    return f'<time datetime="{moment.date().isoformat()}">{moment.day} {moment:%B %Y}</time>'


async def model_of(slug: str) -> int:
    return (await Variant.select(Variant.model).where(Variant.slug == slug).first())["model"]


def newest_first(review: dict) -> tuple:
    return (review["published_at"], review["id"])


async def expected_ids(model_id: int, sort: str) -> list[int]:
    """The documented orders; every tie ends on the newest, then the highest id."""
    rows = await Review.select(Review.id, Review.rating, Review.relevance, Review.published_at).where(
        (Review.model == model_id) & (Review.status == "published"))
    keys = {
        "relevance": lambda r: (r["relevance"], *newest_first(r)),
        "newest": newest_first,
        "highest": lambda r: (r["rating"], *newest_first(r)),
        "lowest": lambda r: (-r["rating"], *newest_first(r)),
    }
    return [r["id"] for r in sorted(rows, key=keys[sort], reverse=True)]


async def test_product_page_shows_the_summary_and_verified_reviews_with_their_dates(client: AsyncTestClient) -> None:
    model_id = await model_of(SLUG)
    summary = await service.summary(model_id)
    assert summary.count >= 25, "the demo data should give the iPhone 13 plenty of reviews"
    html = (await client.get(f"/p/{SLUG}")).text
    tenths = (summary.average_x100 + 5) // 10
    assert f'{tenths // 10}.{tenths % 10} <small>/ 5 · {summary.count} reviews' in html
    for stars, count in summary.distribution.items():
        assert f"<span>{stars} ★</span>" in html and f'class="count">{count}<' in html
    shown = review_ids(html)
    assert shown == (await expected_ids(model_id, "relevance"))[:rules.PAGE_SIZE]
    first = await Review.select().where(Review.id == shown[0]).first()
    assert html.count("Verified purchase") == len(shown)
    assert f"Published {day(first['published_at'])} · purchased {day(first['purchased_at'])}" in html
    assert f'href="/reviews/{shown[0]}/report"' in html
    assert str(escape(rules.RELEVANCE_FORMULA)) in html and 'href="/legal/reviews"' in html


@pytest.mark.parametrize("sort", list(rules.SORTS))
async def test_each_sort_gives_the_documented_order(client: AsyncTestClient, sort: str) -> None:
    response = await client.get(f"/p/{SLUG}/reviews", params={"sort": sort})
    assert response.status_code == 200
    assert review_ids(response.text) == (await expected_ids(await model_of(SLUG), sort))[:rules.PAGE_SIZE]
    # The default order's link is the canonical URL of the reviews, without a sort parameter.
    link = f"/p/{SLUG}/reviews" if sort == "relevance" else f"/p/{SLUG}/reviews?sort={sort}"
    assert f'href="{link}" data-hx-get="{link}"' in response.text


async def test_the_sorts_really_differ_on_the_demo_iphone(client: AsyncTestClient) -> None:
    orders = [review_ids((await client.get(f"/p/{SLUG}/reviews", params={"sort": s})).text) for s in rules.SORTS]
    assert len({tuple(o) for o in orders}) == len(rules.SORTS)


async def test_an_unknown_sort_falls_back_to_relevance_and_a_bad_page_to_the_first(client: AsyncTestClient) -> None:
    relevance = review_ids((await client.get(f"/p/{SLUG}/reviews")).text)
    for params in ({"sort": "cheapest"}, {"page": "abc"}, {"page": "0"}, {"page": "999"}):
        response = await client.get(f"/p/{SLUG}/reviews", params=params)
        assert response.status_code == 200
        assert review_ids(response.text) == relevance


async def test_htmx_gets_only_the_partial_in_the_same_order(client: AsyncTestClient) -> None:
    full = await client.get(f"/p/{SLUG}/reviews", params={"sort": "lowest"})
    fragment = await client.get(f"/p/{SLUG}/reviews", params={"sort": "lowest"}, headers=HX)
    assert full.status_code == fragment.status_code == 200
    assert "<html" in full.text and "<html" not in fragment.text
    assert 'id="reviews"' in full.text and 'class="reviews__layout"' in fragment.text
    assert review_ids(fragment.text) == review_ids(full.text)
    assert "HX-Request" in full.headers["vary"].split(",")
    assert full.headers["vary"] == fragment.headers["vary"]
    assert 'data-hx-target="#reviews" data-hx-push-url="true"' in fragment.text


async def test_page_two_has_the_next_reviews_and_none_of_the_first(client: AsyncTestClient) -> None:
    expected = await expected_ids(await model_of(SLUG), "newest")
    first = review_ids((await client.get(f"/p/{SLUG}/reviews", params={"sort": "newest"})).text)
    second = review_ids((await client.get(f"/p/{SLUG}/reviews", params={"sort": "newest", "page": 2})).text)
    assert first == expected[:rules.PAGE_SIZE]
    assert second == expected[rules.PAGE_SIZE:2 * rules.PAGE_SIZE]
    assert not set(first) & set(second)


async def test_unknown_product_has_no_reviews_page(client: AsyncTestClient) -> None:
    assert (await client.get("/p/no-such-phone/reviews")).status_code == 404


async def test_markup_in_a_comment_is_shown_as_text(client: AsyncTestClient) -> None:
    model_id = await model_of(SLUG)
    # A second line on a demo buyer's order, so the new review has a real purchase behind it.
    model_review = await Review.select().where(Review.model == model_id).first()
    demo_line = await OrderLine.select().where(OrderLine.id == model_review["order_line"]).first()
    line = OrderLine(**{k: v for k, v in demo_line.items() if k != "id"})
    await line.save()
    comment = "<script>alert('review')</script> " + "Great phone. " * 40
    now = dt.datetime.now(dt.UTC)
    review = Review(order_line=line.id, account=model_review["account"], model=model_id,
                    variant=model_review["variant"], seller=model_review["seller"], rating=5, comment=comment,
                    relevance=rules.relevance(5, comment), purchased_at=model_review["purchased_at"],
                    delivered_at=model_review["delivered_at"], submitted_at=now, published_at=now, updated_at=now)
    await review.save()
    html = (await client.get(f"/p/{SLUG}")).text
    assert review.id in review_ids(html)
    assert "&lt;script&gt;alert(&#39;review&#39;)&lt;/script&gt;" in html
    assert "<script>alert(" not in html


async def test_a_product_with_no_available_offer_shows_no_reviews(client: AsyncTestClient) -> None:
    variant = await Variant.select(Variant.id, Variant.slug).where(Variant.slug == "apple-iphone-12-64-gb-blue").first()
    assert (await client.get(f"/p/{variant['slug']}/reviews")).status_code == 200
    await Offer.update({Offer.status: "inactive"}).where(Offer.variant == variant["id"])
    page = await client.get(f"/p/{variant['slug']}")
    assert page.status_code == 200
    assert 'id="reviews"' not in page.text and "Verified purchase" not in page.text
    assert (await client.get(f"/p/{variant['slug']}/reviews")).status_code == 404


async def test_json_ld_rating_is_the_reviews_summary(client: AsyncTestClient) -> None:
    summary = await service.summary(await model_of(SLUG))
    html = (await client.get(f"/p/{SLUG}")).text
    data = json_ld(html)
    shown = re.search(r'<p class="reviews__average">([^ ]+) <small>', html)
    assert shown, "the reviews summary shows no average"
    # Crawlers are given the figure shoppers read (tests/integration/test_figures_read_alike.py pins its form).
    assert data["aggregateRating"]["ratingValue"] == shown.group(1)
    assert data["aggregateRating"]["reviewCount"] == summary.count
    assert 1 <= len(data["review"]) <= 5
    assert all(r["@type"] == "Review" and r["author"]["name"] and r["datePublished"] for r in data["review"])


async def test_reviews_policy_reads_its_figures_from_the_rules(client: AsyncTestClient,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    html = (await client.get("/legal/reviews")).text
    assert str(escape(rules.RELEVANCE_FORMULA)) in html
    assert f"edit your review for {rules.EDIT_WINDOW.days} days" in html
    assert all(str(escape(reason)) in html for reason in rules.REPORT_REASONS.values())
    monkeypatch.setattr(rules, "EDIT_WINDOW", dt.timedelta(days=45))
    assert "edit your review for 45 days" in (await client.get("/legal/reviews")).text
