"""Catalogue requests: sellers never edit the shared catalogue; they ask for a missing model or variant, and the
operator approves it (the variant then exists and the seller's offer can go on sale), corrects it, or refuses it
with a reason. Either decision e-mails the seller and goes in the audit log.

A request carries what the variant needs (brand, model, category, storage, colour, EAN, specifications) and the
model's product safety information (storefront.catalog.safety). Approving finds or makes the brand and the model
by name, makes the variant with its slug, EAN and specifications, and marks it for search in the same
transaction. An existing model keeps the safety information it has; one without any takes the request's.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from piccolo.columns import Column

from storefront.catalog import queries
from storefront.catalog.outbox import mark_for_reindex
from storefront.catalog.safety import SAFETY_FIELDS, ProductSafety, ean_problem, read_safety, tidy
from storefront.catalog.slugs import slugify
from storefront.catalog.states import CatalogueRequestStatus
from storefront.catalog.tables import Brand, CatalogueRequest, Category, ProductModel, Variant
from storefront.db import write_transaction
from storefront.errors import NotFound, Refused, refuse_if
from storefront.inputs import parse_id, parse_whole
from storefront.mail import outbox
from storefront.moderation.decisions import audit
from storefront.sellers.tables import Seller
from storefront.settings import Settings

# Column → (label, longest accepted), in the form's order; the category is chosen from a list.
VARIANT_FIELDS = {
    "brand_name": ("Brand", 80),
    "model_name": ("Model name, as the manufacturer writes it", 120),
    "storage_gb": ("Storage in GB (1 TB is 1000; leave empty if it has none)", 7),
    "color": ("Colour, as the manufacturer names it", 40),
    "ean": ("EAN (GTIN): the digits under the barcode", 14),
    "specifications": ("Specifications, one per line, such as “Screen: 6.1 in”", 2_000),
}
MAX_STORAGE_GB = 100_000
MAX_SPEC_LINES = 30
SPEC_NAME_MAX, SPEC_VALUE_MAX = 60, 200
REASON_MIN, REASON_MAX = 10, 2_000


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def parse_specifications(text: str) -> dict[str, str]:
    """"Name: value" lines as a mapping, in their order; blank lines skipped. Assumes `problems()` passed."""
    specs: dict[str, str] = {}
    for line in text.split("\n"):
        if line.strip():
            name, _, value = line.partition(":")
            specs[name.strip()] = value.strip()
    return specs


def _specifications_problem(text: str) -> str | None:
    lines = [line for line in text.split("\n") if line.strip()]
    if len(lines) > MAX_SPEC_LINES:
        return f"Give at most {MAX_SPEC_LINES} specifications (there are {len(lines)})."
    for number, line in enumerate(lines, 1):
        name, colon, value = line.partition(":")
        if not colon or not name.strip() or not value.strip():
            return f"Line {number} needs a name, a colon and a value, such as “Screen: 6.1 in”."
        if len(name.strip()) > SPEC_NAME_MAX or len(value.strip()) > SPEC_VALUE_MAX:
            return (f"Line {number} is too long: at most {SPEC_NAME_MAX} characters before the colon and "
                    f"{SPEC_VALUE_MAX} after it.")
    return None


@dataclass(frozen=True)
class CatalogueRequestInput:
    """A request as typed: the variant's fields (spaces collapsed), the chosen category's id, and the model's
    product safety information."""

    fields: Mapping[str, str]
    category_id: int | None
    safety: ProductSafety

    @property
    def storage_gb(self) -> int | None:
        return parse_whole(self.fields.get("storage_gb", ""), MAX_STORAGE_GB, minimum=1)

    def problems(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for name, (_, longest) in VARIANT_FIELDS.items():
            value = self.fields.get(name, "")
            if not value and name in ("brand_name", "model_name", "color"):
                found[name] = "Fill this in."
            elif len(value) > longest:
                found[name] = f"Keep it to {longest:,} characters or fewer (it has {len(value):,})."
        if self.category_id is None:
            found["category"] = "Choose the category the product belongs in."
        if "storage_gb" not in found and self.fields.get("storage_gb") and self.storage_gb is None:
            found["storage_gb"] = f"Give the storage in whole gigabytes, from 1 to {MAX_STORAGE_GB:,}, such as 128."
        if "ean" not in found and (problem := ean_problem(self.fields.get("ean", ""))):
            found["ean"] = problem
        if "specifications" not in found and (problem := _specifications_problem(self.fields.get("specifications",
                                                                                                  ""))):
            found["specifications"] = problem
        return {**found, **self.safety.problems()}

    def stored(self) -> dict[str, Any]:
        """The request's columns as kept."""
        return {"brand_name": self.fields.get("brand_name", ""), "model_name": self.fields.get("model_name", ""),
                "category": self.category_id, "storage_gb": self.storage_gb, "color": self.fields.get("color", ""),
                "ean": self.fields.get("ean", ""), "specifications": self.fields.get("specifications", ""),
                **self.safety.stored()}

    def values(self) -> dict[str, str]:
        """What the form shows again: every field as typed."""
        return {**self.fields, "category": str(self.category_id or ""), **self.safety.fields}


def read_request_form(form: Mapping[str, Any]) -> CatalogueRequestInput:
    fields = {name: tidy(name, form.get(name)) for name in VARIANT_FIELDS}
    fields["ean"] = fields["ean"].replace(" ", "")
    return CatalogueRequestInput(fields=fields, category_id=parse_id(str(form.get("category") or "")),
                                 safety=read_safety(form))


def input_from_row(row: Mapping[str, Any]) -> CatalogueRequestInput:
    """A stored request as the form shows it, for the operator to correct."""
    form = {name: "" if row.get(name) is None else str(row[name]) for name in (*VARIANT_FIELDS, *SAFETY_FIELDS)}
    form["category"] = str(row.get("category") or "")
    return read_request_form(form)


async def _check_category(category_id: int | None) -> None:
    if category_id is None or not await Category.exists().where(Category.id == category_id):
        raise Refused("category", "Choose the category the product belongs in.")


async def _variant_with_ean(ean: str) -> dict[str, Any] | None:
    return await Variant.select(Variant.id, Variant.slug).where(Variant.ean == ean).first()


async def submit_request(seller_id: int, data: CatalogueRequestInput) -> int:
    """The seller's request, pending the operator's review. Refused when a field is at fault, when the EAN is
    already in the catalogue (the seller can offer that variant now) or already asked for by this seller."""
    refuse_if(data.problems())
    async with write_transaction(CatalogueRequest._meta.db):
        if not await Seller.exists().where(Seller.id == seller_id):
            raise NotFound(seller_id)
        await _check_category(data.category_id)
        if existing := await _variant_with_ean(data.fields["ean"]):
            raise Refused("ean", f"This EAN is already in the catalogue (/p/{existing['slug']}): you can offer "
                                 "it without a request.")
        if await CatalogueRequest.exists().where(
                (CatalogueRequest.seller_id == seller_id) & (CatalogueRequest.ean == data.fields["ean"])
                & (CatalogueRequest.status == CatalogueRequestStatus.pending)):
            raise Refused("ean", "You have already asked for this EAN: we are looking at that request.")
        row = CatalogueRequest(seller_id=seller_id, status=CatalogueRequestStatus.pending, created_at=_now())
        for column, value in data.stored().items():
            setattr(row, column, value)
        await row.save()
    return row.id


async def _pending(request_id: int) -> dict[str, Any]:
    row = await CatalogueRequest.select().where(CatalogueRequest.id == request_id).first()
    if row is None:
        raise NotFound(request_id)
    if row["status"] != CatalogueRequestStatus.pending:
        raise Refused("form", "This request was already decided.")
    return row


async def correct_request(request_id: int, data: CatalogueRequestInput, *, operator_id: int) -> None:
    """The operator corrects a pending request before deciding on it."""
    refuse_if(data.problems())
    async with write_transaction(CatalogueRequest._meta.db):
        await _pending(request_id)
        await _check_category(data.category_id)
        corrected: dict[Column | str, Any] = {getattr(CatalogueRequest, k): v for k, v in data.stored().items()}
        await CatalogueRequest.update(corrected).where(CatalogueRequest.id == request_id)
        await audit(operator_id, "catalogue request corrected", "catalogue", request_id)


async def _unique_slug(table: type[Brand] | type[ProductModel] | type[Variant], base: str) -> str:
    base = base or "item"
    slug, number = base, 1
    while await table.exists().where(table.slug == slug):
        number += 1
        slug = f"{base}-{number}"
    return slug


async def _brand_id(name: str) -> tuple[int, bool]:
    """The brand called `name` (whatever its case), made if missing; and whether it was made."""
    for row in await Brand.select(Brand.id, Brand.name):
        if row["name"].casefold() == name.casefold():
            return row["id"], False
    brand = Brand(name=name, slug=await _unique_slug(Brand, slugify(name)))
    await brand.save()
    return brand.id, True


async def _model_id(brand_id: int, brand_name: str, data: CatalogueRequestInput) -> int:
    """The brand's model of that name, made if missing with the request's safety information; an existing model
    without safety information takes it, one with it keeps its own."""
    name = data.fields["model_name"]
    safety = data.safety.stored()
    for row in await ProductModel.select(ProductModel.id, ProductModel.name, ProductModel.manufacturer_name).where(
            ProductModel.brand == brand_id):
        if row["name"].casefold() == name.casefold():
            if not row["manufacturer_name"]:
                await ProductModel.update({getattr(ProductModel, k): v for k, v in safety.items()}).where(
                    ProductModel.id == row["id"])
            return row["id"]
    model = ProductModel(name=name, slug=await _unique_slug(ProductModel, slugify(f"{brand_name} {name}")),
                         brand=brand_id, category=data.category_id, release_year=0,
                         description=f"The {brand_name} {name}, refurbished and tested by professional sellers.")
    for column, value in safety.items():
        setattr(model, column, value)
    await model.save()
    return model.id


def _storage_label(gb: int | None) -> str:
    if gb is None:
        return ""
    return f"{gb // 1000} TB" if gb >= 1000 and gb % 1000 == 0 else f"{gb} GB"


async def approve_request(request_id: int, data: CatalogueRequestInput, *, operator_id: int,
                          settings: Settings) -> int:
    """Approves the request with the operator's final details: the variant exists from now on, findable by the
    sellers and on its product page. Returns the variant's id."""
    refuse_if(data.problems())
    brand_made = False
    async with write_transaction(CatalogueRequest._meta.db):
        request = await _pending(request_id)
        await _check_category(data.category_id)
        ean = data.fields["ean"]
        if existing := await _variant_with_ean(ean):
            raise Refused("ean", f"This EAN already belongs to /p/{existing['slug']}: refuse the request and tell "
                                 "the seller to offer that variant.")
        brand_name = data.fields["brand_name"]
        brand_id, brand_made = await _brand_id(brand_name)
        model_id = await _model_id(brand_id, brand_name, data)
        storage, colour = data.storage_gb, data.fields["color"]
        for row in await Variant.select(Variant.slug, Variant.storage_gb, Variant.color).where(
                Variant.model == model_id):
            if row["storage_gb"] == storage and row["color"].casefold() == colour.casefold():
                raise Refused("color", f"This model already has this storage and colour (/p/{row['slug']}): "
                                       "refuse the request and tell the seller to offer that variant.")
        label = _storage_label(storage)
        title = " ".join(part for part in (brand_name, data.fields["model_name"], label, colour) if part)
        specs = {"Colour": colour, **({"Storage": label} if label else {}),
                 **parse_specifications(data.fields["specifications"])}
        variant = Variant(model=model_id, slug=await _unique_slug(Variant, slugify(title)), storage_gb=storage,
                          color=colour, specs=json.dumps(specs), reference_price_cents=0, ean=ean)
        await variant.save()
        decided: dict[Column | str, Any] = {getattr(CatalogueRequest, k): v for k, v in data.stored().items()}
        decided.update({CatalogueRequest.status: CatalogueRequestStatus.approved, CatalogueRequest.variant: variant.id,
                        CatalogueRequest.decided_at: _now()})
        await CatalogueRequest.update(decided).where(CatalogueRequest.id == request_id)
        await mark_for_reindex([variant.id])
        await audit(operator_id, "catalogue request approved", "catalogue", request_id,
                    f"variant {variant.id} ({title}) made for seller {request['seller_id']}")
        await _tell_seller(request["seller_id"], settings,
                           subject=f"{settings.brand_name}: {title} is in the catalogue",
                           body=(f"We approved your catalogue request for {title} (EAN {ean}). You can offer it "
                                 f"from now on: {settings.public_base_url}/p/{variant.slug}\n"))
    if brand_made:
        queries.forget_reference_data()
    return variant.id


async def refuse_request(request_id: int, reason: str, *, operator_id: int, settings: Settings) -> None:
    """Refuses the request; the seller is told why."""
    reason = tidy("safety_information", reason)
    if len(reason) < REASON_MIN:
        raise Refused("reason", "Tell the seller why in a few words: they read it in the e-mail.")
    if len(reason) > REASON_MAX:
        raise Refused("reason", f"Keep the reason to {REASON_MAX:,} characters or fewer (it has {len(reason):,}).")
    async with write_transaction(CatalogueRequest._meta.db):
        request = await _pending(request_id)
        await CatalogueRequest.update({CatalogueRequest.status: CatalogueRequestStatus.refused,
                                       CatalogueRequest.reason: reason, CatalogueRequest.decided_at: _now()}).where(
            CatalogueRequest.id == request_id)
        await audit(operator_id, "catalogue request refused", "catalogue", request_id, reason)
        what = f"{request['brand_name']} {request['model_name']} (EAN {request['ean']})"
        await _tell_seller(request["seller_id"], settings, subject=f"{settings.brand_name}: catalogue request refused",
                           body=(f"We did not add {what} to the catalogue.\n\nWhy: {reason}\n\nYou can send a new "
                                 f"request once this is put right: {settings.public_base_url}/seller/catalogue-requests"
                                 "/new\n"))


async def _tell_seller(seller_id: int, settings: Settings, *, subject: str, body: str) -> None:
    seller = await Seller.select(Seller.name, Seller.email).where(Seller.id == seller_id).first()
    if seller and seller["email"]:
        await outbox.queue(to=seller["email"], kind="catalogue_request", subject=subject,
                           body=f"Hello {seller['name']},\n\n{body}")
