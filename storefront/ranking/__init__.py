"""Ranking: pure functions, no I/O. Offer signals in; scores, rankings and explanations out."""
from storefront.ranking.price_to_win import is_featured, price_to_win
from storefront.ranking.score import (
    OfferScore,
    OfferSignals,
    RankedProduct,
    ScorePart,
    explain,
    featured_offer,
    rank_offers,
    rank_products,
    score_offer,
)
from storefront.ranking.weights import (
    DEFAULT_WEIGHTS,
    PARAMETERS,
    PAYMENT_MEANS,
    PAYMENT_MEANS_LABELS,
    TUNING,
    RankingParameter,
    RankingWeights,
    TuningConstant,
)

__all__ = [
    "DEFAULT_WEIGHTS",
    "PARAMETERS",
    "PAYMENT_MEANS",
    "PAYMENT_MEANS_LABELS",
    "TUNING",
    "OfferScore",
    "OfferSignals",
    "RankedProduct",
    "RankingParameter",
    "RankingWeights",
    "ScorePart",
    "TuningConstant",
    "explain",
    "featured_offer",
    "is_featured",
    "price_to_win",
    "rank_offers",
    "rank_products",
    "score_offer",
]
