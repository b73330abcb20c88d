"""Product pictures over HTTP (/media/variant/{id}.svg): each kind of device has its own drawing, decided
from the model's category (or its name, where a category mixes kinds), and a light device keeps an outline
that stands out from the picture's cream background (3:1, WCAG 2.2 SC 1.4.11)."""
from __future__ import annotations

import re

import pytest
from litestar.testing import AsyncTestClient

from storefront.catalog.tables import Variant

BACKGROUND = "#f4f1ea"


async def picture(client: AsyncTestClient, model: str, colour: str) -> str:
    row = await (Variant.select(Variant.id)
                 .where((Variant.model.name == model) & (Variant.color == colour)).first())
    assert row is not None, f"no {colour} {model} in the demo catalogue"
    response = await client.get(f"/media/variant/{row['id']}.svg")
    assert response.status_code == 200
    return response.text


def drawn_kind(svg: str) -> str:
    match = re.search(r'<g class="device device--([a-z]+)">', svg)
    assert match, "the picture names no kind of device"
    return match.group(1)


def contrast(first: str, second: str) -> float:
    def luminance(hex_colour: str) -> float:
        if len(hex_colour) == 4:  # #rgb
            hex_colour = "#" + "".join(digit * 2 for digit in hex_colour[1:])
        channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


async def test_the_jbl_flip_6_is_drawn_as_a_speaker(client: AsyncTestClient) -> None:
    svg = await picture(client, "Flip 6", "Black")
    assert drawn_kind(svg) == "speaker"
    assert 'class="speaker__grille"' in svg


KINDS = [("iPhone 13", "Midnight", "phone"), ("iPad Air 5", "Silver", "tablet"),
         ("MacBook Air M1", "Silver", "laptop"), ("Apple Watch SE", "Starlight", "smartwatch"),
         ("PlayStation 5", "White", "console"), ("WH-1000XM5", "Black", "headphones"),
         ("AirPods Max", "White", "headphones"), ("AirPods Pro 2", "White", "earbuds"),
         ("QuietComfort Earbuds II", "Black", "earbuds"), ("Charge 5", "Blue", "speaker")]


@pytest.mark.parametrize(("model", "colour", "kind"), KINDS)
async def test_each_model_is_drawn_as_its_kind(client: AsyncTestClient, model: str, colour: str,
                                               kind: str) -> None:
    assert drawn_kind(await picture(client, model, colour)) == kind


async def test_each_kind_has_its_own_drawing(client: AsyncTestClient) -> None:
    shapes = {}
    for model, colour, kind in KINDS:
        svg = await picture(client, model, colour)
        # The drawing without its colours: two kinds must differ by their shapes.
        shapes[kind] = re.sub(r"#[0-9a-f]{6}", "#", svg.split('class="device ', 1)[1].split(">", 1)[1])
    assert len(shapes) == 8
    assert len(set(shapes.values())) == 8


def attribute(element: str, name: str) -> str | None:
    match = re.search(rf' {name}="([^"]*)"', element)
    return match.group(1) if match else None


@pytest.mark.parametrize(("model", "colour", "hex_colour"), [
    ("PlayStation 5", "White", "#f4f4f4"), ("AirPods Max", "White", "#f4f4f4"),
    ("AirPods Pro 2", "White", "#f4f4f4"), ("MacBook Air M1", "Silver", "#d9dadc"),
    ("Galaxy A54", "Awesome White", "#f5f5f5"), ("Apple Watch SE", "Starlight", "#f3eee3")])
async def test_a_light_device_keeps_an_outline_that_stands_out(client: AsyncTestClient, model: str, colour: str,
                                                               hex_colour: str) -> None:
    svg = await picture(client, model, colour)
    assert contrast(hex_colour, BACKGROUND) < 1.5, "the device's colour alone nearly vanishes on the background"
    elements = re.findall(r"<(?:rect|path|circle|ellipse)\b[^>]*>", svg)
    filled = [e for e in elements if attribute(e, "fill") == hex_colour]
    stroked = [e for e in elements if attribute(e, "stroke") == hex_colour]
    assert filled or stroked, "the device's colour is not in the picture"
    for element in filled:
        outline = attribute(element, "stroke")
        assert outline and contrast(outline, BACKGROUND) >= 3, f"no visible outline: {element}"
    for element in stroked:
        # A part drawn as a line (a headband) is outlined by a wider line of the same path beneath it.
        beneath = [e for e in elements[:elements.index(element)]
                   if attribute(e, "d") is not None and attribute(e, "d") == attribute(element, "d")
                   and float(attribute(e, "stroke-width") or 1) > float(attribute(element, "stroke-width") or 1)]
        assert beneath, f"no visible outline: {element}"
        assert contrast(attribute(beneath[-1], "stroke") or hex_colour, BACKGROUND) >= 3
