"""How long ranking a results page takes: rank_products over 50 products × 20 offers.

Run with `.venv/bin/python -m bench.ranking_bench`. The data are random but seeded, so two runs rank
the same offers; the script prints figures and asserts nothing about them.
"""
from __future__ import annotations

import os
import platform
import random
import statistics
import sys
import time

from storefront.ranking import PAYMENT_MEANS, OfferSignals, rank_products

PRODUCTS = 50
OFFERS_PER_PRODUCT = 20
SELLERS = 60
RUNS = 2_000
WARM_UP_RUNS = 50
GRADES = ("premium", "excellent", "good", "fair")


def _maybe(rng: random.Random, value: float, chance_of_none: float = 0.1) -> float | None:
    return None if rng.random() < chance_of_none else value


def build_candidates(seed: int = 42) -> list[OfferSignals]:
    """A results page's worth of candidate offers; each seller keeps the same figures on every offer."""
    rng = random.Random(seed)
    sellers = []
    for seller_id in range(1, SELLERS + 1):
        rated = rng.random() > 0.1
        sellers.append({
            "seller_id": seller_id,
            "seller_rating": round(rng.uniform(2.0, 5.0), 2) if rated else None,
            "seller_rating_count": rng.randint(1, 2_000) if rated else 0,
            "defect_rate": _maybe(rng, rng.uniform(0.0, 0.12)),
            "wrong_item_rate": _maybe(rng, rng.uniform(0.0, 0.05)),
            "cosmetic_rate": _maybe(rng, rng.uniform(0.0, 0.10)),
            "late_delivery_rate": _maybe(rng, rng.uniform(0.0, 0.30)),
        })
    candidates = []
    offer_id = 0
    for product_id in range(1, PRODUCTS + 1):
        reference = rng.randint(200, 1_500) * 100 if rng.random() > 0.1 else 0
        base = reference or rng.randint(150, 1_200) * 100
        product_rating = round(rng.uniform(3.0, 5.0), 2)
        product_rating_count = rng.randint(0, 3_000)
        for seller in rng.sample(sellers, OFFERS_PER_PRODUCT):
            offer_id += 1
            means = frozenset(m for m in PAYMENT_MEANS if m == "card" or rng.random() < 0.5)
            candidates.append(OfferSignals(
                offer_id=offer_id,
                product_id=product_id,
                grade=rng.choice(GRADES),
                price_cents=int(base * rng.uniform(0.45, 0.9)),
                shipping_cents=rng.choice((0, 0, 0, 499, 990)),
                reference_price_cents=reference,
                product_rating=product_rating if product_rating_count else None,
                product_rating_count=product_rating_count,
                payment_means=means,
                **seller,
            ))
    rng.shuffle(candidates)
    return candidates


def _ms(ns: float) -> str:
    return f"{ns / 1e6:.3f} ms"


def main() -> None:
    candidates = build_candidates()
    for _ in range(WARM_UP_RUNS):
        rank_products(candidates)
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter_ns()
        rank_products(candidates)
        timings.append(time.perf_counter_ns() - start)
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    graded = rank_products(candidates, grade="excellent")
    print(f"rank_products: {PRODUCTS} products × {OFFERS_PER_PRODUCT} offers ({len(candidates)} offers), "
          f"{RUNS} runs")
    print(f"  p50 {_ms(statistics.median(timings))}   p95 {_ms(p95)}   max {_ms(timings[-1])}")
    print(f"  (grade='excellent' keeps {len(graded)} products, "
          f"{sum(len(r.offers) for r in graded)} offers)")
    print(f"Python {platform.python_version()} ({sys.implementation.name}) on {platform.system()} "
          f"{platform.machine()}, {os.cpu_count()} processors")


if __name__ == "__main__":
    main()
