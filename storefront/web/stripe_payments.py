"""Stripe's two doors into the store: the buyer on the way to pay, and Stripe's signed notifications.

Both answer 404 unless the store's provider is Stripe (PAYMENT_PROVIDER=stripe).
"""
from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from storefront.payments.opening import open_at_provider
from storefront.payments.provider import (
    IgnoredNotification,
    InvalidNotification,
    PaymentProvider,
    ProviderUnavailable,
)
from storefront.payments.service import handle_notification
from storefront.payments.stripe_provider import SIGNATURE_HEADER
from storefront.payments.views import payment_and_order
from storefront.settings import Settings


def _stripe_only(provider: PaymentProvider) -> None:
    if provider.name != "stripe":
        raise NotFoundException()


@get("/payments/stripe/pay/{reference:str}", name="stripe_pay")
async def pay(reference: FromPath[str], settings: NamedDependency[Settings],
              provider: NamedDependency[PaymentProvider]) -> Response:
    """Sends the buyer to Stripe's hosted page for our payment: the session opened before, or a new one."""
    _stripe_only(provider)
    found = await payment_and_order(reference)
    if found is None:
        raise NotFoundException()
    payment, order = found
    if payment["status"] != "created":
        return Redirect(path=f"/checkout/return/{order['reference']}", status_code=303)
    try:
        to = await open_at_provider(payment, order, provider, settings)
    except ProviderUnavailable:
        return Template(template_name="pages/error.html", status_code=503, headers={"Retry-After": "30"},
                        context={"status_code": 503, "title": "The payment page could not be opened",
                                 "message": f"Stripe did not answer. Nothing was charged: order {order['reference']} "
                                            "waits for its payment, which you can start again from My orders."})
    # None: that payment can no longer be paid at Stripe (paid meanwhile, or closed): the order says how it stands.
    return Redirect(path=to or f"/account/orders/{order['reference']}", status_code=303)


@post("/payments/stripe/webhook", name="stripe_webhook", opt={"csrf": "exempt"})
async def webhook(request: Request, settings: NamedDependency[Settings],
                  provider: NamedDependency[PaymentProvider]) -> Response:
    """Server to server: authenticated by Stripe's signature, not by a session or CSRF token."""
    _stripe_only(provider)
    body = await request.body()
    try:
        outcome = await handle_notification(body, request.headers.get(SIGNATURE_HEADER, ""), provider=provider,
                                            settings=settings)
    except IgnoredNotification:
        return Response(content={"outcome": "ignored"}, status_code=200)
    except InvalidNotification as invalid:
        return Response(content={"error": str(invalid)}, status_code=400)
    return Response(content={"outcome": outcome}, status_code=200)


HANDLERS = [pay, webhook]
