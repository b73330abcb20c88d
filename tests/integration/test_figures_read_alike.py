"""A figure reads the same on every page: the same rating on the search card, the product page (summary and
JSON-LD), the reviews section and the operator's console; a price filter typed by a person never breaks the
results page; a ranking weight reads as it is computed.

The demo's history is seeded with random.Random(7): the Galaxy S23 has 10 published reviews (1, 2, 4, 4, 4, 5,
5, 5, 5, 5 stars), an average of 4.00 stars, and the seller Upcycle Gadgets a rating of 4.33 from 3 buyers. Each
test first checks that the rows still say so, so a change of demo data fails here with a clear message, not a
wrong figure.
"""
from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import AsyncIterator
from html import unescape

import pytest
from litestar.testing import AsyncTestClient

from storefront.app import create_app
from storefront.catalog.tables import ProductModel, Variant
from storefront.ranking import RankingWeights
from storefront.reviews.tables import Review
from storefront.sellers.tables import Offer, Seller
from storefront.settings import Settings
from tests.integration.commerce import make_account, sign_in

SLUG = "samsung-galaxy-s23-128-gb-cream"
SELLER = "Upcycle Gadgets"


def json_ld(html: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match, "the page has no JSON-LD"
    return json.loads(match.group(1))


def card_of(results_html: str, slug: str) -> str:
    match = re.search(rf'<article class="card">\s*<a class="card__link" href="/p/{slug}">.*?</article>',
                      results_html, re.S)
    assert match, f"no search card for {slug}"
    return match.group(0)


def star_figure(html: str) -> str:
    """The rating as the rating macro shows it: '★ 4.3', then 'Rated 4.3 out of 5' for screen readers."""
    match = re.search(r'<span class="rating"><span aria-hidden="true">★ ([^<]+)</span>'
                      r'<span class="visually-hidden">Rated ([^<]+) out of 5 by (\d+) buyers</span>', html)
    assert match, "no rating shown"
    assert match.group(1) == match.group(2), "the stars and the words for screen readers differ"
    return match.group(1)


async def test_a_products_rating_reads_the_same_on_the_card_the_product_page_json_ld_and_reviews(
        client: AsyncTestClient) -> None:
    variant = await Variant.select(Variant.model).where(Variant.slug == SLUG).first()
    ratings = [r["rating"] for r in await Review.select(Review.rating).where(
        (Review.model == variant["model"]) & (Review.status == "published"))]
    assert sorted(ratings) == [1, 2, 4, 4, 4, 5, 5, 5, 5, 5], "the demo reviews of the Galaxy S23 have changed"
    model = await ProductModel.select(ProductModel.rating_x100).where(ProductModel.id == variant["model"]).first()
    assert model["rating_x100"] == 400

    results = (await client.get("/search", params={"q": "galaxy s23"})).text
    assert star_figure(card_of(results, SLUG)) == "4.0"

    page = (await client.get(f"/p/{SLUG}")).text
    assert star_figure(page) == "4.0"
    assert '<p class="reviews__average">4.0 <small>/ 5 · 10 reviews</small></p>' in page
    assert json_ld(page)["aggregateRating"]["ratingValue"] == "4.0"

    reviews_page = (await client.get(f"/p/{SLUG}/reviews")).text
    assert '<p class="reviews__average">4.0 <small>/ 5 · 10 reviews</small></p>' in reviews_page
    assert "rated 4.0 out of 5." in reviews_page


async def test_a_sellers_rating_reads_the_same_beside_its_offer_and_in_the_console(client: AsyncTestClient) -> None:
    seller = await Seller.select(Seller.id, Seller.rating_x100, Seller.rating_count).where(
        Seller.name == SELLER).first()
    assert (seller["rating_x100"], seller["rating_count"]) == (433, 3), "the demo's Upcycle Gadgets has changed"

    # The seller's offers are featured on some product pages: find one, as a shopper would.
    offer_facts = None
    for offer in await Offer.select(Offer.variant.slug).where(
            (Offer.seller == seller["id"]) & (Offer.status == "active") & (Offer.stock > 0)).order_by(Offer.id):
        page = (await client.get(f"/p/{offer['variant.slug']}")).text
        offer_facts = re.search(rf"Sold by <strong>{SELLER}</strong> · ★ ([^<]+)</li>", page)
        if offer_facts:
            break
    assert offer_facts, f"no product page features an offer of {SELLER}"
    assert offer_facts.group(1) == "4.3"

    operator = await make_account(role="operator")
    await sign_in(client, operator["id"])
    console = unescape((await client.get(f"/ops/sellers/{seller['id']}")).text)
    assert """<th scope="row">Buyers' rating</th><td>4.3 out of 5</td><td>at least 4.0 out of 5</td>""" in console


async def test_a_price_filter_in_other_digits_is_refused_not_a_server_error(client: AsyncTestClient) -> None:
    response = await client.get("/search", params={"q": "galaxy", "price_min": "²"})
    assert response.status_code == 200
    assert "Enter a price in euros, such as 150 or 149.99." in response.text


@pytest.fixture
async def client_with_half_percent_weights(prepared_store: Settings, backend) -> AsyncIterator[AsyncTestClient]:
    weights = RankingWeights(price=0.375, product_rating=0.125, seller_rating=0.125, processing_quality=0.2,
                             late_delivery=0.125, payment_means=0.05)
    app = create_app(dataclasses.replace(prepared_store, ranking=weights), backend)
    async with AsyncTestClient(app=app) as client:
        yield client


async def test_a_ranking_weight_reads_as_computed_on_the_ranking_page_and_beside_each_offer(
        client_with_half_percent_weights: AsyncTestClient) -> None:
    ranking = unescape((await client_with_half_percent_weights.get("/legal/ranking")).text)
    for label, weight in (("Price", "37.5"), ("Product rating", "12.5"), ("Seller rating", "12.5"),
                          ("Order processing quality", "20")):
        assert f'<th scope="row">{label}</th><td>{weight}\N{NO-BREAK SPACE}%</td>' in ranking, label
    product = unescape((await client_with_half_percent_weights.get(f"/p/{SLUG}")).text)
    assert re.search(r'<th scope="row" id="[\w-]+">Price</th><td headers="[\w -]+">37\.5\xa0%</td>', product)
