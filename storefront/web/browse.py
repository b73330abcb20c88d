"""Home, search and category pages: one results machinery, full page or HTMX partial."""
from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from search_index.backends import SearchBackend
from search_index.query import SearchQuery
from search_index.service import Results, search
from search_index.suggestions import suggest
from storefront.catalog import queries
from storefront.catalog.grades import GRADE_BY_KEY, GRADES
from storefront.inputs import parse_whole
from storefront.settings import Settings
from storefront.web.htmx import page_or_fragment
from storefront.web.queryparams import SORTS, ParsedQuery, parse


def _storage_order(value: str) -> tuple[int, str]:
    number, _, unit = value.partition(" ")
    gb = (parse_whole(number, 10**6) or 0) * (1000 if unit == "TB" else 1)
    return gb, value


async def _facet_groups(parsed: ParsedQuery, results: Results) -> list[dict[str, Any]]:
    """Facets in display order, each value with its count, label and whether it is chosen."""
    facets = results.result.facets
    query = parsed.query
    brand_names = {b["slug"]: b["name"] for b in await queries.brands()}
    groups: list[dict[str, Any]] = [
        {"name": "brand", "label": "Brand", "multiple": True, "values": [
            {"value": slug, "label": brand_names.get(slug, slug), "count": count, "chosen": slug in query.brands}
            for slug, count in sorted(facets.get("brand", {}).items(), key=lambda kv: brand_names.get(kv[0], kv[0]))
        ]},
        {"name": "grade", "label": "Condition", "multiple": False, "values": [
            {"value": g.key, "label": g.label, "hint": g.description, "count": facets.get("grade", {}).get(g.key, 0),
             "chosen": query.grade == g.key}
            for g in GRADES
        ]},
        {"name": "storage", "label": "Storage", "multiple": True, "values": [
            {"value": v, "label": v, "count": c, "chosen": v in query.storages}
            for v, c in sorted(facets.get("storage", {}).items(), key=lambda kv: _storage_order(kv[0]))
        ]},
        {"name": "color", "label": "Colour", "multiple": True, "values": [
            {"value": v, "label": v, "count": c, "chosen": v in query.colors}
            for v, c in sorted(facets.get("color", {}).items())
        ]},
    ]
    # A chosen value stays visible even when nothing else matches, so it can be unticked.
    for group in groups:
        chosen: tuple[str, ...] = {"brand": query.brands, "storage": query.storages,
                                   "color": query.colors}.get(str(group["name"]), ())
        present = {v["value"] for v in group["values"]}
        group["values"] += [{"value": v, "label": brand_names.get(v, v), "count": 0, "chosen": True}
                            for v in chosen if v not in present]
    return [g for g in groups if g["values"]]


async def _results_context(request: Request, backend: SearchBackend, settings: Settings, *, base_url: str,
                           category: dict[str, Any] | None) -> dict[str, Any]:
    parsed = parse(request.query_params, category=category["slug"] if category else None,
                   per_page=settings.results_per_page)
    results = await search(backend, settings, parsed.query)
    pages = max(1, -(-results.result.total // parsed.query.per_page))
    nothing_found = results.result.total == 0 and parsed.query.text
    return {
        "parsed": parsed,
        "query": parsed.query,
        "results": results,
        "facet_groups": await _facet_groups(parsed, results),
        "sorts": SORTS,
        "grades": GRADE_BY_KEY,
        "base_url": base_url,
        "pages": pages,
        "category": category,
        "suggestions": (await suggest(backend, settings, parsed.query, engine_down=results.degraded)
                        if nothing_found else None),
    }


@get("/", name="home")
async def home(request: Request, backend: NamedDependency[SearchBackend],
               settings: NamedDependency[Settings]) -> Template:
    results = await search(backend, settings, SearchQuery(per_page=8))
    categories = await queries.categories_in_order()
    return Template(template_name="pages/home.html", context={
        "results": results,
        "root_categories": [c for c in categories if c["parent"] is None],
    })


@get("/search", name="search")
async def search_page(request: Request, backend: NamedDependency[SearchBackend],
               settings: NamedDependency[Settings]) -> Template:
    context = await _results_context(request, backend, settings, base_url="/search", category=None)
    return page_or_fragment(request, "pages/search.html", "partials/results.html", context)


@get("/c/{slug:str}", name="category")
async def category_page(slug: FromPath[str], request: Request, backend: NamedDependency[SearchBackend],
               settings: NamedDependency[Settings]) -> Template:
    category = await queries.category_by_slug(slug)
    if category is None:
        raise NotFoundException()
    context = await _results_context(request, backend, settings, base_url=f"/c/{slug}", category=category)
    context["breadcrumbs"] = list(reversed(await queries.category_chain(category["id"])))
    context["subcategories"] = await queries.child_categories(category["id"])
    return page_or_fragment(request, "pages/search.html", "partials/results.html", context)
