"""The cart pages. Adding to the cart is the first thing that creates a session for a visitor."""
from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template

from storefront.accounts import sessions
from storefront.cart import service as carts
from storefront.cart.service import CartError
from storefront.cart.views import offer_page_slug
from storefront.inputs import parse_whole
from storefront.orders.placement import unpaid_order_of_cart
from storefront.settings import Settings
from storefront.web.htmx import wants_fragment
from storefront.web.inputs import Id
from storefront.web.viewer import session_cookie, viewer_of


def _int(value: Any, default: int | None = None) -> int | None:
    number = parse_whole(str(value or "").strip(), 99_999_999)
    return default if number is None else number


async def _cart_context(request: Request, settings: Settings, **extra: Any) -> dict[str, Any]:
    viewer = viewer_of(request)
    cart = unpaid = None
    if viewer.session and viewer.session.cart_id and await carts.exists(viewer.session.cart_id):
        cart = await carts.load(viewer.session.cart_id, settings.service_fee)
        if viewer.account:
            unpaid = await unpaid_order_of_cart(cart.id, viewer.account["id"])
    return {"cart": cart, "unpaid": unpaid, "error": None, "error_line": None, "fragment": wants_fragment(request),
            **extra}


@get("/cart", name="cart")
async def cart_page(request: Request, settings: NamedDependency[Settings]) -> Template:
    context = await _cart_context(request, settings)
    name = "partials/cart_body.html" if wants_fragment(request) else "pages/cart.html"
    return Template(template_name=name, context=context)


@post("/cart/add", name="cart_add", opt={"csrf": "anonymous"})
async def add_to_cart(request: Request, settings: NamedDependency[Settings]) -> Response:
    form = await request.form()
    offer_id = _int(form.get("offer_id"))
    quantity = _int(form.get("quantity")) if "quantity" in form else 1
    viewer = viewer_of(request)
    new_token = None
    try:
        if offer_id is None or quantity is None:
            raise CartError("Choose an offer and a quantity.")
        session = viewer.session
        cart_id = session.cart_id if session and session.cart_id and await carts.exists(session.cart_id) else None
        if cart_id is None:
            cart_id = await carts.create_cart(viewer.account["id"] if viewer.account else None)
            if session:
                await sessions.set_cart(session, cart_id)
            else:
                new_token, session = await sessions.create(cart_id=cart_id)
        await carts.add(cart_id, offer_id, quantity)
        count = await carts.item_count(cart_id)
    except CartError as error:
        if wants_fragment(request):
            return Template(template_name="partials/cart_added.html", status_code=422,
                            context={"error": str(error), "count": viewer.cart_count, "offer_id": offer_id})
        return Template(template_name="pages/cart_add_failed.html", status_code=400, context={"error": str(error)})
    if wants_fragment(request):
        response: Response = Template(template_name="partials/cart_added.html",
                                      context={"error": None, "count": count, "offer_id": offer_id})
    else:
        response = Redirect(path=f"/p/{await offer_page_slug(offer_id)}?added={offer_id}", status_code=303)
    if new_token:
        response.set_cookie(session_cookie(new_token, settings))
    return response


async def _cart_id_or_404(request: Request) -> str:
    session = viewer_of(request).session
    if not session or not session.cart_id:
        raise NotFoundException()
    return session.cart_id


async def _after_change(request: Request, settings: Settings, error: str | None = None,
                        line_id: int | None = None) -> Response:
    if error is None and not wants_fragment(request):
        return Redirect(path="/cart", status_code=303)
    context = await _cart_context(request, settings, error=error, error_line=line_id)
    name = "partials/cart_body.html" if wants_fragment(request) else "pages/cart.html"
    return Template(template_name=name, context=context, status_code=422 if error and wants_fragment(request)
                    else 400 if error else 200)


@post("/cart/lines/{line_id:int}/quantity", name="cart_quantity")
async def change_quantity(line_id: Id, request: Request, settings: NamedDependency[Settings]) -> Response:
    cart_id = await _cart_id_or_404(request)
    quantity = _int((await request.form()).get("quantity"))
    try:
        if quantity is None:
            raise CartError(f"Choose a quantity from 1 to {carts.MAX_QUANTITY_PER_LINE}.")
        await carts.set_quantity(cart_id, line_id, quantity)
    except CartError as error:
        return await _after_change(request, settings, str(error), line_id)
    return await _after_change(request, settings)


@post("/cart/lines/{line_id:int}/remove", name="cart_remove")
async def remove_line(line_id: Id, request: Request, settings: NamedDependency[Settings]) -> Response:
    cart_id = await _cart_id_or_404(request)
    await carts.remove(cart_id, line_id)
    return await _after_change(request, settings)


@post("/cart/accept-prices", name="cart_accept_prices")
async def accept_prices(request: Request, settings: NamedDependency[Settings]) -> Response:
    await carts.accept_current_prices(await _cart_id_or_404(request))
    return await _after_change(request, settings)


HANDLERS = [cart_page, add_to_cart, change_quantity, remove_line, accept_prices]
