"""Price to win, proved on the product page: an offer moved to the stated price is featured in its grade, and a
cent above it is not."""
from __future__ import annotations

import re
from dataclasses import replace

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from storefront.sellers import listings
from storefront.sellers.price_to_win import FeaturedStatus, featured_status
from storefront.sellers.tables import Offer
from storefront.settings import Settings
from tests.integration.test_listings import fields, variant_of
from tests.integration.test_referencing import ExclusiveSeller, exclusive_seller

ALL_MEANS = ("card", "paypal", "instalments", "bank_transfer")


async def featured_in_grade(client: AsyncTestClient, slug: str, offer_id: int) -> bool:
    """Whether the product page shows the offer among the featured offers per grade (not among the others)."""
    page = (await client.get(f"/p/{slug}")).text
    featured = page.split('class="grade-offers"', 1)[1].split('class="other-offers"', 1)[0]
    assert f'id="offer-{offer_id}"' in page, "the offer is not on the page at all"
    return f'id="offer-{offer_id}"' in featured


async def two_sellers(client: AsyncTestClient) -> tuple[ExclusiveSeller, int, int]:
    """Seller A's €129.00 offer against seller B's €119.00 one, both Excellent, free delivery, new sellers
    alike; B accepts every means of payment, A only cards. A's offer made by the builder is paused."""
    a = await exclusive_seller()
    b = await exclusive_seller()
    variant = await variant_of(a)
    builder_offer = await Offer.select(Offer.id).where(Offer.seller == a.seller_id).first()
    await listings.pause_offer(a.seller_id, builder_offer["id"])
    mine = await listings.create_offer(a.seller_id, fields(variant, sku="A-EX", price_cents=12_900))
    theirs = await listings.create_offer(b.seller_id, fields(variant, sku="B-EX", price_cents=11_900,
                                                             payment_means=ALL_MEANS))
    return a, mine, theirs


async def set_price(seller_id: int, offer_id: int, price_cents: int) -> None:
    row = await Offer.select().where(Offer.id == offer_id).first()
    await listings.update_offer(seller_id, offer_id, replace(listings.offer_fields_of(row), price_cents=price_cents))


async def test_the_stated_price_is_featured_and_a_cent_more_is_not(client: AsyncTestClient) -> None:
    a, mine, theirs = await two_sellers(client)
    assert not await featured_in_grade(client, a.slug, mine)
    status = (await featured_status(a.seller_id, [mine]))[mine]
    assert (status.featured, status.grade, status.featured_price_cents, status.featured_total_cents) == (
        False, "excellent", 11_900, 11_900)
    # B's extra means of payment are worth 0.0375 points; A must make it up on price: 119.00 × 0.90625.
    assert status.price_to_win_cents == 10_784
    assert status.reduction_to_win_cents == 2_116

    await set_price(a.seller_id, mine, 10_784)
    assert await featured_in_grade(client, a.slug, mine)
    assert not await featured_in_grade(client, a.slug, theirs)
    assert (await featured_status(a.seller_id, [mine]))[mine].featured

    await set_price(a.seller_id, mine, 10_785)
    assert not await featured_in_grade(client, a.slug, mine)
    assert await featured_in_grade(client, a.slug, theirs)


async def test_delivery_counts_in_the_featured_total(client: AsyncTestClient) -> None:
    a, mine, theirs = await two_sellers(client)
    row = await Offer.select().where(Offer.id == theirs).first()
    b_seller = row["seller"]
    await listings.update_offer(b_seller, theirs, replace(listings.offer_fields_of(row), shipping_cents=500))
    status = (await featured_status(a.seller_id, [mine]))[mine]
    assert (status.featured_price_cents, status.featured_total_cents, status.featured_shipping_cents) == (
        11_900, 12_400, 500)
    figure = status.price_to_win_cents
    assert figure == 11_237  # 124.00 × 0.90625, rounded down to the cent
    await set_price(a.seller_id, mine, figure)
    assert await featured_in_grade(client, a.slug, mine)
    await set_price(a.seller_id, mine, figure + 1)
    assert not await featured_in_grade(client, a.slug, mine)


async def test_a_featured_offer_has_no_price_to_win(client: AsyncTestClient) -> None:
    _, _, theirs = await two_sellers(client)
    row = await Offer.select().where(Offer.id == theirs).first()
    status = (await featured_status(row["seller"], [theirs]))[theirs]
    assert (status.featured, status.price_to_win_cents, status.featured_price_cents) == (True, None, 11_900)
    # What it leads by: its parts beside the next best offer's (A's, €129.00 with cards only).
    assert status.compared_with == "Next best offer"
    parts = {part["key"]: part for part in status.explanation}
    assert round(parts["payment_means"]["difference"], 4) == 0.0375
    assert round(parts["price"]["featured_value"], 4) == round(11_900 / 12_900, 4)


async def test_the_explanation_compares_part_by_part(client: AsyncTestClient) -> None:
    a, mine, _ = await two_sellers(client)
    status = (await featured_status(a.seller_id, [mine]))[mine]
    parts = {part["key"]: part for part in status.explanation}
    assert list(parts) == ["price", "product_rating", "seller_rating", "processing_quality", "late_delivery",
                           "payment_means", "total"]
    assert (parts["payment_means"]["value"], parts["payment_means"]["featured_value"]) == (0.25, 1.0)
    assert round(parts["payment_means"]["difference"], 4) == -0.0375
    assert parts["price"]["featured_value"] == 1.0
    assert round(parts["price"]["value"], 4) == round(11_900 / 12_900, 4)
    assert parts["seller_rating"]["difference"] == 0


async def test_a_paused_or_sold_out_offer_is_not_on_sale_rather_than_priced(client: AsyncTestClient) -> None:
    a, mine, _ = await two_sellers(client)
    await listings.pause_offer(a.seller_id, mine)
    status = (await featured_status(a.seller_id, [mine]))[mine]
    assert (status.on_sale, status.featured, status.price_to_win_cents) == (False, False, None)
    assert status.not_on_sale_reason == "Not on sale: you paused this offer."
    await listings.resume_offer(a.seller_id, mine)
    await set_price(a.seller_id, mine, 12_900)
    row = await Offer.select().where(Offer.id == mine).first()
    await listings.update_offer(a.seller_id, mine, replace(listings.offer_fields_of(row), stock=0))
    status = (await featured_status(a.seller_id, [mine]))[mine]
    assert (status.on_sale, status.not_on_sale_reason) == (False, "Not on sale: out of stock.")


async def test_only_the_sellers_own_offers_are_read(client: AsyncTestClient) -> None:
    a, mine, theirs = await two_sellers(client)
    assert set(await featured_status(a.seller_id, [mine, theirs, 999_999])) == {mine}


async def test_an_offer_alone_in_its_grade_is_featured(client: AsyncTestClient) -> None:
    a, mine, _ = await two_sellers(client)
    # Arranged in the table: the listing service keeps an offer in its grade (a new grade is a new offer).
    await Offer.update({Offer.grade: "good"}).where(Offer.id == mine)
    status = (await featured_status(a.seller_id, [mine]))[mine]
    assert (status.featured, status.grade, status.featured_price_cents) == (True, "good", 12_900)
    assert status.explanation == []


# ---------------------------------------------------------------------------------------------------------
# The partial the seller portal includes.


def render(app: Litestar, status: FeaturedStatus, offer: dict) -> str:
    template = app.template_engine.get_template("partials/price_to_win.html")  # type: ignore[union-attr]
    return " ".join(template.render(status=status, offer=offer).split())


@pytest.fixture
def app(settings: Settings, client: AsyncTestClient) -> Litestar:
    return client.app


async def test_the_partial_says_featured(client: AsyncTestClient, app: Litestar) -> None:
    status = FeaturedStatus(featured=True, grade="excellent", price_cents=11_900, price_to_win_cents=None,
                            featured_price_cents=11_900, featured_total_cents=11_900)
    assert "Featured in Excellent" in render(app, status, {"id": 1, "sku": "A", "price_cents": 11_900})


async def test_the_partial_states_the_price_to_win_and_the_featured_total(client: AsyncTestClient,
                                                                         app: Litestar) -> None:
    a, mine, _ = await two_sellers(client)
    status = (await featured_status(a.seller_id, [mine]))[mine]
    html = render(app, status, {"id": mine, "sku": "A-EX", "price_cents": 12_900})
    text = " ".join(re.sub(r"<[^>]+>", "", html).split())
    assert ("Not featured: at €107.84 or less (−€21.16) this offer would be featured in Excellent, all else equal. "
            "Featured now: €119.00 (free delivery).") in text
    assert "<strong>€107.84</strong>" in html
    assert '<a href="/legal/ranking">How offers are ranked</a>' in html
    assert "Means of payment" in html


async def test_the_partial_says_when_no_price_wins_and_when_not_on_sale(client: AsyncTestClient,
                                                                       app: Litestar) -> None:
    hopeless = FeaturedStatus(featured=False, grade="good", price_cents=20_000, price_to_win_cents=None,
                              featured_price_cents=19_000, featured_total_cents=19_490)
    html = render(app, hopeless, {"id": 2, "sku": "B", "price_cents": 20_000})
    assert "even at €1.00 this offer would not be featured in Good" in html
    assert "Featured now: €194.90 (incl. delivery €4.90)." in html
    paused = FeaturedStatus(featured=False, grade="good", price_cents=20_000, price_to_win_cents=None,
                            featured_price_cents=19_000, featured_total_cents=19_490, on_sale=False,
                            not_on_sale_reason="Not on sale: you paused this offer.")
    html = render(app, paused, {"id": 2, "sku": "B", "price_cents": 20_000})
    assert "Not on sale: you paused this offer." in html and "Featured now" not in html


async def test_every_offer_of_a_demo_product_reads_as_the_product_page_features_it(client: AsyncTestClient) -> None:
    slug = "apple-iphone-13-128-gb-midnight"
    page = (await client.get(f"/p/{slug}")).text
    featured_section = page.split('class="grade-offers"', 1)[1].split('class="other-offers"', 1)[0]
    on_page = set(map(int, re.findall(r'id="offer-(\d+)"', page)))
    featured_on_page = set(map(int, re.findall(r'id="offer-(\d+)"', featured_section)))
    offers = await Offer.select(Offer.id, Offer.seller).where(Offer.variant._.slug == slug)
    read = {}
    for offer in offers:
        read.update(await featured_status(offer["seller"], [offer["id"]]))
    assert len(featured_on_page) >= 3 and len(on_page) > len(featured_on_page)
    assert {offer_id for offer_id, status in read.items() if status.featured} == featured_on_page
    assert {offer_id for offer_id, status in read.items() if status.on_sale} == on_page


async def test_each_demo_offer_moved_to_its_price_to_win_is_featured_and_a_cent_above_is_not(
        client: AsyncTestClient) -> None:
    slug = "apple-iphone-13-128-gb-midnight"
    offers = await Offer.select(Offer.id, Offer.seller, Offer.price_cents).where(Offer.variant._.slug == slug)
    tried = 0
    for offer in offers:
        status = (await featured_status(offer["seller"], [offer["id"]]))[offer["id"]]
        if status.featured or status.price_to_win_cents is None:
            continue
        figure = status.price_to_win_cents
        await set_price(offer["seller"], offer["id"], figure)
        assert await featured_in_grade(client, slug, offer["id"]), (offer, figure)
        await set_price(offer["seller"], offer["id"], figure + 1)
        assert not await featured_in_grade(client, slug, offer["id"]), (offer, figure)
        await set_price(offer["seller"], offer["id"], offer["price_cents"])
        tried += 1
    assert tried >= 3
