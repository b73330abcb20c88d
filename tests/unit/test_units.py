"""How figures read: integers in, the text a reader expects out (storefront.units)."""
from __future__ import annotations

import pytest

from storefront.settings import QualityCharter
from storefront.units import (
    measured_percent,
    money,
    parse_euros,
    percent,
    plain_amount,
    share_percent,
    stars,
    stars_out_of_five,
)

NBSP = "\N{NO-BREAK SPACE}"


@pytest.mark.parametrize(("x100", "text"), [
    (425, "4.3"),  # half up: 4.25 is not "4.2", nor "4.25"
    (450, "4.5"), (400, "4.0"), (0, "0.0"), (500, "5.0"), (100, "1.0"),
    (449, "4.5"), (451, "4.5"), (444, "4.4"), (445, "4.5"), (455, "4.6"), (494, "4.9"), (495, "5.0"),
    (359, "3.6"), (233, "2.3"),
])
def test_a_rating_reads_to_one_decimal_rounded_half_up(x100: int, text: str) -> None:
    assert stars(x100) == text


def test_a_rating_in_a_sentence_says_out_of_5() -> None:
    assert stars_out_of_five(425) == "4.3 out of 5"
    assert stars_out_of_five(400) == "4.0 out of 5"


@pytest.mark.parametrize("wrong", [4.25, "425", None, True])
def test_a_rating_that_is_not_hundredths_of_a_star_is_refused(wrong: object) -> None:
    with pytest.raises(TypeError):
        stars(wrong)  # type: ignore[arg-type]


@pytest.mark.parametrize("out_of_scale", [-1, 501, 4250])
def test_a_rating_outside_the_scale_is_refused(out_of_scale: int) -> None:
    with pytest.raises(ValueError):
        stars(out_of_scale)


@pytest.mark.parametrize(("cents", "text"), [
    (0, "€0.00"), (5, "€0.05"), (38_999, "€389.99"), (-1_250, "−€12.50"), (100_000_000, "€1,000,000.00"),
    (49, "€0.49"), (799, "€7.99"),
])
def test_cents_read_as_euros_with_two_decimals(cents: int, text: str) -> None:
    assert money(cents) == text


def test_another_currency_reads_with_its_code() -> None:
    assert money(38_999, "GBP") == "GBP 389.99"


@pytest.mark.parametrize(("cents", "text"), [(0, "0.00"), (5, "0.05"), (38_999, "389.99"), (-1_250, "-12.50"),
                                             (100_000_000, "1000000.00")])
def test_amounts_for_machines_have_no_symbol_nor_separator(cents: int, text: str) -> None:
    assert plain_amount(cents) == text


@pytest.mark.parametrize(("basis_points", "text"), [
    (1_000, "10 %"), (250, "2.5 %"), (5, "0.05 %"), (0, "0 %"), (-75, "−0.75 %"),
    (200, "2 %"), (199, "1.99 %"), (10_000, "100 %"), (12_345, "123.45 %"), (-150, "−1.5 %"),
])
def test_a_rate_set_by_a_rule_reads_exactly_without_trailing_zeros(basis_points: int, text: str) -> None:
    # A no-break space keeps the number and its sign on one line.
    assert percent(basis_points) == text.replace(" ", NBSP)


@pytest.mark.parametrize(("basis_points", "text"), [
    (1_234, "12.3 %"), (1_235, "12.4 %"), (500, "5.0 %"), (5, "0.1 %"), (4, "0.0 %"), (0, "0.0 %"),
    (10_000, "100.0 %"),
])
def test_a_measured_rate_reads_to_one_decimal_rounded_half_up(basis_points: int, text: str) -> None:
    assert measured_percent(basis_points) == text.replace(" ", NBSP)


@pytest.mark.parametrize(("typed", "cents"), [
    ("249", 24_900), ("249.5", 24_950), ("249,50", 24_950), (" €1 234,5 ", 123_450), ("0", 0), (".5", 50),
    ("249.", 24_900), ("€ 12", 1_200), ("1\N{NO-BREAK SPACE}234", 123_400),
    ("1\N{NARROW NO-BREAK SPACE}234,99", 123_499),
    ("10000000", 1_000_000_000),
    # Not readable as a price: nothing, words, a sign, three decimals, two separators, other digits.
    ("", None), ("   ", None), ("abc", None), ("-5", None), ("12.345", None), ("1.234,5", None), ("1,2,3", None),
    ("²", None), ("١٢", None),
    # "1.234" is a thousands separator to some and three decimals to others: refused, not guessed.
    ("1.234", None), ("1,234", None),
    # Over ten million euros is a slip of the keyboard.
    ("10000000.01", None), ("99999999999", None),
])
def test_euros_typed_by_a_person_become_cents(typed: str, cents: int | None) -> None:
    assert parse_euros(typed) == cents


def test_no_text_is_no_price() -> None:
    assert parse_euros(None) is None


@pytest.mark.parametrize("minimum_x100", [425, 401, 0, 510])
def test_the_charters_minimum_rating_is_set_in_tenths_so_it_reads_exactly(minimum_x100: int) -> None:
    with pytest.raises(ValueError):
        QualityCharter(min_rating_x100=minimum_x100)


def test_a_charter_minimum_in_tenths_reads_as_set() -> None:
    assert stars_out_of_five(QualityCharter(min_rating_x100=430).min_rating_x100) == "4.3 out of 5"


@pytest.mark.parametrize(("share", "text"), [(0.4, "40 %"), (0.125, "12.5 %"), (0.375, "37.5 %"), (0.05, "5 %"),
                                             (0.0, "0 %"), (1.0, "100 %"), (0.1, "10 %")])
def test_a_ranking_weight_reads_like_a_rate_without_losing_its_half_percent(share: float, text: str) -> None:
    assert share_percent(share) == text.replace(" ", NBSP)


def test_machine_time_keeps_whole_seconds_for_the_datetime_attribute() -> None:
    import datetime as dt

    from storefront.units import machine_time

    moment = dt.datetime(2026, 11, 10, 0, 18, 46, 246186, tzinfo=dt.UTC)
    assert machine_time(moment) == "2026-11-10T00:18:46+00:00"
    assert machine_time(dt.date(2026, 11, 30)) == "2026-11-30"
