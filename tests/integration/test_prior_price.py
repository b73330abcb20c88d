"""The prior price on the store: "−X %" only against the offer's own lowest price of the 30 days before the
reduction (Price Indication Directive Art. 6a); a saving against the new price said in words, never as a
percentage. Each history is made through the listing service, dated in the past."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from litestar.testing import AsyncTestClient

from search_index.drain import OutboxDrainer
from storefront.sellers import listings
from storefront.sellers.price_history import prior_prices
from storefront.sellers.tables import Offer
from tests.integration.test_listings import fields, variant_of
from tests.integration.test_referencing import ExclusiveSeller, exclusive_seller

NOW = dt.datetime.now(dt.UTC)
ANY_PERCENT_OFF = re.compile(r"−\s*\d+\s*%")


def days_ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


async def offer_with_history(prices: list[tuple[float, int]]) -> tuple[ExclusiveSeller, int]:
    """A product whose only offer on sale (Good, free delivery) took each price `days` ago, oldest first."""
    shop = await exclusive_seller()
    builder_offer = await Offer.select(Offer.id).where(Offer.seller == shop.seller_id).first()
    await listings.pause_offer(shop.seller_id, builder_offer["id"])
    variant = await variant_of(shop)
    for days, price in prices:
        await listings.apply_offers(shop.seller_id, [fields(variant, sku="W-GOOD", grade="good", price_cents=price)],
                                    now=days_ago(days))
    row = await Offer.select(Offer.id).where((Offer.seller == shop.seller_id) & (Offer.sku == "W-GOOD")).first()
    return shop, row["id"]


async def offer_price_line(client: AsyncTestClient, shop: ExclusiveSeller, offer_id: int) -> str:
    """The featured offer's price line on the product page, as text."""
    page = (await client.get(f"/p/{shop.slug}")).text
    line = re.search(rf'<p class="grade-offer__price" id="offer-{offer_id}">(.*?)</p>', page, re.S)
    assert line is not None
    return " ".join(re.sub(r"<[^>]+>", "", line.group(1)).split())


async def test_a_reduction_is_announced_against_the_price_of_the_30_days_before(client: AsyncTestClient) -> None:
    shop, offer_id = await offer_with_history([(41, 30_000), (1, 27_000)])
    assert await offer_price_line(client, shop, offer_id) == (
        "€270.00 −10 % was €300.00 lowest price of the 30 days before this reduction")
    page = (await client.get(f"/p/{shop.slug}")).text
    assert "was <s>€300.00</s>" in page


async def test_a_price_that_went_up_shows_no_percentage(client: AsyncTestClient) -> None:
    shop, offer_id = await offer_with_history([(41, 27_000), (1, 30_000)])
    assert await offer_price_line(client, shop, offer_id) == "€300.00"
    assert not ANY_PERCENT_OFF.search((await client.get(f"/p/{shop.slug}")).text)


async def test_a_lower_price_during_the_30_days_before_means_no_reduction(client: AsyncTestClient) -> None:
    # A price change every day for 30 days, around €300, with one day at €260; then €270.
    history = [(31 - day, 30_000 + (day % 4) * 100) for day in range(30)]
    history[14] = (31 - 14, 26_000)
    shop, offer_id = await offer_with_history([(60, 30_000), *history, (1, 27_000)])
    assert await offer_price_line(client, shop, offer_id) == "€270.00"


async def test_the_lowest_of_30_days_of_changes_is_the_prior_price(client: AsyncTestClient) -> None:
    # Every day for 30 days between €300 and €330, the lowest being €300: €270 is 10 % below it.
    history = [(31 - day, 30_000 + (day % 4) * 1_000) for day in range(30)]
    shop, offer_id = await offer_with_history([(60, 35_000), *history, (1, 27_000)])
    assert await offer_price_line(client, shop, offer_id) == (
        "€270.00 −10 % was €300.00 lowest price of the 30 days before this reduction")


async def test_a_low_price_that_ended_before_the_30_days_does_not_count(client: AsyncTestClient) -> None:
    shop, offer_id = await offer_with_history([(45, 20_000), (32, 30_000), (1, 27_000)])
    assert "−10 %" in await offer_price_line(client, shop, offer_id)


async def test_a_low_price_still_in_force_when_the_30_days_began_counts(client: AsyncTestClient) -> None:
    shop, offer_id = await offer_with_history([(45, 20_000), (30, 30_000), (1, 27_000)])
    assert await offer_price_line(client, shop, offer_id) == "€270.00"


async def test_other_offers_show_their_reduction_too(client: AsyncTestClient) -> None:
    shop, offer_id = await offer_with_history([(41, 30_000), (1, 27_000)])
    variant = await variant_of(shop)
    # A second Good offer, better placed (cheaper), pushes the reduced one among the other offers.
    await listings.apply_offers(shop.seller_id, [fields(variant, sku="W-GOOD-2", grade="good", price_cents=25_000)])
    page = (await client.get(f"/p/{shop.slug}")).text
    row = re.search(rf'<tr id="offer-{offer_id}">(.*?)</tr>', page, re.S)
    assert row is not None and "−10 %" in row.group(1) and "<s>€300.00</s>" in row.group(1)


async def test_the_saving_against_new_is_said_in_words(client: AsyncTestClient) -> None:
    shop, _ = await offer_with_history([(41, 30_000), (1, 27_000)])
    page = (await client.get(f"/p/{shop.slug}")).text
    summary = re.search(r'<p class="product__from">(.*?)</p>', page, re.S)
    assert summary is not None
    text = " ".join(re.sub(r"<[^>]+>", "", summary.group(1)).split())
    # The builder's variant costs €300.00 new; the offer €270.00.
    assert text == "From €270.00 €30.00 cheaper than new (new: €300.00)"
    assert "%" not in text


async def test_no_saving_is_claimed_when_new_is_not_dearer(client: AsyncTestClient) -> None:
    shop, _ = await offer_with_history([(1, 31_000)])
    page = (await client.get(f"/p/{shop.slug}")).text
    assert "cheaper than new" not in page
    assert not ANY_PERCENT_OFF.search(page)


async def test_the_search_card_shows_the_reduction_and_the_saving_in_words(client: AsyncTestClient,
                                                                          drainer: OutboxDrainer) -> None:
    shop, _ = await offer_with_history([(41, 30_000), (1, 27_000)])
    await drainer.drain()
    results = (await client.get("/search", params={"q": shop.product_name})).text
    card = re.search(rf'<article class="card">\s*<a class="card__link" href="/p/{shop.slug}">(.*?)</article>', results,
                     re.S)
    assert card is not None
    text = " ".join(re.sub(r"<[^>]+>", "", card.group(1)).split())
    assert "€270.00 −10 % was €300.00 lowest price of the 30 days before this reduction" in text
    assert "€30.00 cheaper than new" in text


async def test_a_search_card_without_a_reduction_shows_no_percentage(client: AsyncTestClient,
                                                                    drainer: OutboxDrainer) -> None:
    shop, _ = await offer_with_history([(41, 25_000), (1, 27_000)])
    await drainer.drain()
    results = (await client.get("/search", params={"q": shop.product_name})).text
    card = re.search(rf'href="/p/{shop.slug}">(.*?)</article>', results, re.S)
    assert card is not None
    assert not ANY_PERCENT_OFF.search(card.group(1))
    assert "€30.00 cheaper than new" in card.group(1)


async def test_the_structured_data_claims_no_reduction(client: AsyncTestClient) -> None:
    shop, _ = await offer_with_history([(41, 30_000), (1, 27_000)])
    page = (await client.get(f"/p/{shop.slug}")).text
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    product = json.loads(blocks[0])
    assert [offer["price"] for offer in product["offers"]["offers"]] == ["270.00"]
    text = json.dumps(product)
    assert "300.00" not in text and "priceSpecification" not in text and "Strikethrough" not in text


@pytest.mark.usefixtures("prepared_store")
@pytest.mark.parametrize("history", [
    [(1, 27_000)],
    [(41, 30_000), (1, 27_000)],
    [(41, 27_000), (1, 30_000)],
    [(45, 20_000), (30, 30_000), (1, 27_000)],
    [(45, 20_000), (32, 30_000), (1, 27_000)],
    [(60, 30_000), *((31 - day, 30_000 + (day % 4) * 100) for day in range(30)), (1, 27_000)],
])
async def test_the_prior_price_kept_on_the_offer_is_the_one_its_history_gives(history: list) -> None:
    _, offer_id = await offer_with_history(history)
    row = await Offer.select(Offer.prior_price_cents).where(Offer.id == offer_id).first()
    assert row["prior_price_cents"] == (await prior_prices([offer_id])).get(offer_id)
