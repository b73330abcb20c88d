"""Trade-in quotes: the person's honest answers → a condition state, the best price among the refurbishers'
grids, and the signed token that carries a quote from the page that shows it to the acceptance.

Quotes are not stored: an anonymous reader leaves no row. The quote page carries a token signed with
SECRET_KEY (model, storage, state, refurbisher, price, valid until), so the price shown is honoured until that
date even if the grid changes meanwhile; a token that was altered or is past its date is refused.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from storefront.catalog.tables import Brand, Category, ProductModel, Variant
from storefront.errors import Refused, refuse_if
from storefront.sellers.states import SellerStatus
from storefront.tradein.states import ConditionState
from storefront.tradein.tables import GridPrice, TradeInProgram

YES_NO = ("yes", "no")
SCREENS = {"flawless": "Flawless", "scratches": "Light scratches", "cracked": "Cracked"}
BODIES = {"flawless": "Flawless", "scratches": "Scratches", "damaged": "Dents or cracks"}
LOCKS_MESSAGE = ("A device still tied to an account (Find My, Google account) cannot be traded in: remove the "
                 "account lock first, then ask again.")
EXPIRED = "This quote is past its date. Ask for a fresh quote: prices may have changed."
TAMPERED = "This quote could not be read (the link was changed or cut). Ask for a fresh quote."


@dataclass(frozen=True)
class ConditionAnswers:
    """What a person can say honestly about a device, as the /sell questions ask it."""

    works: str = ""
    screen: str = ""
    body: str = ""
    locks_removed: str = ""

    def problems(self) -> dict[str, str]:
        problems: dict[str, str] = {}
        if self.works not in YES_NO:
            problems["works"] = "Say whether it switches on and works fully."
        if self.screen not in SCREENS:
            problems["screen"] = "Choose how the screen looks."
        if self.body not in BODIES:
            problems["body"] = "Choose how the body looks."
        if self.locks_removed not in YES_NO:
            problems["locks_removed"] = "Say whether the account locks are removed."
        elif self.locks_removed == "no":
            problems["locks_removed"] = LOCKS_MESSAGE
        return problems

    def as_dict(self) -> dict[str, str]:
        return {"works": self.works, "screen": self.screen, "body": self.body, "locks_removed": self.locks_removed}


def state_for(answers: ConditionAnswers) -> ConditionState:
    """The condition state the answers map to. Any crack or dent wins over scratches; "good" is one surface
    lightly scratched, "used" both. Refused when an answer is missing or the locks are still on."""
    refuse_if(answers.problems())
    cracked = answers.screen == "cracked" or answers.body == "damaged"
    if answers.works == "no":
        return ConditionState.not_functional_cracked if cracked else ConditionState.not_functional_used
    if cracked:
        return ConditionState.functional_cracked
    scratched = (answers.screen == "scratches") + (answers.body == "scratches")
    return (ConditionState.functional_flawless, ConditionState.functional_good,
            ConditionState.functional_used)[scratched]


@dataclass(frozen=True)
class Quote:
    model_id: int
    storage_gb: int
    state: ConditionState
    seller_id: int
    price_cents: int
    valid_until: dt.datetime
    answers: ConditionAnswers


async def _buying_sellers() -> list[int]:
    return [row["seller"] for row in await TradeInProgram.select(TradeInProgram.seller)
            .where(TradeInProgram.enabled.eq(True))]


def _priced(model_id: int, storage_gb: int, state: ConditionState, buying: list[int]) -> Any:
    """The grid prices that may quote this device: the refurbisher's programme is on (`buying`), it is
    referenced, its grid for the model is not paused, and the cell holds a price."""
    return ((GridPrice.grid._.model == model_id) & (GridPrice.storage_gb == storage_gb) & (GridPrice.state == state)
            & GridPrice.grid._.paused.eq(False) & (GridPrice.grid._.seller._.status == SellerStatus.referenced)
            & GridPrice.grid._.seller._.id.is_in(buying) & (GridPrice.price_cents > 0))


async def best_quote(model_id: int, storage_gb: int, answers: ConditionAnswers, *, valid_days: int,
                     now: dt.datetime) -> Quote | None:
    """The best price for the device among refurbishers that buy (programme enabled, referenced, grid not
    paused). Equal prices go to the grid updated first (it offered that price first), then the lowest seller
    id; None when nobody buys it. Refused when the answers are incomplete or the locks are on."""
    state = state_for(answers)
    buying = await _buying_sellers()
    if not buying:
        return None
    row = await GridPrice.select(GridPrice.price_cents, GridPrice.grid._.seller._.id.as_alias("seller_id")).where(
        _priced(model_id, storage_gb, state, buying),
    ).order_by(GridPrice.price_cents, ascending=False).order_by(
        GridPrice.grid._.updated_at, GridPrice.grid._.seller._.id).first()
    if row is None:
        return None
    return Quote(model_id=model_id, storage_gb=storage_gb, state=state, seller_id=row["seller_id"],
                 price_cents=row["price_cents"], valid_until=now + dt.timedelta(days=valid_days), answers=answers)


async def still_buys(quote: Quote) -> bool:
    """Whether the quote's refurbisher would still quote this device: the same rule as `best_quote`. The price
    may have changed meanwhile (the quote's own price is honoured); a refurbisher since dereferenced, whose
    programme is off, whose grid is paused or whose cell was emptied buys nothing."""
    if quote.seller_id not in await _buying_sellers():
        return False
    return await GridPrice.exists().where(_priced(quote.model_id, quote.storage_gb, quote.state, [quote.seller_id]))


def _sign(secret: str, body: str) -> str:
    return hmac.new(f"tradein-quote|{secret}".encode(), body.encode(), hashlib.sha256).hexdigest()


def token_for(quote: Quote, secret: str) -> str:
    payload = {"m": quote.model_id, "g": quote.storage_gb, "s": str(quote.state), "r": quote.seller_id,
               "p": quote.price_cents, "v": int(quote.valid_until.timestamp()),
               "a": [quote.answers.works, quote.answers.screen, quote.answers.body, quote.answers.locks_removed]}
    body = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")
    return f"{body}.{_sign(secret, body)}"


def quote_from(token: str, secret: str, now: dt.datetime) -> Quote:
    """The quote a token carries; refused (field "token") when it was altered or is past its date."""
    body, _, signature = (token or "").strip().partition(".")
    if not body or not hmac.compare_digest(signature, _sign(secret, body)):
        raise Refused("token", TAMPERED)
    try:
        payload: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        answers = ConditionAnswers(*(str(answer) for answer in payload["a"][:4]))
        quote = Quote(model_id=int(payload["m"]), storage_gb=int(payload["g"]), state=ConditionState(payload["s"]),
                      seller_id=int(payload["r"]), price_cents=int(payload["p"]),
                      valid_until=dt.datetime.fromtimestamp(int(payload["v"]), dt.UTC), answers=answers)
    except (ValueError, KeyError, TypeError):
        raise Refused("token", TAMPERED) from None
    if quote.valid_until <= now:
        raise Refused("token", EXPIRED)
    return quote


def token_hash(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()


# The device picker's steps. Every model of the catalogue is offered, priced or not: a person whose device nobody
# buys learns so at the end, with the recycling note, rather than wondering whether we know the model at all.

async def categories() -> list[dict[str, Any]]:
    return await Category.select(Category.id, Category.name, Category.slug).order_by(Category.position).order_by(
        Category.name)


async def brands_in(category_id: int) -> list[dict[str, Any]]:
    models = await ProductModel.select(ProductModel.brand).where(
        (ProductModel.category == category_id) & ProductModel.is_dereferenced.eq(False)).distinct()
    ids = [row["brand"] for row in models]
    if not ids:
        return []
    return await Brand.select(Brand.id, Brand.name).where(Brand.id.is_in(ids)).order_by(Brand.name)


async def models_of(category_id: int, brand_id: int) -> list[dict[str, Any]]:
    return await ProductModel.select(ProductModel.id, ProductModel.name).where(
        (ProductModel.category == category_id) & (ProductModel.brand == brand_id)
        & ProductModel.is_dereferenced.eq(False)).order_by(ProductModel.name)


async def storages_of(model_id: int) -> list[int]:
    """The storage sizes the catalogue knows for the model; [0] ("one size") for a model without storage."""
    rows = await Variant.select(Variant.storage_gb).where(Variant.model == model_id).distinct()
    sizes = sorted({row["storage_gb"] for row in rows if row["storage_gb"]})
    return sizes or [0]


async def device(model_id: int) -> dict[str, Any] | None:
    """The model's name with its brand and category, for the pages and e-mails that name the device."""
    return await ProductModel.select(
        ProductModel.id, ProductModel.name, ProductModel.brand.id.as_alias("brand_id"),
        ProductModel.brand._.name.as_alias("brand_name"), ProductModel.category.id.as_alias("category_id"),
        ProductModel.category.name.as_alias("category_name")).where(ProductModel.id == model_id).first()
