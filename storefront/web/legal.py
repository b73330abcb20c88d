"""Transparency pages generated from the configuration the code runs on.

Every figure on these pages is read from the settings or a rules module when the page is made
(`storefront.legal.figures`), so the page and the code that charges, ranks or decides cannot drift apart.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import get
from litestar.di import NamedDependency
from litestar.response import Template

from storefront.accounts.sessions import SESSION_LIFETIME
from storefront.audience.service import MONTHS_AVERAGED, published_average
from storefront.legal.figures import legal_figures
from storefront.legal.ranking_example import worked_example
from storefront.moderation.decisions import CONTEST_WINDOW
from storefront.orders.transitions import CLAIM_REASONS
from storefront.ranking import PARAMETERS, PAYMENT_MEANS, PAYMENT_MEANS_LABELS, TUNING
from storefront.reviews import rules as review_rules
from storefront.sellers.figures import MIN_DELIVERED_ORDERS
from storefront.settings import Settings


def _legal_page(template: str, settings: Settings, **context: Any) -> Template:
    return Template(template_name=f"pages/legal/{template}.html",
                    context={"figures": legal_figures(settings), **context})


def _month_label(month: str) -> str:
    """'2026-05' → 'May 2026'; anything else is shown as it came."""
    try:
        return dt.date.fromisoformat(f"{month}-01").strftime("%B %Y")
    except ValueError:
        return month


@get("/legal/ranking", name="ranking_explained", cache_control=None)
async def ranking_explained(settings: NamedDependency[Settings]) -> Template:
    weights = dict(settings.ranking.items())
    return Template(template_name="pages/ranking.html", context={
        "parameters": [(p, weights[p.key]) for p in PARAMETERS],
        "tuning": TUNING,
        "example": await worked_example(settings.ranking),
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


@get("/legal/other-information", name="other_information", cache_control=None)
async def other_information(settings: NamedDependency[Settings]) -> Template:
    publication = await published_average()
    months = [(_month_label(month), count) for month, count in publication.months] if publication else []
    return _legal_page("other_information", settings, audience=publication, audience_months=months,
                       months_averaged=MONTHS_AVERAGED,
                       review_invitation_days=review_rules.INVITATION_DELAY.days,
                       review_edit_days=review_rules.EDIT_WINDOW.days,
                       review_max_delay_days=review_rules.MAX_PUBLICATION_DELAY_WORKING_DAYS)


@get("/legal/terms", name="terms_of_use", cache_control=None)
async def terms_of_use(settings: NamedDependency[Settings]) -> Template:
    return _legal_page("terms", settings)


@get("/legal/sales-conditions", name="sales_conditions", cache_control=None)
async def sales_conditions(settings: NamedDependency[Settings]) -> Template:
    return _legal_page("sales_conditions", settings, claim_reasons=list(CLAIM_REASONS.values()),
                       payment_means=[PAYMENT_MEANS_LABELS[key] for key in PAYMENT_MEANS])


@get("/legal/commercial-guarantee", name="commercial_guarantee", cache_control=None)
async def commercial_guarantee(settings: NamedDependency[Settings]) -> Template:
    return _legal_page("commercial_guarantee", settings, claim_reasons=list(CLAIM_REASONS.values()))


@get("/legal/seller-conditions", name="seller_conditions", cache_control=None)
async def seller_conditions(settings: NamedDependency[Settings]) -> Template:
    return _legal_page("seller_conditions", settings, min_delivered_orders=MIN_DELIVERED_ORDERS,
                       parameters=PARAMETERS)


@get("/legal/privacy", name="privacy_notice", cache_control=None)
async def privacy_notice(settings: NamedDependency[Settings]) -> Template:
    return _legal_page("privacy", settings, session_days=SESSION_LIFETIME.days)


HANDLERS = [ranking_explained, reviews_policy, other_information, terms_of_use, sales_conditions,
            commercial_guarantee, seller_conditions, privacy_notice]
