"""The buyer's service fee with the default rule (2 %, at least €0.49, at most €7.99), in literal cents."""
from __future__ import annotations

import pytest

from storefront.settings import ServiceFeeRule

RULE = ServiceFeeRule()


def test_an_empty_cart_pays_no_fee() -> None:
    assert RULE.fee_for(0) == 0


def test_a_small_cart_pays_the_floor() -> None:
    assert RULE.fee_for(1) == 49
    assert RULE.fee_for(2_450) == 49


@pytest.mark.parametrize(("items_cents", "fee_cents"), [
    (2_449, 49),  # 48.98 → 49, the floor
    (2_450, 49),  # exactly 49
    (2_475, 50),  # 49.5 → 50, rounded half up
    (2_500, 50),
])
def test_around_the_floor(items_cents: int, fee_cents: int) -> None:
    assert RULE.fee_for(items_cents) == fee_cents


def test_two_percent_of_a_hundred_euros() -> None:
    assert RULE.fee_for(10_000) == 200


def test_half_a_cent_rounds_up() -> None:
    assert RULE.fee_for(12_525) == 251  # 250.5


def test_less_than_half_a_cent_rounds_down() -> None:
    assert RULE.fee_for(12_524) == 250  # 250.48


def test_the_ceiling() -> None:
    assert RULE.fee_for(39_925) == 799  # 798.5 → 799, just reaches it
    assert RULE.fee_for(39_900) == 798
    assert RULE.fee_for(39_950) == 799
    assert RULE.fee_for(100_000) == 799
