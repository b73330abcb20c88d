"""The seller portal's API page, /seller/api: the seller's API tokens (make one, revoke one), the link to the
OpenAPI schema and how to call the API. Mounted in the seller area (storefront.web.areas).

A new token is shown once, on the answer to the form that made it, and never again: the store keeps only
its hash. That answer is not a redirect (POST, redirect, GET) on purpose: carrying the token to a later GET
would mean keeping it somewhere, in clear, for a while (a session row, a cookie). The page is
`Cache-Control: no-store` (every page of a signed-in person is, storefront.web.headers), so no cache or
history keeps it either. Reloading that page asks the browser to send the form again; if the seller does, a
second token is made, listed beside the first under its own prefix, and can be revoked there.
"""
from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from storefront.api import tokens
from storefront.errors import Refused
from storefront.orders import seller_views
from storefront.settings import Settings
from storefront.web.htmx import wants_fragment
from storefront.web.inputs import Id
from storefront.web.seller_api import SCHEMA_PATH
from storefront.web.seller_api.problems import API_PREFIX

DONE_MESSAGES = {"revoked": "The token is revoked: calls made with it are refused from now on."}


async def _page(seller_id: int, settings: Settings, *, status_code: int = 200, values: dict[str, str] | None = None,
                errors: dict[str, str] | None = None, created: tokens.NewToken | None = None,
                done: str | None = None, fragment: bool = False) -> Template:
    context: dict[str, Any] = {
        "seller": await seller_views.seller_profile(seller_id),
        "section": "api",
        "tokens": await tokens.seller_tokens(seller_id),
        "values": values or {},
        "errors": errors or {},
        "first_error": next(iter(errors or {}), None),
        "created": created,
        "done": DONE_MESSAGES.get(done or ""),
        "schema_url": settings.public_base_url + SCHEMA_PATH,
        "api_url": settings.public_base_url + API_PREFIX,
        "max_name_length": tokens.MAX_NAME_LENGTH,
    }
    name = "pages/seller/_api_tokens.html" if fragment else "pages/seller/api.html"
    return Template(template_name=name, status_code=status_code, context=context)


@get("/api", name="seller_api_page")
async def api_page(seller_id: NamedDependency[int], settings: NamedDependency[Settings],
                   done: FromQuery[str | None] = None) -> Template:
    return await _page(seller_id, settings, done=done)


@post("/api/tokens", name="seller_api_token_create", status_code=200)
async def create_token(request: Request, seller_id: NamedDependency[int],
                       settings: NamedDependency[Settings]) -> Template:
    name = (await request.form()).get("name")
    entered = tokens.TokenInput(name if isinstance(name, str) else "")
    try:
        created = await tokens.create_token(seller_id, entered)
    except Refused as refused:
        return await _page(seller_id, settings, status_code=400, values={"name": entered.name},
                           errors=refused.problems)
    return await _page(seller_id, settings, created=created)


@post("/api/tokens/{token_id:int}/revoke", name="seller_api_token_revoke")
async def revoke_token(request: Request, token_id: Id, seller_id: NamedDependency[int],
                       settings: NamedDependency[Settings]) -> Template | Redirect:
    await tokens.revoke_token(seller_id, token_id)  # NotFound (404) for anyone else's or a revoked one
    if wants_fragment(request):
        return await _page(seller_id, settings, done="revoked", fragment=True)
    return Redirect("/seller/api", status_code=303, query_params={"done": "revoked"})


HANDLERS = [api_page, create_token, revoke_token]
