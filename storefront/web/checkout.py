"""Checkout: delivery address, shipping per seller, means of payment, review, then the provider's page.

The last step shows every line, each seller's shipping, the service fee and the total before the button
"Order with obligation to pay". Every step needs a signed-in shopper with a cart.
"""
from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from storefront.cart import service as carts
from storefront.cart.service import CartView
from storefront.orders.checkout_forms import (
    COUNTRIES,
    PAYMENT_MEANS_LABELS,
    AddressForm,
    address_from_checkout,
    as_stored,
    read_address,
)
from storefront.orders.history import order_summary
from storefront.orders.placement import (
    CheckoutBlocked,
    PlacedOrder,
    add_working_days,
    order_placed_with,
    place_order,
    unpaid_order_of_cart,
)
from storefront.payments.provider import PaymentProvider
from storefront.settings import Settings
from storefront.web.viewer import Viewer, viewer_of

STEPS = (("address", "Delivery address"), ("shipping", "Shipping"), ("payment", "Payment"), ("review", "Review"))


async def _cart(request: Request, settings: Settings) -> CartView | None:
    viewer = viewer_of(request)
    cart_id = viewer.session.cart_id if viewer.session else None
    if not cart_id or not await carts.exists(cart_id):
        return None
    view = await carts.load(cart_id, settings.service_fee)
    return None if view.is_empty else view


def _reviewed_address(cart: CartView) -> AddressForm:
    """The delivery address of a cart that `_next_step` found ready for review: present and valid."""
    address = address_from_checkout(cart.checkout)
    if address is None:
        raise CheckoutBlocked("Give a delivery address first.")
    return address


def _next_step(cart: CartView) -> str:
    checkout = cart.checkout
    address = address_from_checkout(checkout)
    if address is None or address.errors:
        return "address"
    if not checkout.get("shipping_confirmed"):
        return "shipping"
    if checkout.get("payment_means") not in cart.payment_means:
        return "payment"
    return "review"


def _page(step: str, cart: CartView, status_code: int = 200, **context: Any) -> Template:
    return Template(template_name=f"pages/checkout/{step}.html", status_code=status_code, context={
        "cart": cart, "steps": STEPS, "step": step, "countries": COUNTRIES, "means_labels": PAYMENT_MEANS_LABELS,
        **context,
    })


def _to(step: str) -> Redirect:
    return Redirect(path=f"/checkout/{step}", status_code=303)


@get("/checkout", name="checkout")
async def checkout_start(request: Request, settings: NamedDependency[Settings]) -> Redirect:
    cart = await _cart(request, settings)
    return Redirect(path="/cart", status_code=303) if cart is None else _to(_next_step(cart))


@get("/checkout/address", name="checkout_address")
async def address_form(request: Request, settings: NamedDependency[Settings],
                       viewer: NamedDependency[Viewer]) -> Response:
    cart = await _cart(request, settings)
    if cart is None:
        return Redirect(path="/cart", status_code=303)
    stored = address_from_checkout(cart.checkout)
    values = stored.values if stored else {"name": viewer.signed_in_account["name"], "country": "FR"}
    return _page("address", cart, values=values, errors={})


@post("/checkout/address", name="checkout_address_save")
async def address_save(request: Request, settings: NamedDependency[Settings]) -> Response:
    cart = await _cart(request, settings)
    if cart is None:
        return Redirect(path="/cart", status_code=303)
    form = read_address(dict(await request.form()))
    if form.errors:
        return _page("address", cart, status_code=400, values=form.values, errors=form.errors)
    await carts.save_checkout(cart.id, {**cart.checkout, "address": as_stored(form)})
    return _to("shipping")


@get("/checkout/shipping", name="checkout_shipping")
async def shipping_page(request: Request, settings: NamedDependency[Settings]) -> Response:
    cart = await _cart(request, settings)
    if cart is None:
        return Redirect(path="/cart", status_code=303)
    if _next_step(cart) == "address":
        return _to("address")
    today = dt.date.today()
    dates = {group.seller_id: add_working_days(today, group.delivery_days) for group in cart.groups}
    return _page("shipping", cart, dates=dates)


@post("/checkout/shipping", name="checkout_shipping_save")
async def shipping_save(request: Request, settings: NamedDependency[Settings]) -> Response:
    cart = await _cart(request, settings)
    if cart is None:
        return Redirect(path="/cart", status_code=303)
    await carts.save_checkout(cart.id, {**cart.checkout, "shipping_confirmed": True})
    return _to("payment")


@get("/checkout/payment", name="checkout_payment")
async def payment_page(request: Request, settings: NamedDependency[Settings]) -> Response:
    cart = await _cart(request, settings)
    if cart is None:
        return Redirect(path="/cart", status_code=303)
    if _next_step(cart) in ("address", "shipping"):
        return _to(_next_step(cart))
    return _page("payment", cart, chosen=cart.checkout.get("payment_means", "card"), error=None)


@post("/checkout/payment", name="checkout_payment_save")
async def payment_save(request: Request, settings: NamedDependency[Settings]) -> Response:
    cart = await _cart(request, settings)
    if cart is None:
        return Redirect(path="/cart", status_code=303)
    chosen = str((await request.form()).get("payment_means", ""))
    if chosen not in cart.payment_means:
        return _page("payment", cart, status_code=400, chosen=chosen,
                     error="Choose one of the means of payment that every seller in your cart accepts.")
    await carts.save_checkout(cart.id, {**cart.checkout, "payment_means": chosen})
    return _to("review")


@get("/checkout/review", name="checkout_review")
async def review_page(request: Request, settings: NamedDependency[Settings],
                      viewer: NamedDependency[Viewer]) -> Response:
    cart = await _cart(request, settings)
    if cart is None:
        return Redirect(path="/cart", status_code=303)
    if (step := _next_step(cart)) != "review":
        return _to(step)
    checkout = cart.checkout
    if not checkout.get("idempotency_key"):
        # One key per attempt: a double click or a resubmitted form finds the order this key made.
        checkout = {**checkout, "idempotency_key": secrets.token_urlsafe(24)}
        await carts.save_checkout(cart.id, checkout)
    return _page("review", cart, address=_reviewed_address(cart).values, error=None,
                 means=PAYMENT_MEANS_LABELS[checkout["payment_means"]], key=checkout["idempotency_key"],
                 unpaid=await unpaid_order_of_cart(cart.id, viewer.signed_in_account["id"]))


@post("/checkout/place", name="checkout_place")
async def place(request: Request, settings: NamedDependency[Settings], provider: NamedDependency[PaymentProvider],
                viewer: NamedDependency[Viewer]) -> Response:
    key = str((await request.form()).get("idempotency_key", ""))
    cart = await _cart(request, settings)
    if cart is None or not key or cart.checkout.get("idempotency_key") != key or _next_step(cart) != "review":
        # The cart moved on since this form was shown (a double click, a reload, back after paying): the order
        # this key placed, if any, is where the shopper goes.
        found = await order_placed_with(key, viewer.signed_in_account["id"])
        return _continue_with(found, provider) if found else Redirect(path="/checkout", status_code=303)
    try:
        placed = await place_order(cart_id=cart.id, account_id=viewer.signed_in_account["id"],
                                   address=_reviewed_address(cart).address,
                                   payment_means=cart.checkout["payment_means"], idempotency_key=key,
                                   settings=settings, provider=provider.name)
    except CheckoutBlocked as blocked:
        return _page("review", cart, status_code=409, address=_reviewed_address(cart).values,
                     error=str(blocked), means=PAYMENT_MEANS_LABELS[cart.checkout["payment_means"]], key=key,
                     unpaid=None)
    if placed.created:
        # The next attempt, if this payment fails, gets a key of its own.
        await carts.save_checkout(cart.id, {k: v for k, v in cart.checkout.items() if k != "idempotency_key"})
    return _continue_with(placed, provider)


def _continue_with(placed: PlacedOrder, provider: PaymentProvider) -> Redirect:
    if placed.awaiting_payment:
        return Redirect(path=provider.checkout_url(placed.payment_reference), status_code=303)
    return Redirect(path=f"/checkout/return/{placed.reference}", status_code=303)


@get("/checkout/return/{reference:str}", name="checkout_return")
async def payment_return(reference: FromPath[str], viewer: NamedDependency[Viewer]) -> Template:
    order = await order_summary(viewer.signed_in_account["id"], reference)
    if order is None:
        raise NotFoundException()
    return Template(template_name="pages/checkout/return.html", context={"order": order})


HANDLERS = [checkout_start, address_form, address_save, shipping_page, shipping_save, payment_page, payment_save,
            review_page, place, payment_return]
