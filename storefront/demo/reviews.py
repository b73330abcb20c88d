"""Demo reviews: buyers, their delivered orders and the reviews they published, so the product pages have
something to read and every sort gives a different order. Deterministic (random.Random(7)); dates are
relative to the moment of seeding. Rows go straight into the tables: no checkout, no e-mails."""
from __future__ import annotations

import datetime as dt
import random

from storefront.accounts.passwords import hash_password
from storefront.accounts.tables import Account
from storefront.db import write_transaction
from storefront.demo.generate import DemoCatalogue
from storefront.orders.tables import Order, OrderLine, SellerOrder
from storefront.reviews import rules, service
from storefront.reviews.tables import Review
from storefront.strategy import variant_title

BUYER_PASSWORD = "encore-demo-buyer"
REVIEWED_MODELS = 12
REVIEWS_ON_FEATURED = 32  # "Apple iPhone 13": enough for several pages
FEATURED_MODEL = "iPhone 13"

FIRST_NAMES = ["Léa", "Hugo", "Chloé", "Lucas", "Manon", "Nathan", "Inès", "Théo", "Jade", "Louis", "Sarah",
               "Gabriel", "Emma", "Jules", "Zoé", "Adam", "Alice", "Raphaël", "Lina", "Arthur", "Nora", "Malik"]
LAST_NAMES = ["Bernard", "Dubois", "Moreau", "Laurent", "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David",
              "Bertrand", "Morel", "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau"]
CITIES = [("69002", "Lyon"), ("75011", "Paris"), ("13006", "Marseille"), ("31000", "Toulouse"), ("44000", "Nantes"),
          ("33000", "Bordeaux"), ("59000", "Lille"), ("67000", "Strasbourg")]

# Comments by rating, from none to long ones, so relevance (length and extremity) reorders them.
SHORT = {
    1: ["Stopped charging after two weeks.", "Not as described.", "Returned it: the microphone did not work."],
    2: ["Battery weaker than I hoped.", "Scratches on the frame.", "Works, but the screen has a yellow tint."],
    3: ["Does the job.", "OK for the price.", "Fine, a few marks on the back as the grade said."],
    4: ["Good phone, quick delivery.", "Very clean, works well.", "Nice condition, battery at 88 %."],
    5: ["Perfect!", "Like new, very happy.", "Flawless. Bought one for my son too.", "Top 👍"],
}
LONG = {
    1: ["The screen had a dead pixel line on arrival and Face ID did not work at all.\nI sent it back the same "
        "week. The refund came quickly, but I would rather have had a working phone.",
        "Sold as excellent, it arrived with a cracked camera lens and a battery at 79 %, below what the shop "
        "promises. The seller answered after four days only."],
    2: ["The phone works, but the battery was at 81 % and lasts barely a day with normal use. The grade said "
        "excellent, yet there is a visible dent on the bottom edge next to the charging port.",
        "Took nine days to arrive instead of three. The phone itself is fine apart from a loose SIM tray, which "
        "is annoying when you take it out of your pocket."],
    3: ["Average. Everything works, the screen is clean, but the speaker crackles a little at full volume and "
        "the box was a plain brown one without a cable. Fine for a second phone.",
        "It does what a phone should. Some light scratches on the screen that you only notice when it is off. "
        "For the price I expected a little better, for a fair grade it is honest."],
    4: ["Arrived in two days, well packed, with a cable. The battery is at 89 % and lasts all day.\nOne small "
        "scratch on the back that you only see in bright light. I would buy refurbished again.",
        "Good value. The phone looks almost new and everything works: cameras, Face ID, 5G.\nOnly four stars "
        "because the charger was missing from the box, although the listing did not promise one."],
    5: ["I was nervous about buying refurbished, but this one looks brand new: no scratch anywhere, battery at "
        "96 %, and it came with a case and a charger.\n\nSet-up took ten minutes, Face ID and cameras work "
        "perfectly. Half the price of a new one for what feels like a new one. Highly recommended.",
        "Second refurbished phone I buy here and again spotless. Delivered the next day in a sturdy box.",
        "My daughter's birthday present: she could not tell it from a new one. Battery health 100 %, which I "
        "did not expect.\nThe seller even added a screen protector. Thank you!"],
}


def _comment(rng: random.Random, rating: int) -> str:
    kind = rng.random()
    if kind < 0.2:
        return ""
    if kind < 0.65:
        return rng.choice(SHORT[rating])
    text = rng.choice(LONG[rating])
    # Long comments of different lengths: keep whole sentences so none reads oddly.
    sentences = text.split(". ")
    keep = rng.randint(max(1, len(sentences) - 2), len(sentences))
    cut = ". ".join(sentences[:keep])
    return cut if cut.endswith((".", "!")) else cut + "."


def _rating(rng: random.Random) -> int:
    return rng.choices([1, 2, 3, 4, 5], weights=[1, 1, 2, 4, 6])[0]


async def load_demo_reviews(catalogue: DemoCatalogue) -> None:
    rng = random.Random(7)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    brands = {b["id"]: b["name"] for b in catalogue.brands}
    models = catalogue.models[:REVIEWED_MODELS]
    variants_of: dict[int, list[dict]] = {}
    for variant in catalogue.variants:
        variants_of.setdefault(variant["model"], []).append(variant)
    # Only listed sellers have sold anything: the applicants waiting to be referenced have no buyers yet.
    listed = {seller["id"] for seller in catalogue.sellers if seller["status"] == "referenced"}
    offers_of: dict[int, list[dict]] = {}
    for offer in catalogue.offers:
        if offer["seller"] in listed:
            offers_of.setdefault(offer["variant"], []).append(offer)

    shared_hash = hash_password(BUYER_PASSWORD)
    buyers = [Account(email=f"buyer{n:02d}@encore.example", name=f"{first} {rng.choice(LAST_NAMES)}",
                      password_hash=shared_hash, role="shopper", created_at=now - dt.timedelta(days=400))
              for n, first in enumerate(FIRST_NAMES, 1)]

    planned: list[dict] = []
    for model in models:
        count = REVIEWS_ON_FEATURED if model["name"] == FEATURED_MODEL else rng.randint(3, 9)
        for _ in range(count):
            variant = rng.choice(variants_of[model["id"]])
            offer = rng.choice(offers_of.get(variant["id"]) or [o for v in variants_of[model["id"]]
                                                                for o in offers_of.get(v["id"], [])])
            rating = _rating(rng)
            published = now - dt.timedelta(days=rng.randint(1, 180), minutes=rng.randint(0, 1_439))
            delivered = published - dt.timedelta(days=rng.randint(1, 12), minutes=rng.randint(0, 600))
            paid = delivered - dt.timedelta(days=rng.randint(2, 5), minutes=rng.randint(0, 600))
            subs = ({name: max(1, min(5, rating + rng.choice([-1, 0, 0, 1]))) for name in rules.SUB_RATINGS}
                    if rng.random() < 0.6 else {})
            planned.append({"model": model, "variant": variant, "offer": offer, "rating": rating,
                            "comment": _comment(rng, rating), "published": published, "delivered": delivered,
                            "paid": paid, "buyer": rng.randrange(len(buyers)), "subs": subs})

    async with write_transaction(Review._meta.db):
        await Account.insert(*buyers)
        orders, seller_orders, lines = [], [], []
        for n, p in enumerate(planned, 1):
            buyer, offer = buyers[p["buyer"]], p["offer"]
            postcode, city = CITIES[p["buyer"] % len(CITIES)]
            price = offer["price_cents"]
            fee = max(99, price * 5 // 100)
            orders.append(Order(
                reference=f"ENC-DEMO-{n:05d}", account=buyer.id, status="paid", items_cents=price,
                shipping_cents=offer["shipping_cents"], service_fee_cents=fee,
                total_cents=price + offer["shipping_cents"] + fee, payment_means="card",
                idempotency_key=f"demo-review-order-{n}", delivery_name=buyer.name,
                delivery_line1=f"{n} rue de la République", delivery_postcode=postcode, delivery_city=city,
                created_at=p["paid"] - dt.timedelta(minutes=3), paid_at=p["paid"]))
        await Order.insert(*orders)
        for order, p in zip(orders, planned, strict=True):
            offer = p["offer"]
            seller_orders.append(SellerOrder(
                order=order.id, seller=offer["seller"], status="delivered", items_cents=offer["price_cents"],
                shipping_cents=offer["shipping_cents"], total_cents=offer["price_cents"] + offer["shipping_cents"],
                promised_delivery_date=(p["delivered"] + dt.timedelta(days=1)).date(), carrier="Colissimo",
                tracking_number=f"6A{order.id:011d}", accepted_at=p["paid"] + dt.timedelta(hours=2),
                shipped_at=p["paid"] + dt.timedelta(days=1), delivered_at=p["delivered"]))
        await SellerOrder.insert(*seller_orders)
        for seller_order, p in zip(seller_orders, planned, strict=True):
            offer, variant, model = p["offer"], p["variant"], p["model"]
            lines.append(OrderLine(
                seller_order=seller_order.id, offer=offer["id"], variant=variant["id"],
                title=variant_title(brands[model["brand"]], model["name"], variant["storage_gb"], variant["color"]),
                grade=offer["grade"], quantity=1, unit_price_cents=offer["price_cents"],
                warranty_months=offer["warranty_months"]))
        await OrderLine.insert(*lines)
        await Review.insert(*(
            Review(order_line=line.id, account=buyers[p["buyer"]].id, model=p["model"]["id"],
                   variant=p["variant"]["id"], seller=p["offer"]["seller"], rating=p["rating"], comment=p["comment"],
                   relevance=rules.relevance(p["rating"], p["comment"]), status="published",
                   purchased_at=p["paid"], delivered_at=p["delivered"], submitted_at=p["published"],
                   published_at=p["published"], updated_at=p["published"], **p["subs"])
            for line, p in zip(lines, planned, strict=True)))
        for model_id, seller_id in sorted({(p["model"]["id"], p["offer"]["seller"]) for p in planned}):
            await service.refresh_ratings(model_id, seller_id)
