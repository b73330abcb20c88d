"""Generated product pictures: an SVG drawn from the variant's colour and the kind of device it is.

A stand-in for real photos that keeps the demo self-contained; it is cacheable like a real image. The
drawing itself is `storefront.catalog.pictures`.
"""
from __future__ import annotations

from litestar import get
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Response

from storefront.catalog import queries
from storefront.catalog.pictures import device_kind, picture_svg
from storefront.inputs import parse_id


@get("/media/variant/{name:str}", cache_control=CacheControlHeader(max_age=86_400, public=True))
async def variant_picture(name: FromPath[str]) -> Response[str]:
    variant_id = parse_id(name.removesuffix(".svg"))
    if variant_id is None:
        raise NotFoundException()
    variant = await queries.variant_by_id(variant_id)
    context = await queries.model_with_context(variant["model"]) if variant else None
    if variant is None or context is None:
        raise NotFoundException()
    model, _, category = context
    chain = await queries.category_chain(category["id"])
    kind = device_kind([c["slug"] for c in chain], model["name"])
    return Response(picture_svg(variant["color_hex"], kind, model["name"]), media_type="image/svg+xml")
