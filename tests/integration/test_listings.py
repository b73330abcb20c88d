"""The listing service against the database: what a seller's offer write does, and what it refuses."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from storefront.catalog.tables import ProductModel, Variant
from storefront.errors import NotFound, Refused
from storefront.sellers import listings
from storefront.sellers.listings import OfferFields, StockPriceChange
from storefront.sellers.price_history import prior_prices
from storefront.sellers.tables import Offer, OfferPrice, Seller
from tests.integration.test_referencing import ExclusiveSeller, exclusive_seller

pytestmark = pytest.mark.usefixtures("prepared_store")


async def variant_of(made: ExclusiveSeller) -> int:
    row = await Variant.select(Variant.id).where(Variant.slug == made.slug).first()
    return row["id"]


def fields(variant_id: int, sku: str = "WALK-64-EX", **changes: object) -> OfferFields:
    offer = OfferFields(sku=sku, variant_id=variant_id, grade="excellent", price_cents=11_900, stock=3,
                        shipping_cents=0, delivery_days=2, warranty_months=12, battery_health_pct=90,
                        new_battery=False, payment_means=("card",), condition_note="Clean.")
    return replace(offer, **changes)  # type: ignore[arg-type]


async def prices_of(offer_id: int) -> list[int]:
    rows = await OfferPrice.select(OfferPrice.price_cents).where(OfferPrice.offer == offer_id).order_by(OfferPrice.id)
    return [row["price_cents"] for row in rows]


async def test_a_new_offer_is_on_sale_with_its_first_price_kept() -> None:
    made = await exclusive_seller()
    offer_id = await listings.create_offer(made.seller_id, fields(await variant_of(made)))
    row = await Offer.select().where(Offer.id == offer_id).first()
    assert (row["status"], row["sku"], row["price_cents"], row["battery_health_pct"]) == ("active", "WALK-64-EX",
                                                                                          11_900, 90)
    assert await prices_of(offer_id) == [11_900]


async def test_every_price_change_is_kept_and_other_changes_are_not_prices() -> None:
    made = await exclusive_seller()
    variant = await variant_of(made)
    offer_id = await listings.create_offer(made.seller_id, fields(variant))
    assert await listings.update_offer(made.seller_id, offer_id, fields(variant, price_cents=10_900))
    assert await listings.update_offer(made.seller_id, offer_id, fields(variant, price_cents=10_900, stock=7))
    assert not await listings.update_offer(made.seller_id, offer_id, fields(variant, price_cents=10_900, stock=7))
    assert await prices_of(offer_id) == [11_900, 10_900]
    # On sale for seconds before the reduction, not for the 30 days a prior price needs.
    assert await prior_prices([offer_id]) == {}


async def test_a_sku_is_the_sellers_only_one() -> None:
    made = await exclusive_seller()
    variant = await variant_of(made)
    await listings.create_offer(made.seller_id, fields(variant))
    with pytest.raises(Refused) as refused:
        await listings.create_offer(made.seller_id, fields(variant, grade="good"))
    assert refused.value.field == "sku"
    other = await exclusive_seller()
    await listings.create_offer(other.seller_id, fields(variant))  # another seller may use the same SKU


async def test_an_unknown_or_dereferenced_product_cannot_be_listed() -> None:
    made = await exclusive_seller()
    with pytest.raises(Refused) as refused:
        await listings.create_offer(made.seller_id, fields(2_000_000))
    assert refused.value.field == "variant_id"
    await ProductModel.update({ProductModel.is_dereferenced: True}).where(ProductModel.id == made.model_id)
    with pytest.raises(Refused) as refused:
        await listings.create_offer(made.seller_id, fields(await variant_of(made)))
    assert "no longer offered" in refused.value.message


async def test_a_dereferenced_seller_cannot_change_its_offers() -> None:
    made = await exclusive_seller()
    await Seller.update({Seller.status: "dereferenced"}).where(Seller.id == made.seller_id)
    with pytest.raises(Refused):
        await listings.create_offer(made.seller_id, fields(await variant_of(made)))


async def test_pause_resume_and_delete_and_the_sku_comes_back() -> None:
    made = await exclusive_seller()
    variant = await variant_of(made)
    offer_id = await listings.create_offer(made.seller_id, fields(variant))
    await listings.pause_offer(made.seller_id, offer_id)
    assert (await Offer.select(Offer.status).where(Offer.id == offer_id).first())["status"] == "paused"
    await listings.resume_offer(made.seller_id, offer_id)
    await listings.delete_offer(made.seller_id, offer_id)
    with pytest.raises(NotFound):
        await listings.pause_offer(made.seller_id, offer_id)
    again = await listings.create_offer(made.seller_id, fields(variant))
    assert again != offer_id


async def test_an_offer_removed_by_the_operator_cannot_be_resumed() -> None:
    made = await exclusive_seller()
    offer_id = await listings.create_offer(made.seller_id, fields(await variant_of(made)))
    await Offer.update({Offer.status: "removed"}).where(Offer.id == offer_id)
    with pytest.raises(Refused) as refused:
        await listings.resume_offer(made.seller_id, offer_id)
    assert "removed this offer" in refused.value.message


async def test_another_sellers_offer_is_not_found() -> None:
    made, other = await exclusive_seller(), await exclusive_seller()
    offer_id = await listings.create_offer(made.seller_id, fields(await variant_of(made)))
    with pytest.raises(NotFound):
        await listings.update_offer(other.seller_id, offer_id, fields(await variant_of(made)))
    with pytest.raises(NotFound):
        await listings.delete_offer(other.seller_id, offer_id)


async def test_a_batch_creates_changes_and_leaves_by_sku() -> None:
    made = await exclusive_seller()
    variant = await variant_of(made)
    await listings.create_offer(made.seller_id, fields(variant, sku="A"))
    await listings.create_offer(made.seller_id, fields(variant, sku="B"))
    applied = await listings.apply_offers(made.seller_id, [
        fields(variant, sku="A"), fields(variant, sku="B", stock=9), fields(variant, sku="C")])
    assert (applied.created, applied.changed, applied.unchanged) == (1, 1, 1)


async def test_a_batch_with_one_bad_row_changes_nothing() -> None:
    made = await exclusive_seller()
    variant = await variant_of(made)
    before = await Offer.count().where(Offer.seller == made.seller_id)
    with pytest.raises(Refused) as refused:
        await listings.apply_offers(made.seller_id, [fields(variant, sku="A"), fields(variant, sku="B",
                                                                                      price_cents=5)])
    assert list(refused.value.problems) == ["rows[1].price"]
    with pytest.raises(Refused) as refused:
        await listings.apply_offers(made.seller_id, [fields(variant, sku="A"), fields(variant, sku="A")])
    assert "already on row 1" in refused.value.problems["rows[1].sku"]
    assert await Offer.count().where(Offer.seller == made.seller_id) == before


async def test_prices_and_stock_in_batches_all_or_nothing() -> None:
    made = await exclusive_seller()
    variant = await variant_of(made)
    first = await listings.create_offer(made.seller_id, fields(variant, sku="A"))
    await listings.create_offer(made.seller_id, fields(variant, sku="B"))
    with pytest.raises(Refused) as refused:
        await listings.update_prices_and_stock(made.seller_id, [StockPriceChange("A", price_cents=9_900),
                                                                StockPriceChange("Z", stock=1),
                                                                StockPriceChange("B", stock=-1)])
    assert set(refused.value.problems) == {"changes[1].sku", "changes[2].stock"}
    assert await prices_of(first) == [11_900]
    assert await listings.update_prices_and_stock(made.seller_id, [StockPriceChange("A", price_cents=9_900),
                                                                   StockPriceChange("B", stock=0)]) == 2
    assert await prices_of(first) == [11_900, 9_900]
    with pytest.raises(Refused) as refused:
        await listings.update_prices_and_stock(made.seller_id, [StockPriceChange("A", stock=1)] * 1_001)
    assert "at most 1,000" in refused.value.message


async def test_the_demo_catalogue_was_listed_through_the_service() -> None:
    # Every demo offer has a SKU and a first price in its history, which only the listing service writes.
    assert await Offer.count().where(Offer.sku == "") == 0
    without_history = await Offer.count().where(Offer.id.not_in(OfferPrice.select(OfferPrice.offer)))
    assert without_history == 0


async def test_prior_price_window_is_thirty_days_before_the_change() -> None:
    made = await exclusive_seller()
    offer_id = await listings.create_offer(made.seller_id, fields(await variant_of(made)))
    now = dt.datetime.now(dt.UTC)
    await OfferPrice.delete().where(OfferPrice.offer == offer_id)
    await OfferPrice.insert(OfferPrice(offer=offer_id, price_cents=20_000, starts_at=now - dt.timedelta(days=60)),
                            OfferPrice(offer=offer_id, price_cents=15_000, starts_at=now - dt.timedelta(days=45)),
                            OfferPrice(offer=offer_id, price_cents=18_000, starts_at=now - dt.timedelta(days=20)),
                            OfferPrice(offer=offer_id, price_cents=16_000, starts_at=now - dt.timedelta(days=1)))
    # The 30 days before the last change (day −1) reach back to day −31, when 15,000 was in force.
    assert await prior_prices([offer_id], now) == {offer_id: 15_000}


async def test_a_batch_price_change_keeps_the_prior_price_as_a_single_change_does() -> None:
    made = await exclusive_seller()
    variant = await variant_of(made)
    await listings.apply_offers(made.seller_id, [fields(variant, sku="A", price_cents=30_000)],
                                now=dt.datetime.now(dt.UTC) - dt.timedelta(days=40))
    await listings.apply_offers(made.seller_id, [fields(variant, sku="A", price_cents=27_000)])
    row = await Offer.select(Offer.price_cents, Offer.prior_price_cents).where(
        (Offer.seller == made.seller_id) & (Offer.sku == "A")).first()
    assert row == {"price_cents": 27_000, "prior_price_cents": 30_000}


async def test_a_change_that_leaves_the_stock_alone_keeps_what_orders_took() -> None:
    made = await exclusive_seller()
    variant = await variant_of(made)
    offer_id = await listings.create_offer(made.seller_id, fields(variant, stock=5))
    # An order takes a unit after the seller opened the form (placement's conditional decrement).
    await Offer.update({Offer.stock: Offer.stock - 1}).where((Offer.id == offer_id) & (Offer.stock >= 1))
    await listings.update_offer(made.seller_id, offer_id, fields(variant, stock=5, price_cents=10_900), stock_was=5)
    row = await Offer.select(Offer.stock, Offer.price_cents).where(Offer.id == offer_id).first()
    assert row == {"stock": 4, "price_cents": 10_900}


async def test_a_stock_change_over_units_sold_meanwhile_is_refused_with_the_stock_as_it_is() -> None:
    made = await exclusive_seller()
    variant = await variant_of(made)
    offer_id = await listings.create_offer(made.seller_id, fields(variant, stock=5))
    await Offer.update({Offer.stock: 3}).where(Offer.id == offer_id)
    with pytest.raises(Refused) as refused:
        await listings.update_offer(made.seller_id, offer_id, fields(variant, stock=8), stock_was=5)
    assert refused.value.field == "stock" and "it is now 3" in refused.value.message
    assert (await Offer.select(Offer.stock).where(Offer.id == offer_id).first())["stock"] == 3


async def test_an_offer_keeps_its_product_and_grade_through_every_door() -> None:
    made = await exclusive_seller()
    variant = await variant_of(made)
    other = (await Variant.select(Variant.id).where(Variant.id != variant).first())["id"]
    offer_id = await listings.create_offer(made.seller_id, fields(variant, sku="A"))
    with pytest.raises(Refused) as refused:
        await listings.update_offer(made.seller_id, offer_id, fields(other, sku="A"))
    assert refused.value.field == "variant_id"
    with pytest.raises(Refused) as refused:
        await listings.update_offer(made.seller_id, offer_id, fields(variant, sku="A", grade="fair"))
    assert refused.value.field == "grade"
    with pytest.raises(Refused) as refused:
        await listings.apply_offers(made.seller_id, [fields(other, sku="A", price_cents=5_000)])
    assert list(refused.value.problems) == ["rows[0].variant_id"]
    row = await Offer.select(Offer.variant, Offer.grade, Offer.price_cents).where(Offer.id == offer_id).first()
    assert row == {"variant": variant, "grade": "excellent", "price_cents": 11_900}


async def test_one_sku_twice_in_a_price_and_stock_batch_is_refused() -> None:
    made = await exclusive_seller()
    variant = await variant_of(made)
    await listings.create_offer(made.seller_id, fields(variant, sku="A"))
    with pytest.raises(Refused) as refused:
        await listings.update_prices_and_stock(made.seller_id, [StockPriceChange("A", stock=10),
                                                                StockPriceChange("A", price_cents=9_900)])
    assert list(refused.value.problems) == ["changes[1].sku"]
    assert (await Offer.select(Offer.stock).where(Offer.sku == "A").where(
        Offer.seller == made.seller_id).first())["stock"] == 3
