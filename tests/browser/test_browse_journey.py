"""The browsing journey in headless Chromium: typing, facets and paging swap results without a reload."""
from __future__ import annotations

import re
import time

import pytest

from tests.browser.axe import assert_accessible
from tests.browser.csp import wait_for

pytestmark = pytest.mark.browser


def card_titles(page) -> list[str]:
    return page.locator(".card__title").all_inner_texts()


def wait_until_every_card(page, text: str, *, prefix: bool = False) -> None:
    test = "startsWith" if prefix else "includes"
    wait_for(page, f"[...document.querySelectorAll('.card__title')].every(e => e.textContent.{test}({text!r}))")


def test_misspelt_query_then_a_facet_update_results_without_a_full_page_load(live_server: str, desktop) -> None:
    page = desktop
    page.goto(f"{live_server}/search")
    page.evaluate("window.__sameDocument = true")
    before = card_titles(page)

    page.fill("#search-q", "iphnoe")
    page.wait_for_url(re.compile(r"q=iphnoe"))
    wait_until_every_card(page, "iPhone")
    iphones = card_titles(page)
    assert iphones and iphones != before

    page.get_by_role("checkbox", name=re.compile(r"^256 GB")).check()
    page.wait_for_url(re.compile(r"storage=256"))
    wait_until_every_card(page, "256 GB")
    filtered = card_titles(page)
    assert filtered and all("iPhone" in t and "256 GB" in t for t in filtered)
    assert page.evaluate("window.__sameDocument") is True, "the page was reloaded"
    assert_accessible(page)
    assert page.locator("#search-q").input_value() == "iphnoe"

    page.go_back()
    page.wait_for_url(re.compile(r"q=iphnoe$"))
    wait_for(page, "!document.querySelector('input[name=storage][value=\"256 GB\"]').checked")


def test_on_a_phone_filters_fold_away_and_still_work(live_server: str, phone) -> None:
    page = phone
    page.goto(f"{live_server}/c/smartphones")
    assert not page.get_by_role("checkbox", name=re.compile("^Samsung")).is_visible()
    page.get_by_text("Filters").click()
    page.get_by_role("checkbox", name=re.compile("^Samsung")).check()
    page.wait_for_url(re.compile(r"brand=samsung"))
    wait_until_every_card(page, "Samsung", prefix=True)
    assert page.get_by_role("checkbox", name=re.compile("^Samsung")).is_visible(), "filters stay open while used"
    assert_accessible(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "nothing overflows the phone's width"


def test_without_javascript_the_same_form_submits_by_get(live_server: str, no_js) -> None:
    page = no_js
    page.goto(f"{live_server}/search?q=galaxy")
    page.get_by_text("Filters").click()
    page.get_by_role("radio", name=re.compile("^Fair")).check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"grade=fair"))
    assert card_titles(page) and all("Galaxy" in t for t in card_titles(page))
    page.get_by_role("link", name="Next").click()
    page.wait_for_url(re.compile(r"page=2"))


def test_product_page_shows_offers_per_grade_and_the_fee_rule(live_server: str, phone) -> None:
    page = phone
    page.goto(f"{live_server}/p/apple-iphone-13-128-gb-midnight")
    assert page.locator("h1").inner_text().startswith("Apple iPhone 13 128 GB Midnight")
    assert page.locator(".grade-offer").count() == 4
    assert "service fee" in page.locator(".product__fee").inner_text()
    page.get_by_role("link", name="256 GB").click()
    page.wait_for_url(re.compile(r"/p/apple-iphone-13-256-gb-midnight$"))


def test_a_product_page_fits_a_phone_with_the_buy_button_in_reach(live_server: str, phone) -> None:
    page = phone
    page.goto(f"{live_server}/p/apple-iphone-13-128-gb-midnight")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "nothing scrolls sideways on a phone"
    buy = page.get_by_role("button", name=re.compile("Add to cart")).first
    box = buy.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390, "the featured offer's button is on screen"
    for other in page.locator(".other-offers button").all():
        other.scroll_into_view_if_needed()
        box = other.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 390, "every other offer's button is on screen"
    assert_accessible(page)


def test_typing_a_price_range_at_human_speed_keeps_every_keystroke(live_server: str, desktop) -> None:
    page = desktop
    page.goto(f"{live_server}/c/smartphones")

    def slow_network(route) -> None:
        time.sleep(0.25)  # the update for "From" lands in the middle of typing "To", as on a real connection
        route.continue_()

    page.route(re.compile(r"/c/smartphones\?"), slow_network)
    page.locator("#price-min").click()
    page.keyboard.type("200", delay=120)
    page.keyboard.press("Tab")
    page.keyboard.type("450", delay=150)
    page.keyboard.press("Tab")
    page.wait_for_url(re.compile(r"price_min=200.*price_max=450"))
    assert page.locator("#price-min").input_value() == "200"
    assert page.locator("#price-max").input_value() == "450"


def test_next_shows_the_top_of_the_new_results_and_moves_focus_there(live_server: str, phone) -> None:
    page = phone
    page.goto(f"{live_server}/c/smartphones")
    first = card_titles(page)
    page.get_by_role("link", name="Next").click()
    page.wait_for_url(re.compile(r"page=2"))
    wait_for(page, "document.activeElement && document.activeElement.id === 'results-count'")
    assert card_titles(page) != first
    top = page.evaluate("document.getElementById('results-count').getBoundingClientRect().top")
    assert 0 <= top < 844, "the count of the new page is on screen, not the footer"


def test_back_puts_the_searched_words_back_in_the_box(live_server: str, desktop) -> None:
    page = desktop
    page.goto(f"{live_server}/search")
    page.fill("#search-q", "galxy s21")
    page.wait_for_url(re.compile(r"q=galxy(\+|%20)s21$"))
    wait_until_every_card(page, "Galaxy S21", prefix=False)
    page.get_by_role("checkbox", name=re.compile(r"^256 GB")).check()
    page.wait_for_url(re.compile(r"storage=256"))
    page.go_back()
    page.wait_for_url(re.compile(r"q=galxy(\+|%20)s21$"))
    wait_for(page, "document.getElementById('search-q').value === 'galxy s21'")
