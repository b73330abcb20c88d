"""The cart: lines freeze an offer, its unit price and its shipping cost; the view compares both with the offer
today, and whether the offer may still be bought comes from the one availability rule.

Shipping is charged once per seller (one parcel): the highest shipping cost among that seller's lines.
The buyer's service fee is computed from the items' price by the rule in settings.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from piccolo.table import Table

from storefront.cart.tables import Cart, CartLine
from storefront.catalog.grades import GRADE_BY_KEY
from storefront.catalog.tables import Brand, ProductModel, Variant
from storefront.db import is_unique_violation
from storefront.errors import NotFound
from storefront.sellers.availability import Availability, availability
from storefront.sellers.tables import Offer, Seller
from storefront.settings import ServiceFeeRule
from storefront.strategy import variant_title

MAX_QUANTITY_PER_LINE = 10


class CartError(ValueError):
    """A shopper's request the cart cannot honour; the message is shown to them as it is."""


@dataclass
class CartLineView:
    id: int
    offer_id: int
    title: str
    slug: str
    grade_label: str
    quantity: int
    # Frozen when added or accepted: the figures the shopper saw, and the only ones an order is taken at.
    unit_price_cents: int
    shipping_cents: int
    # The offer's figures today.
    current_price_cents: int
    current_shipping_cents: int
    availability: Availability
    delivery_days: int
    warranty_months: int
    payment_means: frozenset[str]

    @property
    def stock(self) -> int:
        """How many can be ordered now (0 when the offer can no longer be bought)."""
        return self.availability.max_quantity

    @property
    def quantity_choices(self) -> range:
        """What the quantity list offers: no more than the seller has (or than the line already holds, so the
        shopper sees their own choice while the shortage is explained) and never above the per-line cap."""
        return range(1, min(max(self.stock, self.quantity), MAX_QUANTITY_PER_LINE) + 1)

    @property
    def unavailable(self) -> bool:
        return not self.availability.buyable

    @property
    def price_changed(self) -> bool:
        return not self.unavailable and self.current_price_cents != self.unit_price_cents

    @property
    def shipping_changed(self) -> bool:
        return not self.unavailable and self.current_shipping_cents != self.shipping_cents

    @property
    def short_of_stock(self) -> bool:
        return not self.unavailable and self.quantity > self.stock

    @property
    def needs_attention(self) -> bool:
        """The shopper must see this line again before paying: placement refuses it as it stands."""
        return self.unavailable or self.price_changed or self.shipping_changed or self.short_of_stock

    @property
    def line_total_cents(self) -> int:
        return self.unit_price_cents * self.quantity


@dataclass
class SellerGroup:
    seller_id: int
    seller_name: str
    lines: list[CartLineView] = field(default_factory=list)

    @property
    def items_cents(self) -> int:
        return sum(line.line_total_cents for line in self.lines)

    @property
    def shipping_cents(self) -> int:
        return max((line.shipping_cents for line in self.lines), default=0)

    @property
    def delivery_days(self) -> int:
        return max((line.delivery_days for line in self.lines), default=0)


@dataclass
class CartView:
    id: str
    groups: list[SellerGroup]
    fee_rule: ServiceFeeRule
    checkout: dict[str, Any]

    @property
    def lines(self) -> list[CartLineView]:
        return [line for group in self.groups for line in group.lines]

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def items_cents(self) -> int:
        return sum(group.items_cents for group in self.groups)

    @property
    def shipping_cents(self) -> int:
        return sum(group.shipping_cents for group in self.groups)

    @property
    def service_fee_cents(self) -> int:
        return self.fee_rule.fee_for(self.items_cents)

    @property
    def total_cents(self) -> int:
        return self.items_cents + self.shipping_cents + self.service_fee_cents

    @property
    def needs_attention(self) -> bool:
        """Something changed since the shopper added it: they must see it before paying."""
        return any(line.needs_attention for line in self.lines)

    @property
    def payment_means(self) -> frozenset[str]:
        """Means of payment every seller in the cart accepts."""
        sets = [line.payment_means for line in self.lines]
        return frozenset.intersection(*sets) if sets else frozenset()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def create_cart(account_id: int | None = None) -> str:
    cart = Cart(id=uuid.uuid4(), account=account_id, created_at=_now(), updated_at=_now())
    await cart.save()
    return str(cart.id)


async def cart_of_account(account_id: int) -> str | None:
    row = await Cart.select(Cart.id).where(Cart.account == account_id).order_by(
        Cart.updated_at, ascending=False).first()
    return str(row["id"]) if row else None


async def exists(cart_id: str) -> bool:
    return await Cart.exists().where(Cart.id == cart_id)


async def item_count(cart_id: str) -> int:
    rows = await CartLine.select(CartLine.quantity).where(CartLine.cart == cart_id)
    return sum(row["quantity"] for row in rows)


async def _offer_with_availability(offer_id: int) -> tuple[dict[str, Any], Availability] | None:
    offer = await Offer.select(*Offer.all_columns(), Offer.seller.status.as_alias("seller_status"),
                               Offer.variant._.model._.is_dereferenced.as_alias("model_dereferenced")).where(
        Offer.id == offer_id).first()
    if offer is None:
        return None
    return offer, availability(offer, {"status": offer["seller_status"]},
                               {"is_dereferenced": offer["model_dereferenced"]})


async def _available_offer(offer_id: int) -> tuple[dict[str, Any], Availability]:
    found = await _offer_with_availability(offer_id)
    if found is None:
        raise CartError("This offer does not exist.")
    offer, available = found
    if not available.buyable:
        raise CartError(available.message)
    return offer, available


def _check_quantity(quantity: int) -> None:
    if quantity < 1 or quantity > MAX_QUANTITY_PER_LINE:
        raise CartError(f"Choose a quantity from 1 to {MAX_QUANTITY_PER_LINE}.")


# How often an add goes round when other tabs make or fill the same line between its statements.
ADD_ATTEMPTS = 6


async def add(cart_id: str, offer_id: int, quantity: int = 1) -> None:
    """Put `quantity` more of the offer in the cart, as one statement that cannot lose a concurrent add.

    The increment is a single `UPDATE … SET quantity = quantity + n WHERE quantity + n <= most`, so two
    requests never both read 3 and both write 6; with no line yet, the insert races on the unique index of
    (cart, offer), and the loser goes round again as an increment.
    """
    _check_quantity(quantity)
    offer, available = await _available_offer(offer_id)
    most = min(available.max_quantity, MAX_QUANTITY_PER_LINE)
    too_many = CartError(f"Only {most} can be ordered from this offer.")
    if quantity > most:
        raise too_many
    this_line = (CartLine.cart == cart_id) & (CartLine.offer == offer_id)
    for _ in range(ADD_ATTEMPTS):
        # Adding again means the shopper has seen today's price: it becomes the frozen one.
        added = await CartLine.update({
            CartLine.quantity: CartLine.quantity + quantity, CartLine.unit_price_cents: offer["price_cents"],
            CartLine.shipping_cents: offer["shipping_cents"],
        }).where(this_line & (CartLine.quantity <= most - quantity)).returning(CartLine.id)
        if added:
            break
        line = await CartLine.select(CartLine.quantity).where(this_line).first()
        if line is not None:
            if line["quantity"] > most - quantity:
                raise too_many
            # The line was made by another tab after the UPDATE looked, with room left: add to it.
            continue
        try:
            await CartLine.insert(CartLine(cart=cart_id, offer=offer_id, quantity=quantity,
                                           unit_price_cents=offer["price_cents"],
                                           shipping_cents=offer["shipping_cents"], currency=offer["currency"],
                                           added_at=_now()))
            break
        except Exception as exc:
            if not is_unique_violation(exc):
                raise
            # Another request made the line first: add to it instead.
    else:
        raise too_many
    await _touch(cart_id)


async def _touch(cart_id: str) -> None:
    """The cart was used now: abandoned carts are those nobody touched for a while (cart/abandoned.py)."""
    await Cart.update({Cart.updated_at: _now()}).where(Cart.id == cart_id)


async def _own_line(cart_id: str, line_id: int) -> dict[str, Any]:
    line = await CartLine.select().where((CartLine.id == line_id) & (CartLine.cart == cart_id)).first()
    if line is None:
        # Someone else's line and a line that does not exist look the same from outside.
        raise NotFound(line_id)
    return line


async def set_quantity(cart_id: str, line_id: int, quantity: int) -> None:
    _check_quantity(quantity)
    line = await _own_line(cart_id, line_id)
    found = await _offer_with_availability(line["offer"])
    if found is None:
        raise CartError("This offer does not exist any more.")
    available = found[1]
    if not available.buyable:
        raise CartError(available.message)
    if quantity > available.max_quantity:
        raise CartError(f"Only {available.max_quantity} left from this seller.")
    await CartLine.update({CartLine.quantity: quantity}).where(CartLine.id == line_id)
    await _touch(cart_id)


async def remove(cart_id: str, line_id: int) -> None:
    await _own_line(cart_id, line_id)
    await CartLine.delete().where(CartLine.id == line_id)
    await _touch(cart_id)


async def accept_current_prices(cart_id: str) -> None:
    """The shopper has seen the new prices and shipping costs: freeze them; drop what can no longer be bought."""
    view = await load(cart_id, ServiceFeeRule())
    for line in view.lines:
        if line.unavailable:
            await CartLine.delete().where(CartLine.id == line.id)
            continue
        values: dict = {CartLine.unit_price_cents: line.current_price_cents,
                        CartLine.shipping_cents: line.current_shipping_cents}
        if line.short_of_stock:
            values[CartLine.quantity] = line.stock
        await CartLine.update(values).where(CartLine.id == line.id)


async def merge(from_cart: str, into_cart: str) -> None:
    """At sign-in the anonymous cart joins the account's: same offers add up, within the stock."""
    if from_cart == into_cart:
        return
    for line in await CartLine.select().where(CartLine.cart == from_cart):
        target = await CartLine.select().where((CartLine.cart == into_cart) & (CartLine.offer == line["offer"])).first()
        if target:
            quantity = min(target["quantity"] + line["quantity"], MAX_QUANTITY_PER_LINE)
            await CartLine.update({CartLine.quantity: quantity}).where(CartLine.id == target["id"])
            await CartLine.delete().where(CartLine.id == line["id"])
        else:
            await CartLine.update({CartLine.cart: into_cart}).where(CartLine.id == line["id"])
    await Cart.delete().where(Cart.id == from_cart)
    await Cart.update({Cart.updated_at: _now()}).where(Cart.id == into_cart)


async def claim(cart_id: str, account_id: int) -> None:
    await Cart.update({Cart.account: account_id}).where(Cart.id == cart_id)


async def save_checkout(cart_id: str, checkout: dict[str, Any]) -> None:
    await Cart.update({Cart.checkout: checkout, Cart.updated_at: _now()}).where(Cart.id == cart_id)


async def empty(cart_id: str) -> None:
    await CartLine.delete().where(CartLine.cart == cart_id)
    await Cart.update({Cart.checkout: {}, Cart.updated_at: _now()}).where(Cart.id == cart_id)


async def remove_ordered(cart_id: str, ordered: dict[int, int]) -> None:
    """A paid order leaves the cart: `ordered` maps each offer to the quantity bought. What the shopper added
    since placing it (an order can be paid later, from My orders) stays in the cart."""
    for line in await CartLine.select().where((CartLine.cart == cart_id) & CartLine.offer.is_in(list(ordered) or [0])):
        left = line["quantity"] - ordered[line["offer"]]
        if left > 0:
            await CartLine.update({CartLine.quantity: left}).where(CartLine.id == line["id"])
        else:
            await CartLine.delete().where(CartLine.id == line["id"])
    if not await CartLine.exists().where(CartLine.cart == cart_id):
        await empty(cart_id)


async def load(cart_id: str, fee_rule: ServiceFeeRule) -> CartView:
    cart = await Cart.select(Cart.checkout).where(Cart.id == cart_id).output(load_json=True).first()
    lines = await CartLine.select().where(CartLine.cart == cart_id).order_by(CartLine.id)
    offers = await _rows(Offer, [line["offer"] for line in lines])
    sellers = await _rows(Seller, {o["seller"] for o in offers.values()})
    variants = await _rows(Variant, {o["variant"] for o in offers.values()})
    models = await _rows(ProductModel, {v["model"] for v in variants.values()})
    brands = await _rows(Brand, {m["brand"] for m in models.values()})
    groups: dict[int, SellerGroup] = {}
    for line in lines:
        offer = offers[line["offer"]]
        seller = sellers[offer["seller"]]
        variant = variants[offer["variant"]]
        model = models[variant["model"]]
        group = groups.setdefault(seller["id"], SellerGroup(seller["id"], seller["name"]))
        group.lines.append(CartLineView(
            id=line["id"], offer_id=offer["id"],
            title=variant_title(brands[model["brand"]]["name"], model["name"], variant["storage_gb"], variant["color"]),
            slug=variant["slug"], grade_label=GRADE_BY_KEY[offer["grade"]].label, quantity=line["quantity"],
            unit_price_cents=line["unit_price_cents"], shipping_cents=line["shipping_cents"],
            current_price_cents=offer["price_cents"], current_shipping_cents=offer["shipping_cents"],
            availability=availability(offer, seller, model),
            delivery_days=offer["delivery_days"], warranty_months=offer["warranty_months"],
            payment_means=frozenset(m for m in offer["payment_means"].split(",") if m),
        ))
    return CartView(id=cart_id, groups=list(groups.values()), fee_rule=fee_rule,
                    checkout=(cart or {}).get("checkout") or {})


async def _rows(table: type[Table], ids: Sequence[int] | set[int]) -> dict[int, dict[str, Any]]:
    ids = list(ids)
    if not ids:
        return {}
    return {row["id"]: row for row in await table.select().where(table._meta.primary_key.is_in(ids))}
