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


class SearchOutbox(Table):
    """Variants whose search document must be rebuilt; written in the same transaction as the change."""

    id: Serial  # added by Piccolo at class creation; declared so type checkers see it
    variant_id = Integer(index=True)
    created_at = Timestamptz()
