"""Generates the demo catalogue deterministically, as plain rows ready to insert.

`generate()` gives the shop-sized catalogue (about 3,000 offers); `generate(offers=100_000)` gives the
same shape at benchmark scale by adding more product lines, so a bigger catalogue is not just more
offers on the same few products.

No row carries a figure: ratings, counts and seller rates come from the orders, claims and reviews that
`storefront.demo.history` runs through the store's services. A seller's profile only says how likely its
orders are to go wrong, which those services then turn into figures.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from storefront.catalog.safety import with_check_digit
from storefront.catalog.slugs import slugify
from storefront.demo.data import (
    CATEGORIES,
    CITIES,
    FAMILIES,
    MANUFACTURERS,
    PAYMENT_MEANS,
    PRODUCT_SAFETY,
    SELLER_NAMES,
)
from storefront.sellers.services import iban_with_check_digits

# Share of the new price, by grade. Close together, as refurbishers price them: a better grade from a better
# seller is often the best quality/price ratio, and the cheapest fair offer does not win every product.
GRADE_PRICE_FACTORS = {"premium": 0.64, "excellent": 0.62, "good": 0.605, "fair": 0.59}
# Which grades each kind of seller lists, by tier (see `_seller_profile`): careful refurbishers list the
# better grades, the cheap ones mostly fair devices.
GRADE_WEIGHTS = {0: (5, 4, 2, 1), 1: (3, 4, 3, 2), 2: (2, 3, 4, 3), 3: (1, 2, 3, 6), 4: (2, 3, 3, 2)}
BASE_OFFERS = 3_000


@dataclass
class DemoCatalogue:
    categories: list[dict] = field(default_factory=list)
    profiles: dict[int, SellerProfile] = field(default_factory=dict)  # seller id -> how its orders go
    brands: list[dict] = field(default_factory=list)
    models: list[dict] = field(default_factory=list)
    variants: list[dict] = field(default_factory=list)
    sellers: list[dict] = field(default_factory=list)
    offers: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class SellerProfile:
    """How good a demo seller is: its price level and how likely each of its orders is to go wrong (basis
    points, chances for the demo's history, never shown). Tier 4 sellers are new: too few orders yet for
    any rate."""

    tier: int
    price_factor: float
    defect_bp: int
    wrong_bp: int
    cosmetic_bp: int
    late_bp: int
    shipping_cents: int


def _seller_profile(index: int, rng: random.Random) -> SellerProfile:
    tier = index % 5  # 0 excellent, 1 good, 2 average, 3 cheap but poor, 4 new (a handful of orders)
    defect = {0: (40, 120), 1: (120, 250), 2: (250, 450), 3: (700, 1400), 4: (150, 300)}[tier]
    late = {0: (100, 300), 1: (300, 600), 2: (600, 1000), 3: (1400, 2600), 4: (300, 800)}[tier]
    price = {0: (1.01, 1.05), 1: (0.98, 1.02), 2: (0.96, 1.00), 3: (0.93, 0.96), 4: (0.95, 1.02)}[tier]
    return SellerProfile(
        tier=tier,
        price_factor=rng.uniform(*price),
        defect_bp=rng.randint(*defect),
        wrong_bp=rng.randint(defect[0] // 3, defect[1] // 3),
        cosmetic_bp=rng.randint(defect[0] // 2, defect[1] // 2),
        late_bp=rng.randint(*late),
        shipping_cents=0 if tier == 4 else rng.choice([0, 0, 0, 499, 699]),
    )


def product_safety(brand: str, category: str) -> dict[str, str]:
    """The GPSR columns of a demo model: its brand's manufacturer (and EU responsible person when the
    manufacturer is outside the EU), its category's product type and warnings."""
    name, address, country, email, responsible = MANUFACTURERS[brand]
    product_type, warnings = PRODUCT_SAFETY[category]
    eu_name, eu_address, eu_email = responsible or ("", "", "")
    return {"manufacturer_name": name, "manufacturer_address": address, "manufacturer_country": country,
            "manufacturer_email": email, "eu_responsible_name": eu_name, "eu_responsible_address": eu_address,
            "eu_responsible_email": eu_email, "product_type": product_type, "safety_information": warnings}


def _storage_label(gb: int | None) -> str:
    if gb is None:
        return ""
    return f"{gb // 1000} TB" if gb >= 1000 and gb % 1000 == 0 else f"{gb} GB"


def generate(offers: int = BASE_OFFERS, seed: int = 2026) -> DemoCatalogue:
    """The same `offers` and `seed` always give the same catalogue, ids included."""
    rng = random.Random(seed)
    copies = max(1, math.ceil(offers / BASE_OFFERS))
    cat = DemoCatalogue()

    category_ids: dict[str, int] = {}
    for position, (slug, name, parent, description) in enumerate(CATEGORIES, 1):
        category_ids[slug] = position
        cat.categories.append({"id": position, "name": name, "slug": slug, "position": position,
                               "parent": category_ids[parent] if parent else None,
                               "description": description})

    brand_ids: dict[str, int] = {}
    for brand, *_ in FAMILIES:
        if brand not in brand_ids:
            brand_ids[brand] = len(brand_ids) + 1
            cat.brands.append({"id": brand_ids[brand], "name": brand, "slug": slugify(brand)})

    for copy in range(copies):
        # Benchmark scale adds product lines ("Edition 2", …) so documents grow, not just offers.
        suffix = "" if copy == 0 else f" Edition {copy + 1}"
        for brand, category, names, storages, base_price, colours, year in FAMILIES:
            for rank, name in enumerate(names):
                model_id = len(cat.models) + 1
                model_name = name + suffix
                cat.models.append({
                    "id": model_id, "name": model_name, "slug": slugify(f"{brand} {model_name}"),
                    "brand": brand_ids[brand], "category": category_ids[category],
                    "release_year": year + rank,
                    "description": f"The {brand} {model_name}, refurbished and tested by professional sellers.",
                    **product_safety(brand, category),
                })
                model_price = int(base_price * (1 + 0.09 * rank))
                for s_index, storage in enumerate(storages):
                    for colour, hex_code in colours:
                        label = _storage_label(storage)
                        title = " ".join(part for part in (brand, model_name, label, colour) if part)
                        variant_id = len(cat.variants) + 1
                        cat.variants.append({
                            "id": variant_id, "model": model_id, "slug": slugify(title), "ean": demo_ean(variant_id),
                            "storage_gb": storage, "color": colour, "color_hex": hex_code,
                            "reference_price_cents": (model_price + int(base_price * 0.16 * s_index)) // 100 * 100 - 1,
                            "specs": _specs(category, label, colour, year + rank, rng),
                        })

    seller_count = len(SELLER_NAMES) * copies
    profiles = [_seller_profile(i, rng) for i in range(seller_count)]
    for i in range(seller_count):
        base_name = SELLER_NAMES[i % len(SELLER_NAMES)]
        name = base_name if i < len(SELLER_NAMES) else f"{base_name} {i // len(SELLER_NAMES) + 1}"
        street, city, country = CITIES[i % len(CITIES)]
        cat.profiles[i + 1] = profiles[i]
        cat.sellers.append({
            "id": i + 1, "name": name, "slug": slugify(name),
            "legal_name": f"{name} SAS", "address": f"{street}, {city}", "country": country,
            "phone": f"+33 4 {10 + i % 89:02d} {20 + i % 79:02d} {30 + i % 69:02d} {40 + i % 59:02d}",
            "email": f"contact@{slugify(name)}.example", "trade_register_number": f"RCS {800_000_000 + i * 7919}",
            "vat_number": f"FR{10 + i % 89:02d}{800_000_000 + i * 7919}", "self_certified": True,
            **_representative(i + 1),
            "status": "referenced",
        })

    _offers(cat, offers, profiles, rng)
    _applicants(cat)
    return cat


# Refurbishers that have applied and wait to be referenced, so the operator's console has someone to check:
# one whose traceability is complete, one that has not yet given its trade register number or its
# self-certification. Their offers are ready and go on sale the moment they are referenced. Their own
# random generator leaves the rest of the catalogue exactly as it was.
APPLICANTS = [
    ("Seconde Vie Électronique", "14 rue des Tanneurs, 67000 Strasbourg", "FR", "+33 3 88 00 00 10", True),
    ("Quick Fix Phones", "5 Harcourt Street, Dublin 2", "IE", "+353 1 555 0110", False),
]


REPRESENTATIVES = ["Claire Moreau", "Jonas Weber", "Inès Haddad", "Marco Bianchi", "Sofia Lindqvist",
                   "Hugo Lambert", "Aoife Byrne", "Pieter de Vries", "Lucía Romero", "Tomasz Nowak"]


def _representative(seller_id: int) -> dict[str, str]:
    """Checked traceability that buyers never see: who represents the seller, their ID, the account paid to."""
    account = f"30004{seller_id:05d}{seller_id:011d}{seller_id % 97:02d}"  # bank, branch, number, key
    return {"representative_name": REPRESENTATIVES[seller_id % len(REPRESENTATIVES)],
            "id_document": f"passport {seller_id:02d}AB{70_000 + seller_id}",
            "payment_account": iban_with_check_digits("FR", account)}


def _applicants(cat: DemoCatalogue) -> None:
    rng = random.Random(len(cat.sellers))
    phones = [v for v in cat.variants if v["storage_gb"] and v["reference_price_cents"] < 120_000]
    for name, address, country, phone, complete in APPLICANTS:
        seller_id = len(cat.sellers) + 1
        register = f"RCS {900_000_000 + seller_id * 7919}" if complete else ""
        cat.sellers.append({
            "id": seller_id, "name": name, "slug": slugify(name), "legal_name": f"{name} SARL", "address": address,
            "country": country, "phone": phone,
            "email": f"contact@{slugify(name)}.example",
            "trade_register_number": register, "vat_number": f"FR{seller_id:02d}{900_000_000 + seller_id}",
            **(_representative(seller_id) if complete else {}),
            "self_certified": complete, "status": "pending",
        })
        for variant in rng.sample(phones, 4):
            grade = rng.choice(list(GRADE_PRICE_FACTORS))
            price = int(variant["reference_price_cents"] * GRADE_PRICE_FACTORS[grade]) // 100 * 100 - 1
            cat.offers.append({
                "id": len(cat.offers) + 1, "seller": seller_id, "variant": variant["id"], "grade": grade,
                "price_cents": max(999, price), "shipping_cents": 0, "stock": rng.choice([2, 3, 5]),
                "delivery_days": 3, "warranty_months": 12, "payment_means": "card", "status": "active",
                **_listing_details(len(cat.offers) + 1, variant["id"], grade),
            })


def _offers(cat: DemoCatalogue, target: int, profiles: list[SellerProfile], rng: random.Random) -> None:
    grades = list(GRADE_PRICE_FACTORS)
    per_variant, extra = divmod(target, len(cat.variants))
    for index, variant in enumerate(cat.variants):
        wanted = per_variant + (1 if index < extra else 0)
        pairs = [(s, g) for s in range(len(profiles)) for g in grades]
        weights = [GRADE_WEIGHTS[profiles[s].tier][grades.index(g)] for s, g in pairs]
        for seller_index, grade in _weighted_sample(pairs, weights, min(wanted, len(pairs)), rng):
            profile = profiles[seller_index]
            raw = variant["reference_price_cents"] * GRADE_PRICE_FACTORS[grade] * profile.price_factor
            price = max(999, int(raw * rng.uniform(0.93, 1.07)) // 100 * 100 - 1)
            means = ["card", *[m for m in PAYMENT_MEANS[1:] if rng.random() < 0.5]]
            cat.offers.append({
                "id": len(cat.offers) + 1, "seller": seller_index + 1, "variant": variant["id"],
                "grade": grade, "price_cents": price, "shipping_cents": profile.shipping_cents,
                "stock": rng.choice([0, 1, 2, 3, 5, 8, 12, 20]) if rng.random() < 0.95 else 0,
                "delivery_days": rng.randint(1, 5), "warranty_months": rng.choice([12, 12, 18, 24]),
                "payment_means": ",".join(means), "status": "active",
                **_listing_details(len(cat.offers) + 1, variant["id"], grade),
            })


CONDITION_NOTES = {
    "premium": "Flawless screen and body. Tested on 25 points, data wiped, genuine parts only.",
    "excellent": "No marks visible from 20 cm. Tested on 25 points and data wiped.",
    "good": "Light marks on the body, none visible from 50 cm. Screen without scratches. Fully tested.",
    "fair": "Visible scratches on the body and light marks on the screen. Works perfectly, fully tested.",
}


def _listing_details(offer_id: int, variant_id: int, grade: str) -> dict[str, object]:
    """What a seller adds to each offer besides price and stock. Derived from ids rather than drawn from the
    generator's random stream, so the rest of the catalogue (and every figure built on it) stays as it was."""
    new_battery = offer_id % 5 == 0
    return {"sku": f"V{variant_id}-{grade[:3].upper()}", "new_battery": new_battery,
            "battery_health_pct": 100 if new_battery else 80 + (offer_id * 7) % 20,
            "description": CONDITION_NOTES[grade]}


def demo_ean(variant_id: int) -> str:
    """A GTIN-13 in the 20–29 prefix range, which GS1 keeps for in-store numbering: it can never be a real
    product's, and its check digit is right."""
    return with_check_digit(f"29{variant_id:010d}")


def _weighted_sample(pairs: list[tuple[int, str]], weights: list[int], count: int,
                     rng: random.Random) -> list[tuple[int, str]]:
    """`count` distinct pairs, each drawn with its weight (Efraimidis-Spirakis keys: one pass, deterministic)."""
    keyed = sorted(((rng.random() ** (1 / w), i) for i, w in enumerate(weights)), reverse=True)
    return [pairs[i] for _, i in keyed[:count]]


def _specs(category: str, storage: str, colour: str, year: int, rng: random.Random) -> dict[str, str]:
    specs = {"Colour": colour, "Release year": str(year)}
    if storage:
        specs["Storage"] = storage
    if category in ("smartphones", "tablets"):
        sizes = [10.9, 11.0, 12.4] if category == "tablets" else [6.1, 6.4, 6.7]
        specs["Screen"] = f"{rng.choice(sizes)} in"
        specs["Network"] = rng.choice(["4G", "5G"])
        specs["Battery health"] = "At least 80 % of original capacity"
    elif category in ("ultrabooks", "gaming-laptops"):
        specs["Processor"] = rng.choice(["Apple M1", "Intel Core i5", "Intel Core i7", "AMD Ryzen 7"])
        specs["Memory"] = rng.choice(["8 GB", "16 GB", "32 GB"])
        specs["Keyboard"] = rng.choice(["AZERTY (French)", "QWERTY (UK)", "QWERTZ (German)"])
    elif category == "smartwatches":
        specs["Case size"] = rng.choice(["41 mm", "44 mm", "45 mm"])
    return specs
