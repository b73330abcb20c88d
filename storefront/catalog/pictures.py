"""Product pictures drawn from the catalogue: which kind of device a model is, and an SVG of it in its colour.

A stand-in for real photos that keeps the demo self-contained. Pure code: the web layer serves what
`picture_svg` returns. A light colour gets an outline dark enough to stand out from the background
(WCAG 2.2 SC 1.4.11 asks 3:1 of the parts of a graphic needed to understand it).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum

from markupsafe import escape

BACKGROUND = "#f4f1ea"
SCREEN = "#10141c"
FALLBACK_COLOUR = "#888888"
OUTLINE_CONTRAST = 3.0


class DeviceKind(StrEnum):
    PHONE = "phone"
    TABLET = "tablet"
    LAPTOP = "laptop"
    SMARTWATCH = "smartwatch"
    CONSOLE = "console"
    HEADPHONES = "headphones"
    EARBUDS = "earbuds"
    SPEAKER = "speaker"
    OTHER = "device"


KIND_BY_CATEGORY = {
    "smartphones": DeviceKind.PHONE, "tablets": DeviceKind.TABLET, "laptops": DeviceKind.LAPTOP,
    "smartwatches": DeviceKind.SMARTWATCH, "consoles": DeviceKind.CONSOLE,
    "headphones": DeviceKind.HEADPHONES, "speakers": DeviceKind.SPEAKER,
}
# Categories that hold several kinds: the model's name tells them apart.
MIXED_CATEGORIES = {"audio", "headphones"}
_EARBUDS = re.compile(r"\b(ear)?buds\b|\bairpods\b(?!\s+max)|^wf-", re.I)
_SPEAKER = re.compile(r"speaker|soundlink|boombox|\bflip\b|\bcharge\b|\bhomepod\b", re.I)


def device_kind(category_slugs: Sequence[str], model_name: str) -> DeviceKind:
    """The kind of device, from the model's category and its ancestors (leaf first), or from the model's
    name where its category mixes kinds (headphones and earbuds, or all of Audio)."""
    for slug in category_slugs:
        kind = KIND_BY_CATEGORY.get(slug)
        if slug in MIXED_CATEGORIES:
            if _EARBUDS.search(model_name):
                return DeviceKind.EARBUDS
            if kind is None:
                return DeviceKind.SPEAKER if _SPEAKER.search(model_name) else DeviceKind.HEADPHONES
        if kind is not None:
            return kind
    return DeviceKind.OTHER


def _channels(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


def relative_luminance(hex_colour: str) -> float:
    """WCAG 2.2 relative luminance of a #rrggbb colour: 0 for black, 1 for white."""
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
              for c in (channel / 255 for channel in _channels(hex_colour))]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours, from 1 (same) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _darker(hex_colour: str, factor: float) -> str:
    return "#" + "".join(f"{round(channel * factor):02x}" for channel in _channels(hex_colour))


def outline_colour(hex_colour: str, background: str = BACKGROUND) -> str:
    """The device's own colour, darker: by a third for a natural edge, and further until the outline
    stands out 3:1 from the background, so a white or pastel device keeps its shape."""
    factor = 0.66
    outline = _darker(hex_colour, factor)
    while contrast_ratio(outline, background) < OUTLINE_CONTRAST and factor > 0:
        factor = max(factor - 0.04, 0)
        outline = _darker(hex_colour, factor)
    return outline


def detail_colour(hex_colour: str) -> str:
    """Buttons and grilles on the body: the outline's shade, or on a near-black body, where no darker shade
    would show, the colour lightened halfway to white."""
    if relative_luminance(hex_colour) >= 0.05:
        return outline_colour(hex_colour)
    return "#" + "".join(f"{round(channel + (255 - channel) * 0.45):02x}" for channel in _channels(hex_colour))


# Each drawing fills the body with {c} (the device's colour), outlines it with {o} (`outline_colour`) and
# draws the details on the body (buttons, grilles) with {d} (`detail_colour`).
_BODY = 'fill="{c}" stroke="{o}" stroke-width="4" stroke-linejoin="round"'
_GLARE = 'fill="#fff" opacity=".07"'
DRAWINGS: dict[DeviceKind, str] = {
    DeviceKind.PHONE: (
        f'<rect x="72" y="18" width="96" height="204" rx="18" {_BODY}/>'
        '<rect x="168" y="64" width="5" height="30" rx="2" fill="{o}"/>'
        f'<rect x="81" y="30" width="78" height="180" rx="10" fill="{SCREEN}"/>'
        f'<path d="M81 120 159 50v-10H130L81 84z" {_GLARE}/>'
        '<circle cx="120" cy="40" r="4" fill="#2c3340"/>'),
    DeviceKind.TABLET: (
        f'<rect x="20" y="50" width="200" height="140" rx="16" {_BODY}/>'
        f'<rect x="34" y="63" width="172" height="114" rx="4" fill="{SCREEN}"/>'
        f'<path d="M34 150 130 63h40L34 177z" {_GLARE}/>'
        '<circle cx="27" cy="120" r="2.5" fill="{d}"/>'),
    DeviceKind.LAPTOP: (
        f'<rect x="42" y="38" width="156" height="112" rx="8" {_BODY}/>'
        f'<rect x="52" y="48" width="136" height="92" rx="3" fill="{SCREEN}"/>'
        f'<path d="M52 120 140 48h30L52 140z" {_GLARE}/>'
        f'<path d="M16 156h208l-14 28H30z" {_BODY}/>'
        '<rect x="98" y="156" width="44" height="6" rx="3" fill="{d}"/>'),
    DeviceKind.SMARTWATCH: (
        f'<rect x="94" y="12" width="52" height="216" rx="14" {_BODY}/>'
        '<circle cx="120" cy="200" r="3" fill="{d}"/><circle cx="120" cy="212" r="3" fill="{d}"/>'
        '<rect x="170" y="100" width="10" height="24" rx="4" fill="{o}"/>'
        f'<rect x="66" y="64" width="108" height="116" rx="30" {_BODY}/>'
        f'<rect x="79" y="77" width="82" height="90" rx="20" fill="{SCREEN}"/>'
        '<path d="M100 104h40M100 120h28" stroke="#9fd3c0" stroke-width="6" stroke-linecap="round"/>'),
    DeviceKind.CONSOLE: (
        f'<path d="M70 84h100a40 40 0 0 1 40 40l8 48a18 18 0 0 1-32 12l-20-26H74l-20 26a18 18 0 0 1-32-12'
        f'l8-48a40 40 0 0 1 40-40z" {_BODY}/>'
        '<path d="M60 118h28M74 104v28" stroke="{d}" stroke-width="9" stroke-linecap="round"/>'
        '<g fill="{d}"><circle cx="168" cy="104" r="6"/><circle cx="184" cy="118" r="6"/>'
        '<circle cx="152" cy="118" r="6"/><circle cx="168" cy="132" r="6"/>'
        '<circle cx="98" cy="146" r="10"/><circle cx="142" cy="146" r="10"/></g>'),
    DeviceKind.HEADPHONES: (
        '<path d="M54 150v-30a66 66 0 0 1 132 0v30" fill="none" stroke="{o}" stroke-width="20" '
        'stroke-linecap="round"/>'
        '<path d="M54 150v-30a66 66 0 0 1 132 0v30" fill="none" stroke="{c}" stroke-width="12" '
        'stroke-linecap="round"/>'
        f'<rect x="32" y="124" width="44" height="78" rx="18" {_BODY}/>'
        f'<rect x="164" y="124" width="44" height="78" rx="18" {_BODY}/>'
        '<rect x="72" y="136" width="12" height="54" rx="6" fill="{o}"/>'
        '<rect x="156" y="136" width="12" height="54" rx="6" fill="{o}"/>'),
    DeviceKind.EARBUDS: (
        f'<rect x="62" y="120" width="116" height="92" rx="34" {_BODY}/>'
        '<path d="M64 148h112" stroke="{d}" stroke-width="3"/>'
        '<circle cx="120" cy="178" r="4" fill="{d}"/>'
        f'<rect x="80" y="58" width="16" height="54" rx="8" {_BODY}/>'
        f'<circle cx="92" cy="52" r="22" {_BODY}/><circle cx="100" cy="48" r="7" fill="{SCREEN}"/>'
        f'<rect x="144" y="58" width="16" height="54" rx="8" {_BODY}/>'
        f'<circle cx="148" cy="52" r="22" {_BODY}/><circle cx="140" cy="48" r="7" fill="{SCREEN}"/>'),
    DeviceKind.SPEAKER: (
        '<rect x="52" y="176" width="20" height="12" rx="4" fill="{o}"/>'
        '<rect x="168" y="176" width="20" height="12" rx="4" fill="{o}"/>'
        f'<rect x="24" y="92" width="192" height="88" rx="44" {_BODY}/>'
        '<g class="speaker__grille" stroke="{d}" stroke-width="3" stroke-linecap="round" opacity=".6">'
        '<path d="M70 110h100M62 124h116M62 138h116M62 152h116M70 166h100"/></g>'
        f'<ellipse cx="44" cy="136" rx="12" ry="36" {_BODY}/>'
        f'<ellipse cx="196" cy="136" rx="12" ry="36" {_BODY}/>'
        '<rect x="100" y="126" width="40" height="20" rx="10" fill="{d}"/>'),
    DeviceKind.OTHER: (
        f'<rect x="50" y="50" width="140" height="140" rx="22" {_BODY}/>'
        '<path d="M104 102a26 26 0 1 0 32 0M120 92v30" fill="none" stroke="{d}" stroke-width="7" '
        'stroke-linecap="round"/>'),
}


def picture_svg(colour_hex: str, kind: DeviceKind, label: str) -> str:
    """The picture of a device of this kind in this colour; `label` is its accessible name."""
    colour = colour_hex.lower() if re.fullmatch(r"#[0-9a-fA-F]{6}", colour_hex) else FALLBACK_COLOUR
    drawing = DRAWINGS[kind].format(c=colour, o=outline_colour(colour), d=detail_colour(colour))
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 240 240" role="img" '
        f'aria-label="{escape(label)}"><rect width="240" height="240" fill="{BACKGROUND}"/>'
        f'<g class="device device--{kind.value}">{drawing}</g></svg>'
    )
