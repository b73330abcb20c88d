"""Transparency pages generated from the configuration the code runs on."""
from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from litestar.response import Template

from storefront.moderation.service import CONTEST_WINDOW
from storefront.ranking import PARAMETERS, TUNING
from storefront.reviews import rules as review_rules
from storefront.settings import Settings


@get("/legal/ranking", name="ranking_explained", cache_control=None)
async def ranking_explained(settings: NamedDependency[Settings]) -> Template:
    weights = dict(settings.ranking.items())
    return Template(template_name="pages/ranking.html", context={
        "parameters": [(p, weights[p.key]) for p in PARAMETERS],
        "tuning": TUNING,
    })


@get("/legal/reviews", name="reviews_policy", cache_control=None)
async def reviews_policy() -> Template:
    """Every figure is read from storefront/reviews/rules.py when the page is made, so it cannot drift."""
    rules = review_rules
    return Template(template_name="pages/legal_reviews.html", context={
        "invitation_days": rules.INVITATION_DELAY.days,
        "edit_days": rules.EDIT_WINDOW.days,
        "max_delay_days": rules.MAX_PUBLICATION_DELAY_WORKING_DAYS,
        "max_comment_length": rules.MAX_COMMENT_LENGTH,
        "page_size": rules.PAGE_SIZE,
        "sub_ratings": list(rules.SUB_RATINGS.values()),
        "sub_rating_categories": sorted(rules.SUB_RATING_CATEGORIES),
        "sorts": rules.SORTS,
        "relevance_formula": rules.RELEVANCE_FORMULA,
        "report_reasons": list(rules.REPORT_REASONS.values()),
        "reports_per_hour": rules.REPORTS_PER_HOUR,
        "contest_months": CONTEST_WINDOW.days // 30,
    })
