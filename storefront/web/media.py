"""Generated product pictures: an SVG drawn from the variant's colour and device type.

A stand-in for real photos that keeps the demo self-contained; it is cacheable like a real image.
"""
from __future__ import annotations

from litestar import get
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Response
from markupsafe import escape

from storefront.catalog import queries

SHAPES = {
    "smartphones": '<rect x="70" y="20" width="100" height="200" rx="18" fill="{c}" stroke="#333" stroke-width="4"/>'
                   '<rect x="80" y="38" width="80" height="160" rx="6" fill="#10141c" opacity=".85"/>',
    "tablets": '<rect x="40" y="30" width="160" height="190" rx="14" fill="{c}" stroke="#333" stroke-width="4"/>'
               '<rect x="52" y="44" width="136" height="162" rx="4" fill="#10141c" opacity=".85"/>',
    "laptops": '<rect x="40" y="50" width="160" height="110" rx="8" fill="#10141c" stroke="{c}" stroke-width="10"/>'
               '<path d="M20 170h200l-14 22H34z" fill="{c}" stroke="#333" stroke-width="3"/>',
    "smartwatches": '<rect x="95" y="20" width="50" height="200" rx="12" fill="#555"/>'
                    '<rect x="70" y="70" width="100" height="110" rx="26" fill="{c}" stroke="#333" stroke-width="4"/>'
                    '<rect x="84" y="84" width="72" height="82" rx="16" fill="#10141c"/>',
    "consoles": '<rect x="30" y="70" width="180" height="90" rx="20" fill="{c}" stroke="#333" stroke-width="4"/>'
                '<circle cx="80" cy="115" r="16" fill="#333"/><circle cx="165" cy="105" r="8" fill="#333"/>'
                '<circle cx="180" cy="125" r="8" fill="#333"/>',
    "audio": '<path d="M60 140a60 60 0 0 1 120 0" fill="none" stroke="{c}" stroke-width="16"/>'
             '<rect x="40" y="130" width="40" height="70" rx="14" fill="{c}" stroke="#333" stroke-width="4"/>'
             '<rect x="160" y="130" width="40" height="70" rx="14" fill="{c}" stroke="#333" stroke-width="4"/>',
}


def picture_svg(colour_hex: str, root_category: str, label: str) -> str:
    shape = SHAPES.get(root_category, SHAPES["smartphones"]).format(c=escape(colour_hex))
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 240 240" role="img" '
        f'aria-label="{escape(label)}"><rect width="240" height="240" fill="#f4f1ea"/>{shape}</svg>'
    )


@get("/media/variant/{name:str}", cache_control=CacheControlHeader(max_age=86_400, public=True))
async def variant_picture(name: FromPath[str]) -> Response[str]:
    number = name.removesuffix(".svg")
    if not number.isdigit():
        raise NotFoundException()
    variant = await queries.variant_by_id(int(number))
    context = await queries.model_with_context(variant["model"]) if variant else None
    if variant is None or context is None:
        raise NotFoundException()
    model, _, category = context
    root = (await queries.category_chain(category["id"]))[-1]["slug"]
    return Response(picture_svg(variant["color_hex"], root, model["name"]), media_type="image/svg+xml")
