"""Stripe's two doors into the store: the buyer on the way to pay, and Stripe's signed notifications.

Both answer 404 unless the store's provider is Stripe (PAYMENT_PROVIDER=stripe).
"""
from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect

from storefront.payments.opening import open_at_provider
from storefront.payments.provider import IgnoredNotification, InvalidNotification, PaymentProvider
from storefront.payments.service import handle_notification
from storefront.payments.stripe_provider import SIGNATURE_HEADER
from storefront.payments.views import payment_and_order
from storefront.settings import Settings


def _stripe_only(provider: PaymentProvider) -> None:
    if provider.name != "stripe":
        raise NotFoundException()


@get("/payments/stripe/pay/{reference:str}", name="stripe_pay")
async def pay(reference: FromPath[str], settings: NamedDependency[Settings],
              provider: NamedDependency[PaymentProvider]) -> Redirect:
    """Opens (or finds again, by its idempotency key) the Stripe payment of ours and sends the buyer on."""
    _stripe_only(provider)
    found = await payment_and_order(reference)
    if found is None:
        raise NotFoundException()
    payment, order = found
    if payment["status"] != "created":
        return Redirect(path=f"/checkout/return/{order['reference']}", status_code=303)
    return Redirect(path=await open_at_provider(payment, order, provider, settings), status_code=303)


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
