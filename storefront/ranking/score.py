"""Scores: an offer's quality/price ratio, part by part, from the disclosed parameters only.

Pure functions, no I/O. Each score is the sum of six parts, one per parameter in `weights.PARAMETERS`,
each part being its weight times a value between 0 (worst) and 1 (best), so any score can be explained
line by line ("Price 0.40 × 0.93 = 0.37"). Money stays integer cents; only ratios are floats.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from storefront.ranking.weights import (
    DEFAULT_WEIGHTS,
    FULL_MARKS_SAVING,
    LATE_DELIVERY_RATE,
    PARAMETER_BY_KEY,
    PAYMENT_MEANS,
    PROCESSING_QUALITY_RATES,
    RATING_MAX,
    RATING_MIN,
    RATING_PRIOR_MEAN,
    RATING_PRIOR_WEIGHT,
    UNKNOWN_REFERENCE_PRICE_VALUE,
    RankingWeights,
    RateRule,
)

_MONEY_FIELDS = ("price_cents", "shipping_cents", "reference_price_cents")


@dataclass(frozen=True, slots=True)
class OfferSignals:
    """Everything ranking may know about one offer, and nothing more (no fee, no paid placement)."""

    offer_id: int
    product_id: int  # the variant a buyer picks (model + storage + colour)
    seller_id: int
    grade: str  # "premium" | "excellent" | "good" | "fair"
    price_cents: int  # item price incl. VAT, integer cents
    shipping_cents: int
    reference_price_cents: int  # price of the same device new; 0 if unknown
    product_rating: float | None  # average 1..5 of buyers' ratings of the product; None if none
    product_rating_count: int
    seller_rating: float | None
    seller_rating_count: int
    defect_rate: float | None  # 0..1; None when the seller has no figures yet
    wrong_item_rate: float | None
    cosmetic_rate: float | None
    late_delivery_rate: float | None
    payment_means: frozenset[str]

    def __post_init__(self) -> None:
        # A float price would make two equal prices compare unequal; refuse it at the border.
        for name in _MONEY_FIELDS:
            cents = getattr(self, name)
            if type(cents) is not int:
                raise TypeError(f"{name} must be integer cents, not {cents!r}")
            if cents < 0:
                raise ValueError(f"{name} must not be negative, not {cents}")

    @property
    def total_cents(self) -> int:
        """What the buyer pays for this offer: item plus delivery."""
        return self.price_cents + self.shipping_cents


class ScorePart(NamedTuple):
    """One line of a score: `contribution` = `weight` × `value`, with `value` between 0 and 1.

    An immutable named tuple rather than a frozen dataclass: ranking builds many of them, and a named
    tuple is built about four times faster, which helps keep ranking a results page well under 2 ms.
    """

    key: str
    label: str
    weight: float
    value: float
    contribution: float


class OfferScore(NamedTuple):
    """An offer's score among the offers it was compared with; `total` is the sum of the parts.

    A named tuple for the same reason as `ScorePart`: a product page builds one per offer.
    """

    offer: OfferSignals
    total: float
    parts: tuple[ScorePart, ...]


@dataclass(frozen=True, slots=True)
class RankedProduct:
    """A product in search results: its score, its featured offer and all its offers, best first.

    The product score is the featured offer's score with the price part replaced by the saving
    against the same device new, since offers of different products cannot be compared on price.
    `offers` is built on first use: a results page shows only featured offers, and building every
    other offer's score up front would be a third of the time spent ranking the page.
    """

    product_id: int
    score: float
    featured: OfferScore
    parts: tuple[ScorePart, ...]
    _ranked: list[_Entry] = field(repr=False, compare=False)
    _price_weight: float = field(repr=False, compare=False)
    _offers: tuple[OfferScore, ...] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def offers(self) -> tuple[OfferScore, ...]:
        """Every offer of the product (of the grade asked for, if any), best first; `featured` first."""
        if self._offers is None:
            rest = [_offer_score(entry, self._price_weight) for entry in self._ranked[1:]]
            # Caching on a frozen instance: the value is derived from fields that never change.
            object.__setattr__(self, "_offers", (self.featured, *rest))
        assert self._offers is not None
        return self._offers


# ---------------------------------------------------------------------------------------------------
# Values: each parameter turned into a number between 0 (worst) and 1 (best).


def _clamp(value: float) -> float:
    return 0.0 if value < 0.0 else 1.0 if value > 1.0 else value


def rating_value(rating: float | None, count: int) -> float:
    """Bayesian average of the ratings, mapped from 1..5 stars to 0..1.

    Adding RATING_PRIOR_WEIGHT typical ratings means no ratings scores as a typical rating, and one
    5-star rating cannot outrank hundreds of very good ones.
    """
    if rating is None or count <= 0:
        average = RATING_PRIOR_MEAN
    else:
        average = (RATING_PRIOR_MEAN * RATING_PRIOR_WEIGHT + rating * count) / (RATING_PRIOR_WEIGHT + count)
    return _clamp((average - RATING_MIN) / (RATING_MAX - RATING_MIN))


def rate_value(rate: float | None, rule: RateRule) -> float:
    """1 at a 0 % problem rate, falling evenly to 0 at `rule.zero_at`; no figures yet counts as typical."""
    return _clamp(1.0 - (rule.neutral if rate is None else rate) / rule.zero_at)


def processing_quality_value(defect: float | None, wrong_item: float | None, cosmetic: float | None) -> float:
    """The average of the defect, wrong-item and cosmetic rate values: each problem counts the same."""
    rates = (defect, wrong_item, cosmetic)
    return sum(rate_value(rate, rule) for rate, rule in zip(rates, PROCESSING_QUALITY_RATES, strict=True)) / 3


def payment_value(means: frozenset[str]) -> float:
    """The share of the platform's means of payment the offer accepts (unknown names count for nothing)."""
    return sum(1 for known in PAYMENT_MEANS if known in means) / len(PAYMENT_MEANS)


def price_value(total_cents: int, cheapest_total_cents: int) -> float:
    """cheapest / this offer's total: 1 for the cheapest, 0.5 for an offer twice as dear."""
    if total_cents <= cheapest_total_cents:
        return 1.0
    return cheapest_total_cents / total_cents


def saving_value(total_cents: int, reference_price_cents: int) -> float:
    """The saving against the new price, as a share of FULL_MARKS_SAVING; neutral when the new price is
    unknown, so a product is neither pushed up nor down for a missing figure."""
    if reference_price_cents <= 0:
        return UNKNOWN_REFERENCE_PRICE_VALUE
    saving = (reference_price_cents - total_cents) / reference_price_cents
    return _clamp(saving / FULL_MARKS_SAVING)


# ---------------------------------------------------------------------------------------------------
# Scoring. One `_Scoring` per call: the parts that depend only on the product, the seller or the means
# of payment are built once and shared by every offer with the same figures. Ranking itself needs only
# each offer's total, so it builds one sorting tuple per offer; an offer's full `OfferScore` (its own
# price part) is built when somebody asks for it.

_LABEL = {key: parameter.label for key, parameter in PARAMETER_BY_KEY.items()}
_PRICE_LABEL = _LABEL["price"]
_SAVING_LABEL = "Price against new"
# Builds a named tuple without going through its generated __new__ (about twice as fast).
_new = tuple.__new__


def _part(key: str, weight: float, value: float) -> ScorePart:
    return ScorePart(key, _LABEL[key], weight, value, weight * value)


# One scored offer, laid out for sorting: (-total, total_cents, offer_id, input index, offer, price value,
# product part, seller parts, payment part). Sorting these tuples puts the best score first, then the
# lower total price, then the lower offer id; the input index is never reached for distinct offer ids
# and keeps the comparison away from the offer itself. A plain tuple, because one is built per offer.
_Entry = tuple[float, int, int, int, OfferSignals, float, ScorePart, tuple[ScorePart, ScorePart, ScorePart],
               ScorePart]


def _offer_score(entry: _Entry, price_weight: float) -> OfferScore:
    """The full score of a ranked offer, its parts in the order of `PARAMETERS`."""
    negated_total, _, _, _, offer, value, product, (seller_rating, processing, late), payment = entry
    price = _new(ScorePart, ("price", _PRICE_LABEL, price_weight, value, price_weight * value))
    parts = (price, product, seller_rating, processing, late, payment)
    return _new(OfferScore, (offer, -negated_total, parts))


class _Scoring:
    """The scores of one call: shared parts are cached by the figures they are computed from (not by
    seller id, so two documents carrying different figures for one seller are each scored on their own)."""

    __slots__ = ("payment", "product", "seller", "weights")

    def __init__(self, weights: RankingWeights) -> None:
        self.weights = weights
        self.product: dict[tuple[float | None, int], ScorePart] = {}
        self.seller: dict[tuple[Any, ...], tuple[ScorePart, ScorePart, ScorePart]] = {}
        self.payment: dict[frozenset[str], ScorePart] = {}

    def _product_part(self, key: tuple[float | None, int]) -> ScorePart:
        part = self.product[key] = _part("product_rating", self.weights.product_rating, rating_value(*key))
        return part

    def _seller_parts(self, figures: tuple[Any, ...]) -> tuple[ScorePart, ScorePart, ScorePart]:
        w = self.weights
        rating, count, defect, wrong_item, cosmetic, late = figures
        parts = self.seller[figures] = (
            _part("seller_rating", w.seller_rating, rating_value(rating, count)),
            _part("processing_quality", w.processing_quality,
                  processing_quality_value(defect, wrong_item, cosmetic)),
            _part("late_delivery", w.late_delivery, rate_value(late, LATE_DELIVERY_RATE)),
        )
        return parts

    def _payment_part(self, means: frozenset[str]) -> ScorePart:
        part = self.payment[means] = _part("payment_means", self.weights.payment_means, payment_value(means))
        return part

    def score(self, offers: Sequence[OfferSignals], cheapest_total_cents: int) -> list[_Entry]:
        """Each offer's score, keyed for sorting: best total first, then the lower total price, then the
        lower offer id, so ties never depend on the order offers arrive in."""
        w_price = self.weights.price
        product_parts, seller_parts, payment_parts = self.product, self.seller, self.payment
        keyed: list[_Entry] = []
        product = None
        rating = count = None
        for index, offer in enumerate(offers):
            # Offers of one product share its rating: look the part up only when the figures change.
            if product is None or offer.product_rating != rating or offer.product_rating_count != count:
                rating, count = offer.product_rating, offer.product_rating_count
                product = product_parts.get((rating, count)) or self._product_part((rating, count))
            figures = (offer.seller_rating, offer.seller_rating_count, offer.defect_rate,
                       offer.wrong_item_rate, offer.cosmetic_rate, offer.late_delivery_rate)
            seller = seller_parts.get(figures) or self._seller_parts(figures)
            payment = payment_parts.get(offer.payment_means) or self._payment_part(offer.payment_means)
            total_cents = offer.price_cents + offer.shipping_cents
            # price_value(), inlined: this loop runs once per offer on every results page.
            value = 1.0 if total_cents <= cheapest_total_cents else cheapest_total_cents / total_cents
            seller_rating, processing, late = seller
            total = (w_price * value + product.contribution + seller_rating.contribution
                     + processing.contribution + late.contribution + payment.contribution)
            keyed.append((-total, total_cents, offer.offer_id, index, offer, value, product, seller, payment))
        keyed.sort()
        return keyed

    def rank(self, offers: Sequence[OfferSignals]) -> list[_Entry]:
        if not offers:
            return []
        return self.score(offers, min(o.price_cents + o.shipping_cents for o in offers))


def score_offer(
    offer: OfferSignals, *, cheapest_total_cents: int, weights: RankingWeights = DEFAULT_WEIGHTS
) -> OfferScore:
    """Score one offer against the cheapest total (price + shipping) among the offers it is compared with.

    The cheapest total is a parameter because the price part only means something relative to the
    other offers a shopper is looking at.
    """
    if type(cheapest_total_cents) is not int:
        raise TypeError(f"cheapest_total_cents must be integer cents, not {cheapest_total_cents!r}")
    return _offer_score(_Scoring(weights).score([offer], cheapest_total_cents)[0], weights.price)


def rank_offers(
    offers: Sequence[OfferSignals], *, weights: RankingWeights = DEFAULT_WEIGHTS
) -> list[OfferScore]:
    """The offers of one product, best quality/price ratio first.

    Ties go to the lower total, then the lower offer id, so a page never reshuffles between requests.
    """
    if len({o.product_id for o in offers}) > 1:
        raise ValueError("rank_offers compares offers of one product; use rank_products for several")
    return [_offer_score(e, weights.price) for e in _Scoring(weights).rank(offers)]


def featured_offer(
    offers: Sequence[OfferSignals], *, grade: str | None = None, weights: RankingWeights = DEFAULT_WEIGHTS
) -> OfferScore | None:
    """The offer a product page puts first, among one grade's offers when `grade` is given.

    The price part compares with the cheapest offer of that grade, as a shopper filtering by grade would.
    None when no offer qualifies.
    """
    if grade is not None:
        offers = [o for o in offers if o.grade == grade]
    ranked = rank_offers(offers, weights=weights)
    return ranked[0] if ranked else None


def rank_products(
    candidates: Iterable[OfferSignals], *, grade: str | None = None, weights: RankingWeights = DEFAULT_WEIGHTS
) -> list[RankedProduct]:
    """Products for a results page, best quality/price ratio first.

    Offers are grouped by product (only `grade`'s offers when given; a product without one is dropped),
    each product's offers are ranked and the best is featured. Products are ordered by the featured
    offer's score with the price part measured as the saving against the same device new, because the
    cheapest offer of a phone says nothing about the price of a laptop. Ties go to the lower featured
    total, then the lower product id.
    """
    by_product: dict[int, list[OfferSignals]] = {}
    for offer in candidates:
        if grade is not None and offer.grade != grade:
            continue
        group = by_product.get(offer.product_id)
        if group is None:
            by_product[offer.product_id] = [offer]
        else:
            group.append(offer)
    scoring = _Scoring(weights)
    w_price = weights.price
    keyed = []
    for product_id, offers in by_product.items():
        ranked = scoring.rank(offers)
        featured = _offer_score(ranked[0], w_price)
        featured_total = ranked[0][1]
        value = saving_value(featured_total, featured.offer.reference_price_cents)
        contribution = w_price * value
        price = _new(ScorePart, ("price", _SAVING_LABEL, w_price, value, contribution))
        _, product, seller_rating, processing, late, payment = featured.parts
        total = (contribution + product.contribution + seller_rating.contribution
                 + processing.contribution + late.contribution + payment.contribution)
        parts = (price, product, seller_rating, processing, late, payment)
        keyed.append((-total, featured_total, product_id,
                      RankedProduct(product_id, total, featured, parts, ranked, w_price)))
    keyed.sort()  # product ids are unique, so the comparison never reaches the RankedProduct
    return [entry[3] for entry in keyed]


# ---------------------------------------------------------------------------------------------------
# Explanations.


def explain(score: OfferScore | RankedProduct) -> list[dict[str, Any]]:
    """A score's parts as rows a template prints as they are: "Price 0.40 × 0.93 = 0.37"."""
    return [
        {
            "key": part.key,
            "label": part.label,
            "weight": part.weight,
            "value": part.value,
            "contribution": part.contribution,
            "text": f"{part.label} {part.weight:.2f} × {part.value:.2f} = {part.contribution:.2f}",
        }
        for part in score.parts
    ]
