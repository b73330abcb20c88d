"""The kind of device a picture shows, and the outline a light colour gets, without the web around them."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront.catalog.pictures import DeviceKind, contrast_ratio, device_kind, outline_colour, picture_svg


@pytest.mark.parametrize(("categories", "model", "kind"), [
    (["smartphones"], "Pixel 8", DeviceKind.PHONE),
    (["gaming-laptops", "laptops"], "Legion 5", DeviceKind.LAPTOP),
    (["headphones", "audio"], "WH-1000XM4", DeviceKind.HEADPHONES),
    (["headphones", "audio"], "WF-1000XM4", DeviceKind.EARBUDS),
    (["headphones", "audio"], "AirPods Max", DeviceKind.HEADPHONES),
    (["headphones", "audio"], "AirPods 3", DeviceKind.EARBUDS),
    (["speakers", "audio"], "Flip 6", DeviceKind.SPEAKER),
    (["audio"], "SoundLink Flex", DeviceKind.SPEAKER),
    (["audio"], "QuietComfort 45", DeviceKind.HEADPHONES),
    (["cameras"], "EOS R6", DeviceKind.OTHER),
])
def test_the_kind_comes_from_the_category_or_the_model_where_the_category_mixes_kinds(
        categories: list[str], model: str, kind: DeviceKind) -> None:
    assert device_kind(categories, model) == kind


def test_contrast_ratios_match_the_wcag_figures() -> None:
    assert round(contrast_ratio("#000000", "#ffffff"), 2) == 21.0
    assert round(contrast_ratio("#c98f00", "#ffffff"), 2) == 2.83
    assert round(contrast_ratio("#f4f4f4", "#f4f1ea"), 2) == 1.03


def test_a_dark_colour_keeps_its_own_darker_shade_as_outline() -> None:
    assert outline_colour("#2563a8") == "#18416f"


@given(st.integers(0, 0xFFFFFF))
def test_every_colour_gets_an_outline_standing_out_3_to_1_from_the_background(colour: int) -> None:
    assert contrast_ratio(outline_colour(f"#{colour:06x}"), "#f4f1ea") >= 3


def test_a_colour_that_is_not_a_hex_colour_is_not_written_into_the_svg() -> None:
    svg = picture_svg('#fff"/><script>', DeviceKind.PHONE, "Phone <1>")
    assert "<script>" not in svg and 'fill="#888888"' in svg and 'aria-label="Phone &lt;1&gt;"' in svg
