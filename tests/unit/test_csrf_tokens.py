"""CSRF tokens change once an hour, so a page's bytes, and its ETag, hold all hour."""
from __future__ import annotations

from storefront.web import csrf
from storefront.web.viewer import Viewer

SECRET = "a test secret"
NINE_AM = 1_795_338_000  # 2026-11-22 09:00:00 UTC


def test_a_page_rendered_twice_in_one_hour_carries_the_same_token() -> None:
    assert csrf.issue(SECRET, Viewer(), now=NINE_AM + 1) == csrf.issue(SECRET, Viewer(), now=NINE_AM + 3599)


def test_the_next_hour_brings_another_token() -> None:
    assert csrf.issue(SECRET, Viewer(), now=NINE_AM + 3599) != csrf.issue(SECRET, Viewer(), now=NINE_AM + 3600)


def test_an_anonymous_token_issued_on_the_hour_is_accepted_for_six_hours_from_that_hour() -> None:
    token = csrf.issue(SECRET, Viewer(), now=NINE_AM + 1800)
    assert csrf.verify(SECRET, Viewer(), token, allow_anonymous=True, now=NINE_AM + 6 * 3600)
    assert not csrf.verify(SECRET, Viewer(), token, allow_anonymous=True, now=NINE_AM + 6 * 3600 + 1)
