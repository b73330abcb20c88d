"""What a price to win costs: the pure search, and the seller portal's read over a prepared store.

    DATABASE_URL=sqlite:////tmp/store/encore.sqlite3 .venv/bin/python -m bench.price_to_win_bench

Pure: `price_to_win` for an offer that is not featured, against 1, 5, 20 and 100 rivals of its grade (seeded
random figures), per call. Read: `featured_status` for a page of 25 offers of the seller with the most offers,
and for every offer of every seller of the store (the demo's 3,000), seller by seller. Prints figures; asserts
nothing about time.
"""
from __future__ import annotations

import asyncio
import random
import statistics
import time
from dataclasses import replace

from storefront.ranking import OfferSignals, RankingWeights, price_to_win

MEANS = ("card", "paypal", "instalments", "bank_transfer")


def rival(rng: random.Random, offer_id: int) -> OfferSignals:
    return OfferSignals(
        offer_id=offer_id, product_id=1, seller_id=offer_id, grade="good",
        price_cents=rng.randint(20_000, 40_000), shipping_cents=rng.choice([0, 0, 499, 999]),
        reference_price_cents=80_000, product_rating=4.3, product_rating_count=120,
        seller_rating=rng.uniform(3, 5), seller_rating_count=rng.randint(0, 900),
        defect_rate=rng.uniform(0, 0.08), wrong_item_rate=rng.uniform(0, 0.03), cosmetic_rate=rng.uniform(0, 0.06),
        late_delivery_rate=rng.uniform(0, 0.2), payment_means=frozenset(rng.sample(MEANS, rng.randint(1, 4))),
    )


def pure() -> None:
    weights = RankingWeights()
    rng = random.Random(3)
    for count in (1, 5, 20, 100):
        rivals = [rival(rng, i) for i in range(2, count + 2)]
        target = replace(rival(rng, 1), price_cents=45_000)
        runs = []
        for _ in range(200 if count < 100 else 50):
            started = time.perf_counter()
            price_to_win(target, rivals, weights)
            runs.append(time.perf_counter() - started)
        print(f"price_to_win against {count:>3} rivals: median {statistics.median(runs) * 1e3:.3f} ms, "
              f"max {max(runs) * 1e3:.3f} ms")


async def read() -> None:
    from storefront.sellers.price_to_win import featured_status
    from storefront.sellers.tables import Offer

    rows = await Offer.select(Offer.id, Offer.seller).where(Offer.status != "deleted").order_by(Offer.id)
    by_seller: dict[int, list[int]] = {}
    for row in rows:
        by_seller.setdefault(row["seller"], []).append(row["id"])
    biggest = max(by_seller, key=lambda seller: len(by_seller[seller]))
    runs = []
    for _ in range(20):
        started = time.perf_counter()
        await featured_status(biggest, by_seller[biggest][:25])
        runs.append(time.perf_counter() - started)
    print(f"featured_status, a page of 25 offers: median {statistics.median(runs) * 1e3:.1f} ms, "
          f"max {max(runs) * 1e3:.1f} ms")
    started = time.perf_counter()
    statuses = 0
    for seller, ids in by_seller.items():
        statuses += len(await featured_status(seller, ids))
    spent = time.perf_counter() - started
    print(f"featured_status, every offer of {len(by_seller)} sellers ({statuses:,} offers): {spent:.2f} s")
    started = time.perf_counter()
    await featured_status(biggest, by_seller[biggest])
    print(f"featured_status, all {len(by_seller[biggest])} offers of one seller at once: "
          f"{(time.perf_counter() - started) * 1e3:.0f} ms")


def main() -> None:
    pure()
    asyncio.run(read())


if __name__ == "__main__":
    main()
