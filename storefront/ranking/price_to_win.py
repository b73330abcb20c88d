"""Price to win: the highest price at which an offer would be featured in its grade, all else equal.

Pure function, no I/O. The product page features, per grade, `featured_offer(offers of the product,
grade=grade)` (storefront.strategy.product_offers); this module asks that very function, at trial prices, so
the figure a seller reads can never disagree with the page, tie-breaking included (equal scores go to the
lower total, then the lower offer id).

Why a binary search over cents is exact. Lowering the target's price, all else equal:
- its total falls, so its price value (cheapest total / its total, or 1 for the cheapest) never falls;
- the grade's cheapest total never rises, so every rival's price value (cheapest / rival's total) never rises;
- every other part is unchanged, and on a tie in score the lower total wins, which is now more often the
  target's.
Each step (a division, a multiplication by a weight, a sum of parts in a fixed order) is a correctly rounded
floating-point operation, which is monotone, so the same holds of the computed scores, not just of the exact
ones. Hence "the target is featured at price p" is true for every price below some threshold and false above
it, and a binary search finds the threshold exactly. tests/unit/test_price_to_win.py checks it on many
random cases (the stated price wins, one cent more loses, and every lower price tried wins).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from storefront.ranking.score import OfferSignals, featured_offer
from storefront.ranking.weights import DEFAULT_WEIGHTS, RankingWeights

# The lowest price an offer may take (storefront.sellers.listings.PRICE_MIN_CENTS says the same, and a unit
# test checks they agree); passed in by callers that know better, so ranking imports nothing of sellers.
DEFAULT_FLOOR_CENTS = 100


def is_featured(target: OfferSignals, rivals: Sequence[OfferSignals],
                weights: RankingWeights = DEFAULT_WEIGHTS) -> bool:
    """Whether the product page features `target` in its grade among `rivals` (offers of other grades or other
    products, and `target` itself if listed among them, are ignored)."""
    competing = [target, *_same_grade(target, rivals)]
    best = featured_offer(competing, grade=target.grade, weights=weights)
    return best is not None and best.offer.offer_id == target.offer_id


def price_to_win(target: OfferSignals, rivals: Sequence[OfferSignals], weights: RankingWeights = DEFAULT_WEIGHTS,
                 *, floor_cents: int = DEFAULT_FLOOR_CENTS, ceiling_cents: int | None = None) -> int | None:
    """The highest price in cents, from `floor_cents` to `ceiling_cents` (default: the target's current price),
    at which `target`, its shipping cost and every other signal unchanged, would be featured in its grade
    among `rivals`. None when even `floor_cents` does not win.

    With the default ceiling, the answer is the current price exactly when the offer is featured already;
    a caller wanting "how far could I raise it" passes a higher ceiling.
    """
    ceiling = target.price_cents if ceiling_cents is None else ceiling_cents
    if ceiling < floor_cents:
        return None
    competing = _same_grade(target, rivals)

    def wins(price_cents: int) -> bool:
        trial = replace(target, price_cents=price_cents)
        best = featured_offer([trial, *competing], grade=target.grade, weights=weights)
        return best is not None and best.offer.offer_id == target.offer_id

    if wins(ceiling):
        return ceiling
    if not wins(floor_cents):
        return None
    # Invariant: wins(low) and not wins(high).
    low, high = floor_cents, ceiling
    while high - low > 1:
        middle = (low + high) // 2
        if wins(middle):
            low = middle
        else:
            high = middle
    return low


def _same_grade(target: OfferSignals, rivals: Sequence[OfferSignals]) -> list[OfferSignals]:
    """The offers the target competes with: same product, same grade, not the target itself."""
    return [o for o in rivals if o.product_id == target.product_id and o.grade == target.grade
            and o.offer_id != target.offer_id]
