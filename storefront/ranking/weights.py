"""Ranking weights and tuning constants: every figure that decides an offer's place, in one module.

The "how ranking works" page reads `PARAMETERS`, `RankingWeights.items()` and `TUNING` from here, and
`score.py` reads the same objects, so what is disclosed is what is computed. The six parameters below
are the only ones ranking may use (DOMAIN.md, "Ranking"); nothing paid by a seller is among them.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields

from storefront.units import share_percent, stars

# ---------------------------------------------------------------------------------------------------
# The parameters, in display order, described for shoppers.


@dataclass(frozen=True)
class RankingParameter:
    """One disclosed ranking parameter: its key (a `RankingWeights` field), a label and a description."""

    key: str
    label: str
    description: str


PARAMETERS: tuple[RankingParameter, ...] = (
    RankingParameter(
        "price",
        "Price",
        "What you pay for the item, delivery included. Between offers of the same product, the cheapest "
        "gets full marks and dearer ones get less in proportion. Between products, we look at how much "
        "the best offer saves compared with buying the same device new.",
    ),
    RankingParameter(
        "product_rating",
        "Product rating",
        "The average of the ratings buyers gave this product after delivery. A product with only a few "
        "ratings is pulled towards a typical rating, so a single review neither makes nor breaks it.",
    ),
    RankingParameter(
        "seller_rating",
        "Seller rating",
        "The average of the ratings buyers gave the seller after delivery, pulled towards a typical "
        "rating while the seller has only a few, so new sellers are neither buried nor favoured.",
    ),
    RankingParameter(
        "processing_quality",
        "Order processing quality",
        "How often the seller's orders had a problem: products that were defective, wrong products or "
        "missing or wrong accessories, and products in a poorer cosmetic condition than the grade sold, "
        "counted from buyers' claims, except those Encore's team rejected as unfounded. "
        "The lower these rates, the better.",
    ),
    RankingParameter(
        "late_delivery",
        "Late deliveries",
        "How often the seller delivered after the date promised when you ordered. The lower, the better.",
    ),
    RankingParameter(
        "payment_means",
        "Means of payment",
        "How many of the means of payment we offer (card, PayPal, payment in instalments, bank "
        "transfer) the seller accepts for this offer.",
    ),
)

PARAMETER_BY_KEY: dict[str, RankingParameter] = {p.key: p for p in PARAMETERS}


# ---------------------------------------------------------------------------------------------------
# The weights.

_ENV_PREFIX = "RANKING_WEIGHT_"
_SUM_TOLERANCE = 1e-6


@dataclass(frozen=True)
class RankingWeights:
    """How much each parameter counts in an offer's score; the weights are shares that add up to 1."""

    price: float = 0.40
    product_rating: float = 0.10
    seller_rating: float = 0.15
    processing_quality: float = 0.20
    late_delivery: float = 0.10
    payment_means: float = 0.05

    def __post_init__(self) -> None:
        # Checked here so a typo in the environment stops the app at start-up, not on a results page.
        for key, weight in self.items():
            if not isinstance(weight, int | float) or isinstance(weight, bool):
                raise ValueError(f"ranking weight {key!r} must be a number, not {weight!r}")
            if not math.isfinite(weight) or weight < 0:
                raise ValueError(f"ranking weight {key!r} must be a finite number >= 0, not {weight!r}")
        total = sum(weight for _, weight in self.items())
        if abs(total - 1.0) > _SUM_TOLERANCE:
            shares = ", ".join(f"{key}={weight}" for key, weight in self.items())
            raise ValueError(f"ranking weights must add up to 1.0, but {shares} add up to {total:.6f}")

    @classmethod
    def from_environment(cls, env: Mapping[str, str]) -> RankingWeights:
        """Weights from RANKING_WEIGHT_<PARAMETER> variables; a missing or empty one keeps its default."""
        defaults = cls()
        values: dict[str, float] = {}
        for key, default in defaults.items():
            name = _ENV_PREFIX + key.upper()
            raw = (env.get(name) or "").strip()
            if not raw:
                values[key] = default
                continue
            try:
                values[key] = float(raw)
            except ValueError:
                raise ValueError(f"{name} must be a number such as 0.25, not {raw!r}") from None
        return cls(**values)

    def items(self) -> tuple[tuple[str, float], ...]:
        """(key, weight) pairs in display order, the order of `PARAMETERS`."""
        return tuple((field.name, getattr(self, field.name)) for field in fields(self))


DEFAULT_WEIGHTS = RankingWeights()


# ---------------------------------------------------------------------------------------------------
# Tuning constants: how each parameter becomes a value between 0 (worst) and 1 (best).

# Ratings are turned into a Bayesian average: the seller's or product's ratings plus RATING_PRIOR_WEIGHT
# imaginary ratings of RATING_PRIOR_MEAN stars. With no ratings the average *is* the prior (neither
# buried nor favoured); with a handful it moves only a little; with hundreds the prior hardly counts.
RATING_PRIOR_MEAN = 4.0
RATING_PRIOR_WEIGHT = 10
# The star scale: 1 star is worth 0, 5 stars are worth 1.
RATING_MIN = 1.0
RATING_MAX = 5.0


@dataclass(frozen=True)
class RateRule:
    """A problem rate (0..1) scored linearly: 0 % is worth 1, `zero_at` or more is worth 0.

    `neutral` is the typical platform rate, assumed while a seller has no figures yet, so a new seller
    starts as an average one.
    """

    key: str
    label: str
    zero_at: float
    neutral: float


DEFECT_RATE = RateRule("defect_rate", "Defective products", zero_at=0.10, neutral=0.03)
WRONG_ITEM_RATE = RateRule("wrong_item_rate", "Wrong products or accessories", zero_at=0.05, neutral=0.01)
COSMETIC_RATE = RateRule("cosmetic_rate", "Poorer cosmetic condition than sold", zero_at=0.10, neutral=0.03)
LATE_DELIVERY_RATE = RateRule("late_delivery_rate", "Late deliveries", zero_at=0.20, neutral=0.06)

# The order-processing quality value is the plain average of these three rates' values.
PROCESSING_QUALITY_RATES: tuple[RateRule, ...] = (DEFECT_RATE, WRONG_ITEM_RATE, COSMETIC_RATE)

# The means of payment the platform knows; the payment value is the share of them an offer accepts.
PAYMENT_MEANS: tuple[str, ...] = ("card", "paypal", "instalments", "bank_transfer")
PAYMENT_MEANS_LABELS: dict[str, str] = {
    "card": "Card",
    "paypal": "PayPal",
    "instalments": "Payment in instalments",
    "bank_transfer": "Bank transfer",
}

# Between products, the price part is the featured offer's saving against the same device new:
# saving / FULL_MARKS_SAVING, capped at 1 (half the new price off gets full marks, no saving gets 0).
FULL_MARKS_SAVING = 0.5
# When the new price is unknown the saving cannot be measured: the price part is this neutral value.
UNKNOWN_REFERENCE_PRICE_VALUE = 0.5


@dataclass(frozen=True)
class TuningConstant:
    """A constant as the explanation page shows it."""

    label: str
    value: str
    explanation: str


# Read as every rating reads (storefront.units), though ranking keeps it in stars.
_TYPICAL_STARS = stars(round(RATING_PRIOR_MEAN * 100))

TUNING: tuple[TuningConstant, ...] = (
    TuningConstant(
        "Typical rating", f"{_TYPICAL_STARS} stars",
        f"Every product and seller starts with {RATING_PRIOR_WEIGHT} imaginary ratings of "
        f"{_TYPICAL_STARS} stars, added to the real ones: no ratings yet counts as a typical rating.",
    ),
    *(
        TuningConstant(
            rule.label, f"0 points at {share_percent(rule.zero_at)}",
            f"A rate of 0 % gets full points, falling evenly to none at {share_percent(rule.zero_at)}. "
            f"A seller with no figures yet is counted at the typical rate of {share_percent(rule.neutral)}.",
        )
        for rule in (*PROCESSING_QUALITY_RATES, LATE_DELIVERY_RATE)
    ),
    TuningConstant(
        "Means of payment", ", ".join(PAYMENT_MEANS_LABELS[key] for key in PAYMENT_MEANS),
        f"Each accepted means of payment is worth 1/{len(PAYMENT_MEANS)} of this part.",
    ),
    TuningConstant(
        "Saving against new", f"full points at {share_percent(FULL_MARKS_SAVING)}",
        "Between products, the price part grows with the saving against the same device new; when the "
        f"new price is unknown it counts as {UNKNOWN_REFERENCE_PRICE_VALUE:g}.",
    ),
)
