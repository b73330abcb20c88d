"""The listing service: the one way an offer is created, changed, paused, resumed or deleted.

The portal's form, the CSV import, the seller API and the demo generator all come here, so an offer obeys
the same rules whichever door it came through (DOMAIN.md, "Listings"):
- the fields and their limits are `OfferFields.problems()`, read from text by `read_offer_input()`;
- what needs the database (the variant exists and is still offered, the SKU is the seller's only one, the
  seller is not dereferenced) is checked here again, inside the transaction that writes;
- every price an offer takes is kept in `OfferPrice`, in the same transaction (storefront.sellers.price_history);
- every write marks the variants it touched for reindexing, so search follows at commit.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from piccolo.table import Table

from storefront.catalog.grades import GRADE_BY_KEY, GRADE_KEYS
from storefront.catalog.outbox import mark_for_reindex
from storefront.catalog.tables import Variant
from storefront.db import is_unique_violation, write_transaction
from storefront.errors import NotFound, Refused, refuse_if
from storefront.inputs import has_unreadable_characters, parse_id, parse_whole
from storefront.ranking.weights import PAYMENT_MEANS, PAYMENT_MEANS_LABELS
from storefront.sellers.price_history import lowest_prices_before
from storefront.sellers.states import OfferStatus, SellerStatus
from storefront.sellers.tables import Offer, OfferPrice, Seller
from storefront.settings import Settings, get_settings
from storefront.units import money, parse_euros

# Limits a seller meets on every offer. Prices include VAT; the upper bounds catch a typo (an extra zero)
# rather than describe the trade, and each is stated in the message a seller gets.
SKU_MAX_LENGTH = 64
SKU_SHAPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")
PRICE_MIN_CENTS = 100
PRICE_MAX_CENTS = 1_000_000
SHIPPING_MAX_CENTS = 5_000
STOCK_MAX = 9_999
DELIVERY_DAYS_MIN, DELIVERY_DAYS_MAX = 1, 30
WARRANTY_MONTHS_MAX = 60
BATTERY_PERCENT_MAX = 100
CONDITION_NOTE_MAX_LENGTH = 500
# The column order of the form, the CSV file and the API.
OFFER_COLUMNS: tuple[str, ...] = (
    "sku", "variant_id", "grade", "price", "stock", "shipping", "delivery_days", "warranty_months",
    "battery_health_pct", "new_battery", "payment_means", "condition_note",
)

# A refurbished product may not be called new, as new or like new (French consumer code R122-4 to R122-6).
# "New" is allowed only for a part that really is new ("new battery", "new screen").
_NEW_WORDING = re.compile(
    r"\b(as|like|brand|good as|comme|état)\s*[- ]?\s*(new|neuf|neuve)\b|\bmint\s+condition\b|\bin\s+mint\b"
    r"|\bunused\b"
    r"|\b(new|neuf|neuve)\b(?!\s+(battery|batteries|screen|display|case|shell|housing|charger|cable|parts?|"
    r"glass|back|camera|speaker|buttons?|batterie|écran|coque))",
    re.IGNORECASE,
)
# Letters from other scripts that look like Latin ones, so "like nеw" (a Cyrillic е) is read as written.
_LOOKALIKES = str.maketrans("аеорсухіјѕԁɡոѵⅰ", "aeopcyxijsdgnvi")


def _as_read(text: str) -> str:
    """The note as a reader sees it: compatibility forms folded (full-width letters) and look-alikes mapped."""
    return unicodedata.normalize("NFKC", text).casefold().translate(_LOOKALIKES)
_TRUE = {"yes", "true", "1", "on", "y"}
_FALSE = {"no", "false", "0", "off", "n", ""}


@dataclass(frozen=True)
class ListingRules:
    """The configured minimums an offer keeps to (DOMAIN.md: commercial warranty, battery health)."""

    min_warranty_months: int = 12
    min_battery_percent: int = 80

    @classmethod
    def from_settings(cls, settings: Settings) -> ListingRules:
        return cls(min_warranty_months=settings.commercial_warranty_min_months,
                   min_battery_percent=settings.quality_charter.min_battery_percent)


def _rules(rules: ListingRules | None) -> ListingRules:
    return rules if rules is not None else ListingRules.from_settings(get_settings())


@dataclass(frozen=True)
class OfferFields:
    """What a seller sets on an offer. Money in integer cents of euros, VAT included."""

    sku: str
    variant_id: int
    grade: str
    price_cents: int
    stock: int
    shipping_cents: int = 0
    delivery_days: int = 3
    warranty_months: int = 12
    battery_health_pct: int = 85
    new_battery: bool = False
    payment_means: tuple[str, ...] = ("card",)
    condition_note: str = ""

    def problems(self, rules: ListingRules | None = None) -> dict[str, str]:
        """Field name → what is wrong, in the seller's words; empty when the offer keeps every rule that needs
        no database."""
        limits = _rules(rules)
        found: dict[str, str] = {}
        if not self.sku:
            found["sku"] = "Give your own reference for this offer (your SKU)."
        elif len(self.sku) > SKU_MAX_LENGTH:
            found["sku"] = f"Keep the SKU to {SKU_MAX_LENGTH} characters or fewer (it has {len(self.sku)})."
        elif not SKU_SHAPE.fullmatch(self.sku):
            found["sku"] = ("Use letters, digits and . _ / - only, starting with a letter or digit "
                            "(like IP13-128-BLK-A).")
        if self.variant_id < 1:
            found["variant_id"] = "Choose the product you are offering from the catalogue."
        if self.grade not in GRADE_BY_KEY:
            found["grade"] = "Choose a grade: " + ", ".join(g.title() for g in GRADE_KEYS) + "."
        if not PRICE_MIN_CENTS <= self.price_cents <= PRICE_MAX_CENTS:
            found["price"] = (f"Enter a price from {money(PRICE_MIN_CENTS)} to {money(PRICE_MAX_CENTS)}, "
                              "VAT included.")
        if not 0 <= self.stock <= STOCK_MAX:
            found["stock"] = f"Enter how many you have ready to ship: 0 to {STOCK_MAX:,}."
        if not 0 <= self.shipping_cents <= SHIPPING_MAX_CENTS:
            found["shipping"] = f"Enter a shipping cost from {money(0)} (free) to {money(SHIPPING_MAX_CENTS)}."
        if not DELIVERY_DAYS_MIN <= self.delivery_days <= DELIVERY_DAYS_MAX:
            found["delivery_days"] = (f"Promise delivery within {DELIVERY_DAYS_MIN} to {DELIVERY_DAYS_MAX} "
                                      "working days.")
        if not limits.min_warranty_months <= self.warranty_months <= WARRANTY_MONTHS_MAX:
            found["warranty_months"] = (f"Give a commercial warranty of {limits.min_warranty_months} to "
                                        f"{WARRANTY_MONTHS_MAX} months.")
        if not limits.min_battery_percent <= self.battery_health_pct <= BATTERY_PERCENT_MAX:
            found["battery_health_pct"] = (f"Every device we list keeps at least {limits.min_battery_percent} % "
                                           f"of its battery's capacity: enter {limits.min_battery_percent} to "
                                           f"{BATTERY_PERCENT_MAX}.")
        unknown = [m for m in self.payment_means if m not in PAYMENT_MEANS]
        if unknown or not self.payment_means:
            found["payment_means"] = ("Accept at least one means of payment among: "
                                      + ", ".join(PAYMENT_MEANS_LABELS[m] for m in PAYMENT_MEANS) + ".")
        if len(self.condition_note) > CONDITION_NOTE_MAX_LENGTH:
            found["condition_note"] = (f"Keep the condition note to {CONDITION_NOTE_MAX_LENGTH} characters or "
                                       f"fewer (it has {len(self.condition_note)}).")
        elif has_unreadable_characters(self.condition_note.replace("\n", " ").replace("\r", " ")):
            found["condition_note"] = "Remove the control characters from the condition note."
        elif (match := _NEW_WORDING.search(_as_read(self.condition_note))) is not None:
            found["condition_note"] = (f"A refurbished device may not be described as new: remove "
                                       f"\u201c{match.group(0)}\u201d. Naming a part that is new, such as "
                                       "\u201cnew battery\u201d, is fine.")
        return found

    @property
    def payment_means_text(self) -> str:
        return ",".join(m for m in PAYMENT_MEANS if m in self.payment_means)


def _text(values: Mapping[str, Any], name: str) -> str:
    value = values.get(name)
    return "" if value is None else " ".join(str(value).split()) if name != "condition_note" else str(value).strip()


def read_offer_input(values: Mapping[str, Any]) -> tuple[OfferFields | None, dict[str, str]]:
    """The text a person typed (a form's fields or a CSV row, keyed by `OFFER_COLUMNS`) as `OfferFields`, or
    the problems found, field by field. Prices in euros ("249", "249.00", "249,00"); the means of payment as
    keys separated by commas or given as a list; the new-battery flag as yes/no."""
    found: dict[str, str] = {}

    def whole(name: str, maximum: int, message: str) -> int:
        text = _text(values, name)
        number = parse_whole(text, maximum)
        if number is None:
            found[name] = message
            return 0
        return number

    variant_id = parse_id(_text(values, "variant_id"))
    if variant_id is None:
        found["variant_id"] = "Choose the product you are offering from the catalogue."
    price = parse_euros(_text(values, "price"))
    if price is None:
        found["price"] = "Enter the price in euros, VAT included, like 249.00."
    shipping_text = _text(values, "shipping")
    shipping = parse_euros(shipping_text) if shipping_text else 0
    if shipping is None:
        found["shipping"] = "Enter the shipping cost in euros, like 4.90, or 0 for free delivery."
    flag = _text(values, "new_battery").lower()
    if flag not in _TRUE | _FALSE:
        found["new_battery"] = "Answer yes or no: was the battery replaced with a new one?"
    raw_means = values.get("payment_means")
    if isinstance(raw_means, list | tuple):
        means = tuple(" ".join(str(m).split()).lower() for m in raw_means if str(m).strip())
    else:
        means = tuple(m.strip().lower() for m in _text(values, "payment_means").split(",") if m.strip())
    candidate = OfferFields(
        sku=_text(values, "sku"),
        variant_id=variant_id or 0,
        grade=_text(values, "grade").lower(),
        price_cents=price or 0,
        stock=whole("stock", 10**9, f"Enter how many you have ready to ship: a whole number, 0 to {STOCK_MAX:,}."),
        shipping_cents=shipping or 0,
        delivery_days=whole("delivery_days", 10**9, "Enter the delivery promise in working days, like 3."),
        warranty_months=whole("warranty_months", 10**9, "Enter the commercial warranty in months, like 12."),
        battery_health_pct=whole("battery_health_pct", 10**9,
                                 "Enter the battery's health as a whole percentage, like 92."),
        new_battery=flag in _TRUE,
        payment_means=means,
        condition_note=_text(values, "condition_note"),
    )
    # A field that could not be read keeps its own message; the rules speak for the others.
    for name, message in candidate.problems().items():
        found.setdefault(name, message)
    if found:
        return None, {name: found[name] for name in OFFER_COLUMNS if name in found}
    return candidate, {}


def offer_input_values(offer: Mapping[str, Any]) -> dict[str, str]:
    """An offer row as the text of its form or CSV row: what `read_offer_input()` reads back unchanged."""
    return {
        "sku": offer["sku"], "variant_id": str(offer["variant"]), "grade": offer["grade"],
        "price": f"{offer['price_cents'] // 100}.{offer['price_cents'] % 100:02d}", "stock": str(offer["stock"]),
        "shipping": f"{offer['shipping_cents'] // 100}.{offer['shipping_cents'] % 100:02d}",
        "delivery_days": str(offer["delivery_days"]), "warranty_months": str(offer["warranty_months"]),
        "battery_health_pct": str(offer["battery_health_pct"]),
        "new_battery": "yes" if offer["new_battery"] else "no",
        "payment_means": offer["payment_means"], "condition_note": offer["description"],
    }


@dataclass(frozen=True)
class AppliedOffers:
    created: int
    changed: int
    unchanged: int


@dataclass(frozen=True)
class StockPriceChange:
    """A batch entry: a new price and/or a new stock for the seller's offer with this SKU."""

    sku: str
    price_cents: int | None = None
    stock: int | None = None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _columns(fields_: OfferFields) -> dict[str, Any]:
    return {
        "sku": fields_.sku, "variant": fields_.variant_id, "grade": fields_.grade,
        "price_cents": fields_.price_cents, "stock": fields_.stock, "shipping_cents": fields_.shipping_cents,
        "delivery_days": fields_.delivery_days, "warranty_months": fields_.warranty_months,
        "battery_health_pct": fields_.battery_health_pct, "new_battery": fields_.new_battery,
        "payment_means": fields_.payment_means_text, "description": fields_.condition_note,
    }


_COMPARED = ("sku", "variant", "grade", "price_cents", "stock", "shipping_cents", "delivery_days",
             "warranty_months", "battery_health_pct", "new_battery", "payment_means", "description")


async def _seller_may_list(seller_id: int) -> None:
    seller = await Seller.select(Seller.status).where(Seller.id == seller_id).first()
    if seller is None:
        raise NotFound(seller_id)
    if seller["status"] == SellerStatus.dereferenced:
        raise Refused("form", "Your shop is dereferenced: its offers cannot be changed. Write to us if you "
                              "contest the decision.")


async def variant_problems(variant_ids: Sequence[int]) -> dict[int, str]:
    """Variant id → why an offer cannot be made for it (unknown, or its product is no longer offered)."""
    wanted = sorted(set(variant_ids))
    found: dict[int, bool] = {}
    for start in range(0, len(wanted), 500):
        rows = await Variant.select(Variant.id, Variant.model._.is_dereferenced.as_alias("gone")).where(
            Variant.id.is_in(wanted[start:start + 500]))
        found.update({row["id"]: row["gone"] for row in rows})
    problems: dict[int, str] = {}
    for variant_id in wanted:
        if variant_id not in found:
            problems[variant_id] = ("This product is not in our catalogue. Find it by name or EAN, or request "
                                    "it from the catalogue team.")
        elif found[variant_id]:
            problems[variant_id] = "This product is no longer offered on the store: it cannot be listed."
    return problems


async def _check_variant(variant_id: int) -> None:
    if (problem := (await variant_problems([variant_id])).get(variant_id)) is not None:
        raise Refused("variant_id", problem)


async def _sku_taken(seller_id: int, sku: str, other_than: int | None = None) -> bool:
    query = Offer.exists().where((Offer.seller == seller_id) & (Offer.sku == sku)
                                 & (Offer.status != OfferStatus.deleted))
    if other_than is not None:
        query = query.where(Offer.id != other_than)
    return await query


_SKU_TAKEN = "You already have an offer with this SKU: give each offer its own."


async def create_offer(seller_id: int, offer: OfferFields, rules: ListingRules | None = None) -> int:
    """A new offer for the seller, on sale at once if the seller is referenced. Returns its id."""
    refuse_if(offer.problems(rules))
    now = _now()
    async with write_transaction(Offer._meta.db):
        await _seller_may_list(seller_id)
        await _check_variant(offer.variant_id)
        if await _sku_taken(seller_id, offer.sku):
            raise Refused("sku", _SKU_TAKEN)
        await _free_deleted_sku(seller_id, offer.sku)
        row = Offer(seller=seller_id, status=OfferStatus.active, created_at=now, updated_at=now,
                    currency="EUR", **_columns(offer))
        try:
            await Offer.insert(row)
        except Exception as error:
            # Two creations of one SKU at once (PostgreSQL reads before either commits): the index decides.
            if is_unique_violation(error):
                raise Refused("sku", _SKU_TAKEN) from None
            raise
        await OfferPrice.insert(OfferPrice(offer=row.id, price_cents=offer.price_cents, currency="EUR",
                                           starts_at=now))
        await mark_for_reindex([offer.variant_id])
    return int(row.id)


async def _free_deleted_sku(seller_id: int, sku: str) -> None:
    await _free_deleted_skus(seller_id, [sku])


async def _own_offer(seller_id: int, offer_id: int) -> dict[str, Any]:
    row = await Offer.select(*Offer.all_columns()).where(
        (Offer.id == offer_id) & (Offer.seller == seller_id) & (Offer.status != OfferStatus.deleted)).first()
    if row is None:
        raise NotFound(offer_id)
    return row


async def update_offer(seller_id: int, offer_id: int, offer: OfferFields, rules: ListingRules | None = None,
                       *, stock_was: int | None = None) -> bool:
    """Changes the seller's offer to `offer`; a new price is kept in its history. Returns whether anything
    changed. An offer removed by the operator may be corrected but stays off sale.

    `stock_was` is the stock the seller's form showed: left as it was, the stock is not written, so units
    that orders took meanwhile stay taken; changed while orders took some, the change is refused with the
    stock as it now is, rather than selling units that no longer exist."""
    refuse_if(offer.problems(rules))
    async with write_transaction(Offer._meta.db):
        await _seller_may_list(seller_id)
        current = await _own_offer(seller_id, offer_id)
        if stock_was is not None:
            if offer.stock == stock_was:
                offer = replace(offer, stock=current["stock"])
            elif current["stock"] != stock_was:
                raise Refused("stock", stock_moved(current["stock"]))
        changed = await _write_changes(current, offer, _now())
    return changed


def stock_moved(now_in_stock: int) -> str:
    return (f"Orders changed the stock since you opened this page: it is now {now_in_stock}. Check the "
            "stock and save again.")


_SAME_GOOD = ("{what} is part of what buyers compare this offer's prices with: to sell the device {how}, "
              "create a new offer with its own SKU.")
_PRODUCT_FIXED = _SAME_GOOD.format(what="The product", how="as another product")
_GRADE_FIXED = _SAME_GOOD.format(what="The grade", how="in another grade")


def _same_good_problems(current: Mapping[str, Any], offer: OfferFields) -> dict[str, str]:
    """An offer keeps its product and grade: its price history, and so its prior price (Price Indication
    Directive Art. 6a), speaks of that one good."""
    found: dict[str, str] = {}
    if offer.variant_id != current["variant"]:
        found["variant_id"] = _PRODUCT_FIXED
    if offer.grade != current["grade"]:
        found["grade"] = _GRADE_FIXED
    return found


async def _write_changes(current: Mapping[str, Any], offer: OfferFields, now: dt.datetime) -> bool:
    """Inside a transaction: the offer row takes `offer`'s fields, and only the ones that differ are written,
    so a stock nobody changed is never written back over an order's; a price change starts a history row."""
    refuse_if(_same_good_problems(current, offer))
    wanted = _columns(offer)
    differing = [name for name in _COMPARED if current[name] != wanted[name]]
    if not differing:
        return False
    if "sku" in differing:
        if await _sku_taken(current["seller"], offer.sku, other_than=current["id"]):
            raise Refused("sku", _SKU_TAKEN)
        await _free_deleted_sku(current["seller"], offer.sku)
    values: dict[Any, Any] = {getattr(Offer, name): wanted[name] for name in differing}
    values[Offer.updated_at] = now
    if "price_cents" in differing:
        # The prior price of the new price: the lowest of the 30 days before it takes effect, the old one included.
        values[Offer.prior_price_cents] = (await lowest_prices_before([current["id"]], now)).get(current["id"])
    where = Offer.id == current["id"]
    if "stock" in differing:
        # Conditional on the stock read: on PostgreSQL an order may take a unit between the read and this write.
        where &= Offer.stock == current["stock"]
    try:
        written = await Offer.update(values).where(where).returning(Offer.id)
    except Exception as error:
        if is_unique_violation(error):
            raise Refused("sku", _SKU_TAKEN) from None
        raise
    if not written:
        now_in_stock = await Offer.select(Offer.stock).where(Offer.id == current["id"]).first()
        raise Refused("stock", stock_moved(now_in_stock["stock"] if now_in_stock else 0))
    if "price_cents" in differing:
        await OfferPrice.insert(OfferPrice(offer=current["id"], price_cents=offer.price_cents,
                                           currency=current["currency"], starts_at=now))
    await mark_for_reindex([current["variant"]])
    return True


async def _set_status(seller_id: int, offer_id: int, allowed_from: tuple[str, ...], to: str,
                      refusal: str) -> None:
    async with write_transaction(Offer._meta.db):
        await _seller_may_list(seller_id)
        current = await _own_offer(seller_id, offer_id)
        if current["status"] == to:
            return
        # Conditional on the state read, so a concurrent operator removal is never undone by a seller.
        updated = await Offer.update({Offer.status: to, Offer.updated_at: _now()}).where(
            (Offer.id == offer_id) & Offer.status.is_in(list(allowed_from))).returning(Offer.id)
        if not updated:
            raise Refused("status", refusal)
        if to == OfferStatus.deleted:
            await _free_deleted_sku(seller_id, current["sku"])
        await mark_for_reindex([current["variant"]])


_REMOVED = "Encore removed this offer after a notice: it stays off sale. The statement of reasons says why."


async def pause_offer(seller_id: int, offer_id: int) -> None:
    """Takes the offer off sale until its seller resumes it."""
    await _set_status(seller_id, offer_id, (OfferStatus.active,), OfferStatus.paused, _REMOVED)


async def resume_offer(seller_id: int, offer_id: int) -> None:
    """Puts a paused offer back on sale."""
    await _set_status(seller_id, offer_id, (OfferStatus.paused,), OfferStatus.active, _REMOVED)


async def delete_offer(seller_id: int, offer_id: int) -> None:
    """The offer disappears for everyone, its seller included; its row stays for the orders that name it."""
    await _set_status(seller_id, offer_id, (OfferStatus.active, OfferStatus.paused, OfferStatus.removed),
                      OfferStatus.deleted, _REMOVED)


async def offer_rows_problems(seller_id: int, rows: Sequence[OfferFields],
                              rules: ListingRules | None = None) -> dict[int, dict[str, str]]:
    """Row index → field → message, for a batch about to be applied: each row's own rules, a SKU given twice,
    and a variant that does not exist or is no longer offered."""
    found: dict[int, dict[str, str]] = {}
    limits = _rules(rules)
    first_row_of: dict[str, int] = {}
    for index, row in enumerate(rows):
        if problems := row.problems(limits):
            found[index] = problems
        if row.sku in first_row_of:
            found.setdefault(index, {})["sku"] = (f"This SKU is already on row {first_row_of[row.sku] + 1}: "
                                                  "each offer needs its own.")
        else:
            first_row_of[row.sku] = index
    bad_variants = await variant_problems([row.variant_id for row in rows if row.variant_id > 0])
    current = await existing_offers(seller_id)
    for index, row in enumerate(rows):
        if row.variant_id in bad_variants:
            found.setdefault(index, {}).setdefault("variant_id", bad_variants[row.variant_id])
        if row.sku in current:
            for name, message in _same_good_problems(current[row.sku], row).items():
                found.setdefault(index, {}).setdefault(name, message)
    return dict(sorted(found.items()))


def _refuse_rows(problems: Mapping[int, Mapping[str, str]]) -> None:
    flat = {f"rows[{index}].{name}": message for index, fields_ in problems.items()
            for name, message in fields_.items()}
    refuse_if(flat)


async def existing_offers(seller_id: int) -> dict[str, dict[str, Any]]:
    """The seller's offers (deleted ones aside) by SKU, every column: what a batch compares itself with."""
    rows = await Offer.select(*Offer.all_columns()).where(
        (Offer.seller == seller_id) & (Offer.status != OfferStatus.deleted))
    return {row["sku"]: row for row in rows}


def is_unchanged(current: Mapping[str, Any], offer: OfferFields) -> bool:
    wanted = _columns(offer)
    return all(current[name] == wanted[name] for name in _COMPARED)


async def apply_offers(seller_id: int, rows: Sequence[OfferFields], rules: ListingRules | None = None,
                       *, now: dt.datetime | None = None) -> AppliedOffers:
    """Creates or changes the seller's offers by SKU, all in one transaction: a row at fault changes nothing
    (Refused names it as `rows[index].field`). Offers whose SKU is not in `rows` are left as they are.

    Written in batches (a CSV import brings 10,000 rows): `offer_rows_problems` has checked every variant, and
    rows are matched by SKU, so no row's SKU or variant needs checking again one by one; new offers and new
    prices go in multi-row INSERTs, changed offers take one UPDATE each, and the variants touched are marked
    for search once."""
    problems = await offer_rows_problems(seller_id, rows, rules)
    _refuse_rows(problems)
    at = now or _now()
    async with write_transaction(Offer._meta.db):
        await _seller_may_list(seller_id)
        current = await existing_offers(seller_id)
        new_rows = [row for row in rows if row.sku not in current]
        changed_rows = [(current[row.sku], row) for row in rows
                        if row.sku in current and not is_unchanged(current[row.sku], row)]
        touched: set[int] = set()
        new_prices: list[dict[str, Any]] = []
        # The prior price of each new price, as `_write_changes` sets it, read for the whole batch at once.
        priors = await lowest_prices_before(
            [offer["id"] for offer, row in changed_rows if row.price_cents != offer["price_cents"]], at)
        for offer, row in changed_rows:
            wanted = _columns(row)
            values = {getattr(Offer, name): value for name, value in wanted.items()}
            values[Offer.updated_at] = at
            if row.price_cents != offer["price_cents"]:
                values[Offer.prior_price_cents] = priors.get(offer["id"])
            await Offer.update(values).where(Offer.id == offer["id"])
            if row.price_cents != offer["price_cents"]:
                new_prices.append({"offer": offer["id"], "price_cents": row.price_cents,
                                   "currency": offer["currency"], "starts_at": at})
            touched |= {offer["variant"], row.variant_id}
        if new_rows:
            await _free_deleted_skus(seller_id, [row.sku for row in new_rows])
            await _insert_many(Offer, [{"seller": seller_id, "status": OfferStatus.active.value, "created_at": at,
                                        "updated_at": at, "currency": "EUR", **_columns(row)} for row in new_rows])
            made = await _ids_by_sku(seller_id, [row.sku for row in new_rows])
            new_prices += [{"offer": made[row.sku], "price_cents": row.price_cents, "currency": "EUR",
                            "starts_at": at} for row in new_rows]
            touched |= {row.variant_id for row in new_rows}
        await _insert_many(OfferPrice, new_prices)
        await mark_for_reindex(touched)
    created, changed = len(new_rows), len(changed_rows)
    return AppliedOffers(created=created, changed=changed, unchanged=len(rows) - created - changed)


# SQLite before 3.32 takes at most 999 values in one statement.
_MAX_VALUES_PER_STATEMENT = 999


async def _insert_many(table: type[Table], rows: Sequence[Mapping[str, Any]]) -> None:
    """Rows (column name → value, the same columns each) in multi-row INSERTs. Piccolo composes a query string
    per row object, which costs several times what the database takes to write the row."""
    if not rows:
        return
    names = list(rows[0])
    per_statement = max(1, _MAX_VALUES_PER_STATEMENT // len(names))
    columns = ", ".join(f'"{name}"' for name in names)
    placeholders = "(" + ", ".join("{}" for _ in names) + ")"
    for start in range(0, len(rows), per_statement):
        chunk = rows[start:start + per_statement]
        sql = (f'INSERT INTO "{table._meta.tablename}" ({columns}) VALUES '
               + ", ".join([placeholders] * len(chunk)))
        await table.raw(sql, *(row[name] for row in chunk for name in names))


async def _ids_by_sku(seller_id: int, skus: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(skus), 500):
        rows = await Offer.select(Offer.id, Offer.sku).where(
            (Offer.seller == seller_id) & Offer.sku.is_in(list(skus[start:start + 500]))
            & (Offer.status != OfferStatus.deleted))
        found.update({row["sku"]: row["id"] for row in rows})
    return found


async def _free_deleted_skus(seller_id: int, skus: Sequence[str]) -> None:
    """A deleted offer gives its SKU back: it keeps its row (past orders point at it) under a name no seller
    can type, since SKUs never contain a space. Deleted offers are few, so one UPDATE each is fine."""
    if not skus:
        return
    deleted = await Offer.select(Offer.id, Offer.sku).where(
        (Offer.seller == seller_id) & Offer.sku.is_in(list(skus)) & (Offer.status == OfferStatus.deleted))
    for row in deleted:
        await Offer.update({Offer.sku: f"{row['sku'][:40]} deleted {row['id']}"}).where(Offer.id == row["id"])


MAX_BATCH = 1_000


async def update_prices_and_stock(seller_id: int, changes: Sequence[StockPriceChange],
                                  rules: ListingRules | None = None) -> int:
    """New prices and stock for up to `MAX_BATCH` of the seller's offers by SKU, all or nothing: an entry at
    fault changes nothing (Refused names it as `changes[index].price`, `.stock` or `.sku`). Returns how many
    offers changed."""
    if len(changes) > MAX_BATCH:
        raise Refused("changes", f"Send at most {MAX_BATCH:,} changes at once (this batch has {len(changes):,}).")
    at = _now()
    async with write_transaction(Offer._meta.db):
        await _seller_may_list(seller_id)
        current = await existing_offers(seller_id)
        problems: dict[str, str] = {}
        wanted: list[tuple[dict[str, Any], OfferFields]] = []
        first_entry_of: dict[str, int] = {}
        for index, change in enumerate(changes):
            if change.sku in first_entry_of:
                # Each entry is written from the offer as read: a second one would undo the first.
                problems[f"changes[{index}].sku"] = (f"This SKU is already in entry {first_entry_of[change.sku]}: "
                                                     "give each offer one entry.")
                continue
            first_entry_of[change.sku] = index
            offer = current.get(change.sku)
            if offer is None:
                problems[f"changes[{index}].sku"] = f"You have no offer with the SKU \u201c{change.sku}\u201d."
                continue
            fields_ = _fields_of(offer)
            fields_ = replace(fields_, price_cents=fields_.price_cents if change.price_cents is None
                              else change.price_cents, stock=fields_.stock if change.stock is None else change.stock)
            rules_broken = fields_.problems(rules)
            for name in ("price", "stock"):
                if name in rules_broken:
                    problems[f"changes[{index}].{name}"] = rules_broken[name]
            wanted.append((offer, fields_))
        refuse_if(problems)
        changed = 0
        for offer, fields_ in wanted:
            changed += await _write_changes(offer, fields_, at)
    return changed


def _fields_of(offer: Mapping[str, Any]) -> OfferFields:
    return OfferFields(
        sku=offer["sku"], variant_id=offer["variant"], grade=offer["grade"], price_cents=offer["price_cents"],
        stock=offer["stock"], shipping_cents=offer["shipping_cents"], delivery_days=offer["delivery_days"],
        warranty_months=offer["warranty_months"], battery_health_pct=offer["battery_health_pct"],
        new_battery=offer["new_battery"],
        payment_means=tuple(m for m in offer["payment_means"].split(",") if m),
        condition_note=offer["description"],
    )


def offer_fields_of(offer: Mapping[str, Any]) -> OfferFields:
    """A stored offer row as the fields its seller set: the starting point of a partial change."""
    return _fields_of(offer)

