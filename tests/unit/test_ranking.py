"""Ranking by quality/price ratio, told as examples a shopper or a seller would recognise."""
from __future__ import annotations

from typing import Any

import pytest

from storefront.ranking import (
    PARAMETERS,
    OfferSignals,
    RankingWeights,
    explain,
    featured_offer,
    rank_offers,
    rank_products,
    score_offer,
)
from storefront.ranking.weights import (
    COSMETIC_RATE,
    DEFECT_RATE,
    LATE_DELIVERY_RATE,
    RATING_PRIOR_MEAN,
    WRONG_ITEM_RATE,
)

# Sellers as shoppers would describe them.
GOOD_SELLER: dict[str, Any] = dict(
    seller_rating=4.7, seller_rating_count=500, defect_rate=0.01, wrong_item_rate=0.005, cosmetic_rate=0.01,
    late_delivery_rate=0.03,
)
BAD_SELLER: dict[str, Any] = dict(
    seller_rating=2.1, seller_rating_count=300, defect_rate=0.15, wrong_item_rate=0.03, cosmetic_rate=0.08,
    late_delivery_rate=0.30,
)
NEW_SELLER: dict[str, Any] = dict(
    seller_rating=None, seller_rating_count=0, defect_rate=None, wrong_item_rate=None, cosmetic_rate=None,
    late_delivery_rate=None,
)
ALL_MEANS = frozenset({"card", "paypal", "instalments", "bank_transfer"})


def offer(**overrides: Any) -> OfferSignals:
    """Product 1 from a good seller at €300.00, free delivery, €800.00 new; override what matters."""
    signals: dict[str, Any] = dict(
        offer_id=1, product_id=1, seller_id=1, grade="good", price_cents=30_000, shipping_cents=0,
        reference_price_cents=80_000, product_rating=4.5, product_rating_count=200,
        payment_means=frozenset({"card", "paypal"}), **GOOD_SELLER,
    )
    signals.update(overrides)
    return OfferSignals(**signals)


def ids(scores: Any) -> list[int]:
    return [s.offer.offer_id for s in scores]


def part(score: Any, key: str) -> Any:
    return next(p for p in score.parts if p.key == key)


# --- Price ---------------------------------------------------------------------------------------------

def test_cheaper_offer_wins_when_all_else_is_equal() -> None:
    ranked = rank_offers([offer(offer_id=1, price_cents=30_000), offer(offer_id=2, price_cents=29_000)])

    assert ids(ranked) == [2, 1]
    assert part(ranked[0], "price").value == 1.0
    assert part(ranked[1], "price").value == pytest.approx(29_000 / 30_000)


def test_shipping_counts_in_the_price_comparison() -> None:
    # €290 + €15 delivery is dearer than €300 delivered free.
    ranked = rank_offers([
        offer(offer_id=1, price_cents=29_000, shipping_cents=1_500),
        offer(offer_id=2, price_cents=30_000, shipping_cents=0),
    ])

    assert ids(ranked) == [2, 1]
    assert part(ranked[1], "price").value == pytest.approx(30_000 / 30_500)


def test_price_part_compares_with_the_cheapest_total_given() -> None:
    score = score_offer(offer(price_cents=40_000), cheapest_total_cents=30_000)

    assert part(score, "price").value == pytest.approx(0.75)
    assert part(score, "price").contribution == pytest.approx(0.40 * 0.75)


# --- Sellers -------------------------------------------------------------------------------------------

def test_much_worse_seller_does_not_win_by_a_few_cents() -> None:
    good = offer(offer_id=1, seller_id=1, price_cents=30_000, **GOOD_SELLER)
    bad = offer(offer_id=2, seller_id=2, price_cents=29_990, **BAD_SELLER)

    ranked = rank_offers([bad, good])

    assert ids(ranked) == [1, 2]
    assert ranked[0].total - ranked[1].total == pytest.approx(0.32, abs=0.01)


def test_much_worse_seller_loses_even_a_fifth_cheaper() -> None:
    good = offer(offer_id=1, seller_id=1, price_cents=30_000, **GOOD_SELLER)
    bad = offer(offer_id=2, seller_id=2, price_cents=24_000, **BAD_SELLER)

    assert ids(rank_offers([bad, good])) == [1, 2]


def test_seller_without_ratings_or_figures_ranks_between_a_good_and_a_bad_seller() -> None:
    ranked = rank_offers([
        offer(offer_id=1, seller_id=1, **BAD_SELLER),
        offer(offer_id=2, seller_id=2, **NEW_SELLER),
        offer(offer_id=3, seller_id=3, **GOOD_SELLER),
    ])

    assert ids(ranked) == [3, 2, 1]


def test_seller_without_ratings_or_figures_is_scored_as_the_typical_seller() -> None:
    score = score_offer(offer(**NEW_SELLER), cheapest_total_cents=30_000)

    # The prior: 4.0 stars on the 1..5 scale.
    assert part(score, "seller_rating").value == pytest.approx((RATING_PRIOR_MEAN - 1) / 4) == 0.75
    # Typical rates: 3 % defects of 10 %, 1 % wrong items of 5 %, 3 % cosmetic of 10 %, 6 % late of 20 %.
    typical = [1 - rule.neutral / rule.zero_at for rule in (DEFECT_RATE, WRONG_ITEM_RATE, COSMETIC_RATE)]
    assert typical == pytest.approx([0.7, 0.8, 0.7])
    assert part(score, "processing_quality").value == pytest.approx(2.2 / 3)
    assert part(score, "late_delivery").value == pytest.approx(1 - LATE_DELIVERY_RATE.neutral / 0.20) == 0.7


def test_product_without_ratings_gets_the_prior_value() -> None:
    score = score_offer(offer(product_rating=None, product_rating_count=0), cheapest_total_cents=30_000)

    assert part(score, "product_rating").value == pytest.approx(0.75)


def test_few_ratings_are_pulled_toward_the_prior() -> None:
    # One 5-star rating counts as (10 × 4.0 + 5) / 11 ≈ 4.09 stars; 500 ratings at 4.8 stay ≈ 4.78.
    one_review = offer(offer_id=1, seller_id=1, seller_rating=5.0, seller_rating_count=1)
    well_known = offer(offer_id=2, seller_id=2, seller_rating=4.8, seller_rating_count=500)

    ranked = rank_offers([one_review, well_known])

    assert ids(ranked) == [2, 1]
    assert part(ranked[1], "seller_rating").value == pytest.approx(((40 + 5) / 11 - 1) / 4)


def test_problem_rates_beyond_the_limit_score_zero_not_less() -> None:
    awful = offer(defect_rate=0.5, wrong_item_rate=0.5, cosmetic_rate=0.5, late_delivery_rate=0.9)

    score = score_offer(awful, cheapest_total_cents=30_000)


    assert part(score, "processing_quality").value == 0.0
    assert part(score, "late_delivery").value == 0.0


# --- Means of payment ----------------------------------------------------------------------------------

def test_accepting_more_means_of_payment_helps_a_little() -> None:
    ranked = rank_offers([
        offer(offer_id=1, payment_means=frozenset({"card"})),
        offer(offer_id=2, payment_means=ALL_MEANS),
    ])

    assert ids(ranked) == [2, 1]
    assert part(ranked[0], "payment_means").value == 1.0
    assert part(ranked[1], "payment_means").value == 0.25
    assert ranked[0].total - ranked[1].total == pytest.approx(0.05 * 0.75)


def test_more_means_of_payment_cannot_beat_a_big_quality_gap() -> None:
    ranked = rank_offers([
        offer(offer_id=1, seller_id=1, payment_means=frozenset({"card"}), **GOOD_SELLER),
        offer(offer_id=2, seller_id=2, payment_means=ALL_MEANS, **BAD_SELLER),
    ])

    assert ids(ranked) == [1, 2]


def test_unknown_means_of_payment_count_for_nothing() -> None:
    score = score_offer(offer(payment_means=frozenset({"card", "cheque", "gift_voucher"})),
                        cheapest_total_cents=30_000)

    assert part(score, "payment_means").value == 0.25


# --- Products on a results page ------------------------------------------------------------------------

def test_higher_product_rating_lifts_a_product() -> None:
    ranked = rank_products([
        offer(offer_id=1, product_id=1, product_rating=4.0, product_rating_count=300),
        offer(offer_id=2, product_id=2, product_rating=4.8, product_rating_count=300),
    ])

    assert [r.product_id for r in ranked] == [2, 1]


def test_products_compare_on_saving_against_new_not_on_price() -> None:
    # A €300 phone worth €600 new (50 % off) beats a €200 one worth €250 new (20 % off).
    ranked = rank_products([
        offer(offer_id=1, product_id=1, price_cents=20_000, reference_price_cents=25_000),
        offer(offer_id=2, product_id=2, price_cents=30_000, reference_price_cents=60_000),
    ])

    assert [r.product_id for r in ranked] == [2, 1]
    assert part(ranked[0], "price").value == 1.0  # 50 % off earns full marks
    assert part(ranked[1], "price").value == pytest.approx(0.20 / 0.50)


def test_unknown_new_price_gives_a_neutral_price_part() -> None:
    (ranked,) = rank_products([offer(reference_price_cents=0)])

    assert part(ranked, "price").value == 0.5


def test_product_is_featured_by_its_best_offer() -> None:
    (ranked,) = rank_products([
        offer(offer_id=1, seller_id=1, price_cents=29_990, **BAD_SELLER),
        offer(offer_id=2, seller_id=2, price_cents=30_000, **GOOD_SELLER),
        offer(offer_id=3, seller_id=3, price_cents=31_000, **GOOD_SELLER),
    ])

    assert ranked.featured.offer.offer_id == 2
    assert ids(ranked.offers) == [2, 3, 1]
    assert ranked.offers[0] is ranked.featured


def test_grade_restriction_keeps_only_that_grade_and_drops_products_without_it() -> None:
    candidates = [
        offer(offer_id=1, product_id=1, grade="excellent", price_cents=35_000),
        offer(offer_id=2, product_id=1, grade="good", price_cents=30_000),
        offer(offer_id=3, product_id=2, grade="good", price_cents=28_000),
        offer(offer_id=4, product_id=2, grade="fair", price_cents=25_000),
    ]

    ranked = rank_products(candidates, grade="good")

    assert sorted(r.product_id for r in ranked) == [1, 2]
    assert all(s.offer.grade == "good" for r in ranked for s in r.offers)
    assert [r.product_id for r in rank_products(candidates, grade="excellent")] == [1]
    assert rank_products(candidates, grade="premium") == []


def test_featured_offer_within_a_grade() -> None:
    offers = [
        offer(offer_id=1, grade="excellent", price_cents=35_000),
        offer(offer_id=2, grade="good", price_cents=30_000),
        offer(offer_id=3, grade="good", price_cents=31_000),
    ]

    assert featured_offer(offers).offer.offer_id == 2  # type: ignore[union-attr]
    assert featured_offer(offers, grade="excellent").offer.offer_id == 1  # type: ignore[union-attr]
    assert featured_offer(offers, grade="premium") is None
    assert featured_offer([]) is None


def test_rank_offers_refuses_offers_of_several_products() -> None:
    with pytest.raises(ValueError, match="one product"):
        rank_offers([offer(offer_id=1, product_id=1), offer(offer_id=2, product_id=2)])


# --- Every score can be explained ----------------------------------------------------------------------

def test_every_offer_score_decomposes_into_weighted_parts() -> None:
    weights = RankingWeights()
    ranked = rank_offers([
        offer(offer_id=1, seller_id=1, **BAD_SELLER),
        offer(offer_id=2, seller_id=2, price_cents=33_333, **NEW_SELLER),
        offer(offer_id=3, seller_id=3, shipping_cents=499),
    ])

    for score in ranked:
        assert [(p.key, p.weight) for p in score.parts] == list(weights.items())
        assert sum(p.contribution for p in score.parts) == score.total
        assert all(0.0 <= p.value <= 1.0 for p in score.parts)
        assert all(p.contribution == p.weight * p.value for p in score.parts)
        assert 0.0 <= score.total <= 1.0


def test_product_score_decomposes_into_weighted_parts() -> None:
    (ranked,) = rank_products([offer(price_cents=40_000, reference_price_cents=80_000)])

    assert [(p.key, p.weight) for p in ranked.parts] == list(RankingWeights().items())
    assert sum(p.contribution for p in ranked.parts) == ranked.score
    assert ranked.parts[1:] == ranked.featured.parts[1:]  # only the price part differs


def test_explain_prints_each_part_as_weight_times_value() -> None:
    score = score_offer(offer(price_cents=40_000), cheapest_total_cents=30_000)

    rows = explain(score)

    assert [row["label"] for row in rows] == [p.label for p in PARAMETERS]
    assert rows[0]["text"] == "Price 0.40 × 0.75 = 0.30"


def test_parameters_are_exactly_the_six_disclosed_ones() -> None:
    assert [p.key for p in PARAMETERS] == [
        "price", "product_rating", "seller_rating", "processing_quality", "late_delivery", "payment_means",
    ]
    assert [p.key for p in PARAMETERS] == [key for key, _ in RankingWeights().items()]


# --- Weights -------------------------------------------------------------------------------------------

def test_default_weights_add_up_to_one() -> None:
    assert dict(RankingWeights().items()) == {
        "price": 0.40, "product_rating": 0.10, "seller_rating": 0.15, "processing_quality": 0.20,
        "late_delivery": 0.10, "payment_means": 0.05,
    }


def test_negative_weight_is_refused() -> None:
    with pytest.raises(ValueError, match="payment_means"):
        RankingWeights(price=0.50, payment_means=-0.05)


def test_weights_not_adding_up_to_one_are_refused() -> None:
    with pytest.raises(ValueError, match=r"add up to 1\.0"):
        RankingWeights(price=0.50)


def test_weights_are_read_from_the_environment() -> None:
    weights = RankingWeights.from_environment({
        "RANKING_WEIGHT_PRICE": "0.35",
        "RANKING_WEIGHT_SELLER_RATING": "0.20",
        "RANKING_WEIGHT_LATE_DELIVERY": "",  # empty keeps the default
        "UNRELATED": "x",
    })

    assert weights.price == 0.35
    assert weights.seller_rating == 0.20
    assert weights.late_delivery == 0.10
    assert RankingWeights.from_environment({}) == RankingWeights()


def test_unreadable_weight_in_the_environment_is_refused() -> None:
    with pytest.raises(ValueError, match="RANKING_WEIGHT_PRICE"):
        RankingWeights.from_environment({"RANKING_WEIGHT_PRICE": "forty"})


def test_other_weights_change_the_order() -> None:
    cheap_new_seller = offer(offer_id=1, seller_id=1, price_cents=25_000, **NEW_SELLER)
    dearer_good_seller = offer(offer_id=2, seller_id=2, price_cents=30_000, **GOOD_SELLER)
    price_only = RankingWeights(price=1.0, product_rating=0, seller_rating=0, processing_quality=0,
                                late_delivery=0, payment_means=0)

    assert ids(rank_offers([cheap_new_seller, dearer_good_seller])) == [2, 1]
    assert ids(rank_offers([cheap_new_seller, dearer_good_seller], weights=price_only)) == [1, 2]


# --- Determinism ---------------------------------------------------------------------------------------

NO_PRICE = RankingWeights(price=0.0, product_rating=0.2, seller_rating=0.2, processing_quality=0.3,
                          late_delivery=0.2, payment_means=0.1)


def test_equal_scores_go_to_the_lower_total_then_the_lower_offer_id() -> None:
    offers = [
        offer(offer_id=3, price_cents=30_000),
        offer(offer_id=2, price_cents=31_000),
        offer(offer_id=1, price_cents=30_000),
    ]

    assert ids(rank_offers(offers, weights=NO_PRICE)) == [1, 3, 2]
    assert ids(rank_offers(list(reversed(offers)), weights=NO_PRICE)) == [1, 3, 2]


def test_equal_product_scores_go_to_the_lower_featured_total_then_the_lower_product_id() -> None:
    candidates = [
        offer(offer_id=1, product_id=3, price_cents=30_000),
        offer(offer_id=2, product_id=2, price_cents=31_000),
        offer(offer_id=3, product_id=1, price_cents=30_000),
    ]

    ranked = rank_products(candidates, weights=NO_PRICE)

    assert [r.product_id for r in ranked] == [1, 3, 2]
    assert [r.product_id for r in rank_products(reversed(candidates), weights=NO_PRICE)] == [1, 3, 2]


# --- Money ---------------------------------------------------------------------------------------------

def test_money_stays_in_integer_cents() -> None:
    (ranked,) = rank_products([offer(price_cents=29_999, shipping_cents=499)])

    assert ranked.featured.offer.price_cents == 29_999
    assert type(ranked.featured.offer.price_cents) is int
    assert type(ranked.featured.offer.total_cents) is int
    assert ranked.featured.offer.total_cents == 30_498


def test_a_float_price_is_refused() -> None:
    with pytest.raises(TypeError, match="price_cents"):
        offer(price_cents=299.99)
    with pytest.raises(TypeError, match="cheapest_total_cents"):
        score_offer(offer(), cheapest_total_cents=299.99)  # type: ignore[arg-type]
