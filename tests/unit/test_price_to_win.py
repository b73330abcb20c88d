"""Price to win: the figure a seller is told is the last cent at which the product page features its offer."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from storefront.ranking import OfferSignals, RankingWeights, is_featured, price_to_win
from storefront.ranking.price_to_win import DEFAULT_FLOOR_CENTS
from storefront.sellers.listings import PRICE_MIN_CENTS
from storefront.strategy import product_offers
from tests.unit.test_ranking import ALL_MEANS, BAD_SELLER, GOOD_SELLER, NEW_SELLER, offer

WEIGHTS = RankingWeights()


def featured_on_page(target: OfferSignals, rivals: list[OfferSignals], price_cents: int,
                     weights: RankingWeights = WEIGHTS) -> bool:
    """What the product page would feature in the target's grade, the target at `price_cents`."""
    moved = replace(target, price_cents=price_cents)
    page = product_offers([moved, *rivals], weights)
    return page.featured_by_grade[target.grade].offer.offer_id == target.offer_id


def test_the_floor_is_the_listing_services_lowest_price() -> None:
    assert DEFAULT_FLOOR_CENTS == PRICE_MIN_CENTS == 100


def test_an_offer_without_rivals_is_featured_at_its_own_price() -> None:
    alone = offer(offer_id=7, price_cents=45_000)
    assert price_to_win(alone, []) == 45_000
    assert is_featured(alone, [])


def test_a_featured_offer_is_told_its_current_price() -> None:
    cheaper = offer(offer_id=1, price_cents=28_000)
    dearer = offer(offer_id=2, price_cents=30_000)
    assert price_to_win(cheaper, [dearer]) == 28_000


def test_a_higher_ceiling_says_how_far_a_featured_offer_could_rise() -> None:
    cheaper = offer(offer_id=1, price_cents=28_000)
    dearer = offer(offer_id=2, price_cents=30_000)
    # Same seller figures: offer 1 keeps first place up to the rival's price, where the lower id breaks the tie.
    assert price_to_win(cheaper, [dearer], ceiling_cents=40_000) == 30_000


def test_equal_offers_tie_on_the_lower_offer_id_as_the_page_does() -> None:
    rival = offer(offer_id=2, price_cents=30_000)
    # The lower id wins the tie at the same total: €300.00 is enough for offer 1 ...
    assert price_to_win(offer(offer_id=1, price_cents=32_000), [rival]) == 30_000
    # ... while offer 3 must be a cent cheaper than the rival.
    assert price_to_win(offer(offer_id=3, price_cents=32_000), [rival]) == 29_999
    assert featured_on_page(offer(offer_id=3), [rival], 29_999)
    assert not featured_on_page(offer(offer_id=3), [rival], 30_000)


def test_shipping_counts_in_the_total_compared() -> None:
    rival = offer(offer_id=2, price_cents=30_000, shipping_cents=0)
    target = offer(offer_id=1, price_cents=32_000, shipping_cents=1_000)
    assert price_to_win(target, [rival]) == 29_000


def test_a_worse_rated_seller_must_be_much_cheaper() -> None:
    rival = offer(offer_id=2, price_cents=30_000, **GOOD_SELLER)
    target = offer(offer_id=1, price_cents=30_000, **BAD_SELLER)
    figure = price_to_win(target, [rival])
    assert figure == 6_023
    assert featured_on_page(target, [rival], 6_023)
    assert not featured_on_page(target, [rival], 6_024)


def test_a_better_rated_seller_may_be_dearer() -> None:
    rival = offer(offer_id=2, price_cents=30_000, **NEW_SELLER)
    target = offer(offer_id=1, price_cents=40_000, **GOOD_SELLER, payment_means=ALL_MEANS)
    figure = price_to_win(target, [rival], ceiling_cents=100_000)
    assert figure == 39_876
    assert featured_on_page(target, [rival], 39_876)
    assert not featured_on_page(target, [rival], 39_877)


def test_no_price_wins_against_a_far_better_rival_when_price_weighs_little() -> None:
    weights = RankingWeights(price=0.10, product_rating=0.10, seller_rating=0.30, processing_quality=0.30,
                             late_delivery=0.15, payment_means=0.05)
    rival = offer(offer_id=2, price_cents=30_000, **GOOD_SELLER)
    target = offer(offer_id=1, price_cents=30_000, **BAD_SELLER)
    assert price_to_win(target, [rival], weights) is None
    assert not featured_on_page(target, [rival], PRICE_MIN_CENTS, weights)


def test_offers_of_other_grades_and_products_do_not_compete() -> None:
    target = offer(offer_id=3, grade="good", price_cents=30_000)
    other_grade = offer(offer_id=1, grade="fair", price_cents=10_000)
    other_product = offer(offer_id=2, product_id=9, grade="good", price_cents=10_000)
    assert price_to_win(target, [other_grade, other_product, target]) == 30_000


def test_a_floor_above_the_ceiling_wins_nothing() -> None:
    assert price_to_win(offer(price_cents=150), [], floor_cents=200) is None


# ---------------------------------------------------------------------------------------------------------
# For every case: the stated price wins on the product page, one cent more loses, and lower prices win.

seller_figures = st.fixed_dictionaries({
    "seller_rating": st.one_of(st.none(), st.floats(min_value=1, max_value=5)),
    "seller_rating_count": st.integers(min_value=0, max_value=2_000),
    "defect_rate": st.one_of(st.none(), st.floats(min_value=0, max_value=0.2)),
    "wrong_item_rate": st.one_of(st.none(), st.floats(min_value=0, max_value=0.1)),
    "cosmetic_rate": st.one_of(st.none(), st.floats(min_value=0, max_value=0.2)),
    "late_delivery_rate": st.one_of(st.none(), st.floats(min_value=0, max_value=0.4)),
})
means = st.frozensets(st.sampled_from(sorted(ALL_MEANS)), min_size=1)


@st.composite
def offers_of_one_grade(draw: Any, offer_id: int) -> OfferSignals:
    return offer(offer_id=offer_id, grade="excellent", seller_id=offer_id,
                 price_cents=draw(st.integers(min_value=100, max_value=200_000)),
                 shipping_cents=draw(st.sampled_from([0, 0, 490, 999, draw(st.integers(0, 5_000))])),
                 payment_means=draw(means), **draw(seller_figures))


@st.composite
def cases(draw: Any) -> tuple[OfferSignals, list[OfferSignals]]:
    count = draw(st.integers(min_value=0, max_value=6))
    ids = draw(st.permutations(range(1, count + 2)))
    offers = [draw(offers_of_one_grade(i)) for i in ids]
    return offers[0], offers[1:]


@settings(max_examples=300, deadline=None)
@given(cases())
def test_the_stated_price_wins_and_a_cent_more_loses(case: tuple[OfferSignals, list[OfferSignals]]) -> None:
    target, rivals = case
    ceiling = 250_000
    figure = price_to_win(target, rivals, ceiling_cents=ceiling)
    if figure is None:
        assert not featured_on_page(target, rivals, PRICE_MIN_CENTS)
        return
    assert featured_on_page(target, rivals, figure)
    if figure < ceiling:
        assert not featured_on_page(target, rivals, figure + 1)
    for lower in (PRICE_MIN_CENTS, (PRICE_MIN_CENTS + figure) // 2, max(PRICE_MIN_CENTS, figure - 1)):
        assert featured_on_page(target, rivals, lower)


@settings(max_examples=200, deadline=None)
@given(cases())
def test_featured_now_means_the_figure_is_the_current_price(case: tuple[OfferSignals, list[OfferSignals]]) -> None:
    target, rivals = case
    featured = is_featured(target, rivals)
    assert featured == featured_on_page(target, rivals, target.price_cents)
    figure = price_to_win(target, rivals)
    assert (figure == target.price_cents) == featured
    if not featured:
        assert figure is None or figure < target.price_cents
