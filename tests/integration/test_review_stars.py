"""Review stars are text (★ characters), so they need a 4.5:1 contrast with what is behind them (WCAG 2.2
SC 1.4.3), even though a screen reader skips them for the "Rated N out of 5" beside them.

The colours are read from the stylesheet the pages link, and the contrast is computed here with the WCAG
formula; the markup test checks the stars sit where those rules apply."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

STYLESHEET = Path(__file__).resolve().parents[2] / "static" / "css" / "encore.css"
TEXT_CONTRAST = 4.5


def declarations(selector: str) -> dict[str, str]:
    """The declarations of every rule whose selector list names `selector` exactly, later rules winning."""
    css = re.sub(r"/\*.*?\*/", "", STYLESHEET.read_text(), flags=re.S)
    found: dict[str, str] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        if selector in (s.strip() for s in selectors.split(",")):
            for declaration in body.split(";"):
                name, _, value = declaration.partition(":")
                if value.strip():
                    found[name.strip()] = value.strip()
    return found


def colour(selector: str, prop: str) -> str:
    value = declarations(selector)[prop]
    while (variable := re.fullmatch(r"var\((--[\w-]+)\)", value)) is not None:
        value = declarations(":root")[variable.group(1)]
    assert re.fullmatch(r"#[0-9a-fA-F]{3}|#[0-9a-fA-F]{6}", value), f"{selector} {prop}: {value}"
    return value if len(value) == 7 else "#" + "".join(digit * 2 for digit in value[1:])


def contrast(first: str, second: str) -> float:
    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_the_contrast_formula_gives_the_figures_the_issue_measured() -> None:
    assert round(contrast("#c98f00", "#ffffff"), 2) == 2.83
    assert round(contrast("#000000", "#ffffff"), 2) == 21.0


@pytest.mark.parametrize("stars", [".review__stars", ".review__star-off"])
def test_a_reviews_stars_are_readable_on_the_review_card(stars: str) -> None:
    ratio = contrast(colour(stars, "color"), colour(".review", "background"))
    assert ratio >= TEXT_CONTRAST, f"{stars}: {ratio:.2f}:1"


@pytest.mark.parametrize("option", [".stars__option", ".stars__option:has(input:checked)"])
def test_the_review_forms_stars_are_readable_chosen_or_not(option: str) -> None:
    ratio = contrast(colour(".stars__glyph", "color"), colour(option, "background"))
    assert ratio >= TEXT_CONTRAST, f".stars__glyph on {option}: {ratio:.2f}:1"


async def test_stars_sit_on_the_review_card_and_differ_by_shape_not_only_by_colour(
        client: AsyncTestClient) -> None:
    html = (await client.get("/p/apple-iphone-13-128-gb-midnight/reviews")).text
    stars = re.findall(r'<li class="review" [^>]*>\s*<p class="review__stars">'
                       r'<span class="visually-hidden">Rated (\d) out of 5</span>'
                       r'<span aria-hidden="true">(★*)<span class="review__star-off">(☆*)</span></span></p>', html)
    assert stars, "no review with stars on the page"
    assert html.count('class="review"') == len(stars)
    for rating, given, missing in stars:
        assert (len(given), len(missing)) == (int(rating), 5 - int(rating))
