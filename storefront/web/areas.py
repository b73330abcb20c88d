"""The store's areas, each a Router that declares who may enter it; create_app() mounts them.

A handler gets its access from the area it is listed in, never from a call at the top of its body:
- shop: anyone, marked public (browsing, cart, legal pages, notices);
- sign-in, sign-up, password forms and the application to sell (/seller/apply, public although under /seller):
  anyone, and never kept by a cache (storefront.web.headers);
- payment sandbox: anyone, in the demo store only (it pays any order with a test card);
- Stripe (/payments/stripe): anyone, the webhook signed by Stripe; 404 unless PAYMENT_PROVIDER=stripe;
- account: a signed-in person (checkout, my orders, my reviews, contesting a decision addressed to me);
- seller portal (/seller): a seller user, whose reads are scoped to its own seller by `seller_id`;
- operator console (/ops): an operator;
- seller API (/api/seller/v1): a seller's API token (storefront.web.seller_api), never a session;
- dev pages (/dev): the demo store only, this machine only, without SMTP and not through a proxy.
In production (`ENCORE_ENV`, storefront.settings) the sandbox and dev routes are not mounted at all: 404.
tests/integration/test_route_access.py fails on any handler of the app whose access is not declared here.
"""
from __future__ import annotations

from litestar import Router
from litestar.di import Provide

from storefront.settings import Settings
from storefront.web import (
    accounts,
    browse,
    cart,
    catalogue_requests,
    checkout,
    claims,
    contact,
    crawlers,
    documents,
    legal,
    mailbox,
    media,
    my_orders,
    notices,
    ops,
    ops_catalog,
    ops_payouts,
    ops_tradein,
    payments,
    product,
    returns,
    review_forms,
    review_reports,
    reviews,
    sell,
    seller_api,
    seller_api_portal,
    seller_apply,
    seller_import,
    seller_offers,
    seller_portal,
    seller_tradein,
    seller_webhooks,
    stripe_payments,
)
from storefront.web.guards import (
    PUBLIC,
    requires_dev_machine,
    requires_operator,
    requires_seller,
    requires_sign_in,
)
from storefront.web.headers import NO_STORE


def areas(settings: Settings) -> list[Router]:
    shop = Router(path="/", opt=PUBLIC, route_handlers=[
        browse.home, browse.search_page, browse.category_page, product.product_page, media.variant_picture,
        *reviews.HANDLERS, *legal.HANDLERS, *cart.HANDLERS,
        *review_reports.HANDLERS, *notices.HANDLERS, *contact.HANDLERS, *crawlers.HANDLERS,
        *stripe_payments.HANDLERS, *returns.LEGAL_HANDLERS, *sell.PUBLIC_HANDLERS,
        *ops_tradein.LEGAL_HANDLERS,
    ])
    sign_in = Router(path="/", opt={**PUBLIC, **NO_STORE}, route_handlers=[
        *accounts.HANDLERS, *seller_apply.HANDLERS])
    account = Router(path="/", guards=[requires_sign_in], route_handlers=[
        *checkout.HANDLERS, *my_orders.HANDLERS, *review_forms.HANDLERS, *ops.CONTEST_HANDLERS,
        *documents.ACCOUNT_HANDLERS, *returns.BUYER_HANDLERS, *claims.BUYER_HANDLERS,
        *sell.ACCOUNT_HANDLERS,
    ])
    seller = Router(path="/seller", guards=[requires_seller], route_handlers=[
        *seller_portal.HANDLERS, *seller_offers.HANDLERS, *seller_import.HANDLERS,
        *catalogue_requests.SELLER_HANDLERS, *seller_api_portal.HANDLERS, *seller_webhooks.HANDLERS,
        *documents.SELLER_HANDLERS, *returns.SELLER_HANDLERS, *claims.SELLER_HANDLERS,
        *seller_tradein.HANDLERS,
    ], dependencies={"seller_id": Provide(seller_portal.portal_seller, sync_to_thread=False)})
    console = Router(path="/ops", guards=[requires_operator], route_handlers=[
        *ops.HANDLERS, *ops_catalog.HANDLERS, *notices.OPS_HANDLERS, *catalogue_requests.OPS_HANDLERS,
        *ops_payouts.HANDLERS, *documents.OPS_HANDLERS, *returns.OPS_HANDLERS,
        *claims.OPS_HANDLERS, *ops_tradein.OPS_HANDLERS,
    ])
    api = seller_api.router(settings)  # /api/seller/v1: a seller's API token, no session, no CSRF
    if not settings.is_demo:
        return [shop, sign_in, account, seller, console, api]
    sandbox = Router(path="/", opt=PUBLIC, route_handlers=payments.HANDLERS)
    dev = Router(path="/dev", guards=[requires_dev_machine(settings)], route_handlers=mailbox.HANDLERS)
    return [shop, sign_in, sandbox, account, seller, console, dev, api]
