"""The seller API, /api/seller/v1: JSON for integrators, authenticated by per-seller API tokens.

`router(settings)` is the API's area (mounted by storefront.web.areas): no session, no CSRF (the token is the
credential, see storefront.web.seller_api.auth), its own guard, and errors as problem details
(storefront.web.seller_api.problems). `openapi_config(settings)` describes only this API, with its bearer
security scheme, served at /api/seller/v1/openapi.json (the one public path of the area).
"""
from __future__ import annotations

from litestar import Router
from litestar.connection import ASGIConnection
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme, Server, Tag

from storefront.settings import Settings
from storefront.throttle import Throttle, storage_for
from storefront.web.headers import NO_STORE
from storefront.web.seller_api import offers, orders
from storefront.web.seller_api.auth import api_seller, requires_api_token
from storefront.web.seller_api.problems import API_PREFIX

SCHEMA_PATH = f"{API_PREFIX}/openapi.json"
SECURITY_SCHEME = "bearer"


def router(settings: Settings) -> Router:
    rules = settings.throttles
    throttle = Throttle.of("seller-api/token", rules.seller_api_requests_per_token, storage_for(rules.storage_url),
                           settings.secret_key, prefix=rules.key_prefix)
    return Router(path=API_PREFIX, guards=[requires_api_token(throttle)], opt=NO_STORE, include_in_schema=True,
                  route_handlers=[*offers.HANDLERS, *orders.HANDLERS],
                  dependencies={"seller_id": Provide(api_seller, sync_to_thread=False)})


def schema_only(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Litestar's schema router also answers its root and any other name under it: only the schema is
    served; every other path is the API's 404 problem."""
    if connection.url.path != SCHEMA_PATH:
        raise NotFoundException()


def openapi_config(settings: Settings) -> OpenAPIConfig:
    return OpenAPIConfig(
        title=f"{settings.brand_name} seller API",
        version="1.0.0",
        description=(
            "Offers and orders of one seller, for the seller's own systems. Authenticate every call with an "
            "API token made in the seller portal (API and webhooks): `Authorization: Bearer enc_…`. Each token "
            f"may make {settings.throttles.seller_api_requests_per_token} calls; beyond that the answer is 429 "
            "with `Retry-After`. Errors are problem details (RFC 9457, `application/problem+json`); problems "
            "about the request's content list each field at fault in `errors`. Money is integer cents."),
        servers=[Server(url=settings.public_base_url)],
        components=Components(security_schemes={SECURITY_SCHEME: SecurityScheme(
            type="http", scheme="bearer", description="An API token from the seller portal (`enc_…`).")}),
        security=[{SECURITY_SCHEME: []}],
        tags=[Tag(name="offers", description="Your offers, each by your own SKU; prices and stock in batches."),
              Tag(name="orders", description="Your orders: read them, accept, refuse or ship them.")],
        render_plugins=[JsonRenderPlugin()],
        openapi_router=Router(path=API_PREFIX, route_handlers=[], include_in_schema=False, guards=[schema_only]),
    )
