"""Reading reviews: the product model's published reviews, on the product page and on a page of their own
(`/p/{slug}/reviews`, sorted and paged), shown only while the product is offered."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from storefront.catalog import queries
from storefront.inputs import parse_page
from storefront.reviews import rules, service
from storefront.sellers.availability import availability
from storefront.strategy import variant_title
from storefront.web.htmx import page_or_fragment

# Beyond this a page of reviews is certainly empty: no product has a hundred thousand reviews.
MAX_PAGE = 10_000


def is_offered(model: Mapping[str, Any], offers: list[dict[str, Any]]) -> bool:
    """Reviews are shown while the product is offered: a referenced model with at least one buyable offer."""
    return any(availability(o, o["seller"], model).buyable for o in offers)


def reviews_url(slug: str, sort: str = "relevance", page: int = 1) -> str:
    """The default order goes without saying, so its links are the page's canonical URL."""
    params = [f"sort={sort}"] if sort != "relevance" else []
    params += [f"page={page}"] if page > 1 else []
    return f"/p/{slug}/reviews" + ("?" + "&".join(params) if params else "")


async def reviews_context(model_id: int, slug: str, sort: str = "relevance", page: int = 1) -> dict[str, Any]:
    """Everything templates/partials/reviews.html needs: the summary, one page of reviews, sorts and pager."""
    summary = await service.summary(model_id)
    pages = max(1, -(-summary.count // rules.PAGE_SIZE))
    page = page if 1 <= page <= pages else 1
    return {
        "reviews_slug": slug,
        "summary": summary,
        "distribution": [{"stars": stars, "count": count,
                          "percent": round(100 * count / summary.count) if summary.count else 0}
                         for stars, count in summary.distribution.items()],
        "sub_averages": [{"label": rules.SUB_RATINGS[name], "x100": x100}
                         for name, x100 in summary.sub_averages.items()],
        # No published review, no page of them to read: one query fewer for most products.
        "reviews": await service.product_reviews(model_id, sort, page, rules.PAGE_SIZE) if summary.count else [],
        "sub_rating_labels": rules.SUB_RATINGS,
        "sort": sort,
        "sorts": [{"key": key, "label": label, "url": reviews_url(slug, key)} for key, label in rules.SORTS.items()],
        "page": page,
        "pages": [{"number": n, "url": reviews_url(slug, sort, n)} for n in range(1, pages + 1)],
        "relevance_formula": rules.RELEVANCE_FORMULA,
        "max_delay_days": rules.MAX_PUBLICATION_DELAY_WORKING_DAYS,
    }


@get("/p/{slug:str}/reviews", name="product_reviews")
async def product_reviews_page(slug: FromPath[str], request: Request) -> Template:
    variant = await queries.variant_in_context(slug)
    if variant is None:
        raise NotFoundException()
    model = variant["model"]
    if not is_offered(model, await queries.offers_with_sellers(variant["id"])):
        raise NotFoundException()
    sort = request.query_params.get("sort", "relevance")
    sort = sort if sort in rules.SORTS else "relevance"
    page = parse_page(request.query_params.get("page"), MAX_PAGE)
    context = await reviews_context(model["id"], variant["slug"], sort, page)
    context.update({
        "variant": variant, "model": model,
        "title": variant_title(model["brand"]["name"], model["name"], variant["storage_gb"], variant["color"]),
        "breadcrumbs": list(reversed(await queries.category_chain(model["category"]["id"]))),
    })
    return page_or_fragment(request, "pages/product_reviews.html", "partials/reviews.html", context)


HANDLERS = [product_reviews_page]
