"""Catalogue tables. A product model ("iPhone 13") has variants (model + storage + colour)."""
from piccolo.columns import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from storefront.catalog.states import CatalogueRequestStatus


class Category(Table):
    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    name = Varchar(length=80)
    slug = Varchar(length=80, unique=True, index=True)
    parent: "ForeignKey[Category]" = ForeignKey("self", null=True)
    position = Integer(default=0)
    description = Text(default="")


class Brand(Table):
    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    name = Varchar(length=80)
    slug = Varchar(length=80, unique=True, index=True)


class ProductModel(Table):
    """What a shopper calls the product. Dereferencing it takes every variant off the store."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    name = Varchar(length=120)
    slug = Varchar(length=140, unique=True, index=True)
    brand = ForeignKey(Brand)
    category = ForeignKey(Category)
    release_year = Integer(default=0)
    description = Text(default="")
    # Buyers' ratings of the product: hundredths of a star and their number. The demo seeds them;
    # reviews replace them once there are real ones.
    rating_x100 = Integer(null=True, default=None)
    rating_count = Integer(default=0)
    is_dereferenced = Boolean(default=False)
    dereferenced_reason = Text(default="")
    # Product safety (GPSR, Reg. 2023/988 Art. 19), shown on every listing: who made it and how to reach them,
    # the person responsible in the EU when the manufacturer is outside it, what kind of product it is, and its
    # warnings. Rules in storefront.catalog.safety.
    manufacturer_name = Varchar(length=200, default="")
    manufacturer_address = Text(default="")
    manufacturer_country = Varchar(length=2, default="")
    manufacturer_email = Varchar(length=254, default="")
    eu_responsible_name = Varchar(length=200, default="")
    eu_responsible_address = Text(default="")
    eu_responsible_email = Varchar(length=254, default="")
    product_type = Varchar(length=120, default="")
    safety_information = Text(default="")


class Variant(Table):
    """What a buyer picks: model, storage and colour. It is the product page and the search document."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    model = ForeignKey(ProductModel, index=True)
    slug = Varchar(length=180, unique=True, index=True)
    # The manufacturer's GTIN-13 (EAN) for this variant, as printed on the box; "" when unknown.
    ean = Varchar(length=14, default="", index=True)
    storage_gb = Integer(null=True, default=None)
    color = Varchar(length=40)
    color_hex = Varchar(length=7, default="#888888")
    specs = JSON(default="{}")
    # Price of the same device new, for the saving shown to shoppers and used by ranking.
    reference_price_cents = Integer(default=0)
    currency = Varchar(length=3, default="EUR")


class CatalogueRequest(Table):
    """A seller asks for a model or variant the catalogue lacks; the operator approves (the variant is made),
    edits or refuses it with a reason. `seller_id` is a plain integer: the sellers app builds on this one, so a
    foreign key here would make the two apps' migrations depend on each other."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    seller_id = Integer(index=True)
    brand_name = Varchar(length=80)
    model_name = Varchar(length=120)
    category = ForeignKey(Category)
    storage_gb = Integer(null=True, default=None)
    color = Varchar(length=40)
    ean = Varchar(length=14)
    specifications = Text(default="")
    manufacturer_name = Varchar(length=200, default="")
    manufacturer_address = Text(default="")
    manufacturer_country = Varchar(length=2, default="")
    manufacturer_email = Varchar(length=254, default="")
    eu_responsible_name = Varchar(length=200, default="")
    eu_responsible_address = Text(default="")
    eu_responsible_email = Varchar(length=254, default="")
    product_type = Varchar(length=120, default="")
    safety_information = Text(default="")
    status = Varchar(length=16, choices=CatalogueRequestStatus, default=CatalogueRequestStatus.pending, index=True)
    reason = Text(default="")  # the operator's, when refused
    variant: "ForeignKey[Variant]" = ForeignKey(Variant, null=True, default=None)  # made on approval
    created_at = Timestamptz()
    decided_at = Timestamptz(null=True, default=None)


class SearchOutbox(Table):
    """Variants whose search document must be rebuilt; written in the same transaction as the change."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    variant_id = Integer(index=True)
    created_at = Timestamptz()
