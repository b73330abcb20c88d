"""The prior price of a reduction: the lowest price of the 30 days before it (Price Indication Directive 6a)."""
from __future__ import annotations

import datetime as dt

from storefront.sellers.price_history import prior_price, prior_price_reduction, saving_against_new

DAY0 = dt.datetime(2026, 9, 1, 12, tzinfo=dt.UTC)


def day(n: int) -> dt.datetime:
    return DAY0 + dt.timedelta(days=n)


def test_a_first_price_has_no_prior_price() -> None:
    assert prior_price([(30_000, day(0))]) is None


def test_a_reduction_compares_with_the_price_in_force_before_it() -> None:
    assert prior_price([(30_000, day(0)), (27_000, day(40))]) == 30_000
    assert prior_price_reduction(27_000, 30_000) == 10


def test_a_short_lived_lower_price_within_30_days_is_the_prior_price() -> None:
    # 300 for long, 250 for a week, back to 300, then "reduced" to 280: the prior price is 250, no reduction.
    history = [(30_000, day(0)), (25_000, day(50)), (30_000, day(57)), (28_000, day(70))]
    assert prior_price(history) == 25_000
    assert prior_price_reduction(28_000, 25_000) is None


def test_a_low_price_older_than_30_days_no_longer_counts() -> None:
    history = [(25_000, day(0)), (30_000, day(10)), (27_000, day(45))]
    assert prior_price(history) == 30_000
    assert prior_price_reduction(27_000, 30_000) == 10


def test_the_price_in_force_when_the_window_opens_counts() -> None:
    # 260 set on day 0 was still in force on day 11, when the 30 days before day 41 began.
    history = [(26_000, day(0)), (30_000, day(35)), (24_000, day(41))]
    assert prior_price(history) == 26_000
    assert prior_price_reduction(24_000, 26_000) == 7


def test_every_change_of_30_days_counts_day_by_day() -> None:
    prices = [30_000 - 100 * n for n in range(30)]  # one lower price each day for 30 days
    history = [(price, day(n)) for n, price in enumerate(prices)] + [(28_000, day(30))]
    assert prior_price(history) == 27_100
    assert prior_price_reduction(28_000, 27_100) is None


def test_the_reduction_is_rounded_down() -> None:
    assert prior_price_reduction(19_999, 30_000) == 33
    assert prior_price_reduction(29_900, 30_000) is None  # 0.33 %: nothing to announce


def test_the_saving_against_new_is_a_sum_of_money() -> None:
    assert saving_against_new(49_900, 80_900) == 31_000
    assert saving_against_new(80_900, 80_900) is None
    assert saving_against_new(49_900, 0) is None


def test_a_price_asked_for_a_moment_is_no_prior_price() -> None:
    # On sale at €500 for one second, then €200: the offer was not on sale for the 30 days before the reduction.
    moment = day(0) + dt.timedelta(seconds=1)
    assert prior_price([(50_000, day(0)), (20_000, moment)]) is None
    assert prior_price([(50_000, day(0)), (20_000, day(29))]) is None
    assert prior_price([(50_000, day(0)), (20_000, day(30))]) == 50_000
