"""Reads the results-page URL (q, brand, grade, storage, color, price_min, price_max, sort, page) into a
SearchQuery, with a message for each value it had to ignore instead of an error page."""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from search_index.query import SearchQuery
from storefront.catalog.grades import GRADE_KEYS
from storefront.inputs import parse_page
from storefront.units import parse_euros

SORTS = {
    "recommended": "Recommended",
    "price_asc": "Price: low to high",
    "price_desc": "Price: high to low",
    "rating": "Best rated",
}
MAX_PAGE = 200
MAX_VALUES = 20
MAX_TEXT = 200


@dataclass
class ParsedQuery:
    query: SearchQuery
    price_min_text: str = ""
    price_max_text: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    def url(self, base: str, **changes: object) -> str:
        """The URL of these results with some parameters changed (page reset unless given)."""
        q = self.query
        params: dict[str, object] = {
            "q": q.text, "brand": list(q.brands), "grade": q.grade or "", "storage": list(q.storages),
            "color": list(q.colors), "price_min": self.price_min_text, "price_max": self.price_max_text,
            "sort": "" if q.sort == "recommended" else q.sort, "page": "",
        }
        params.update(changes)
        pairs: list[tuple[str, str]] = []
        for key, value in params.items():
            for v in value if isinstance(value, list | tuple) else [value]:
                if v in ("", None) or (key == "page" and v == 1):
                    continue
                pairs.append((key, str(v)))
        return base + ("?" + urlencode(pairs) if pairs else "")


def parse(params: object, *, category: str | None, per_page: int) -> ParsedQuery:
    """`params` is Litestar's MultiDict of query parameters."""
    get = params.get  # type: ignore[attr-defined]
    getall = params.getall  # type: ignore[attr-defined]
    errors: dict[str, str] = {}
    text = (get("q") or "").strip()[:MAX_TEXT]

    def values(name: str) -> tuple[str, ...]:
        seen: list[str] = []
        for value in getall(name, []):
            value = value.strip()[:80]
            if value and value not in seen:
                seen.append(value)
        return tuple(seen[:MAX_VALUES])

    grade = (get("grade") or "").strip().lower() or None
    if grade and grade not in GRADE_KEYS:
        errors["grade"] = "That condition does not exist; showing every condition."
        grade = None
    price_min_text = (get("price_min") or "").strip()[:12]
    price_max_text = (get("price_max") or "").strip()[:12]
    price_min = parse_euros(price_min_text)
    price_max = parse_euros(price_max_text)
    if price_min_text and price_min is None:
        errors["price_min"] = "Enter a price in euros, such as 150 or 149.99."
    if price_max_text and price_max is None:
        errors["price_max"] = "Enter a price in euros, such as 400 or 399.99."
    if price_min is not None and price_max is not None and price_min > price_max:
        errors["price_max"] = "The maximum price is below the minimum: showing both swapped."
        price_min, price_max = price_max, price_min
    sort = get("sort") or "recommended"
    if sort not in SORTS:
        sort = "recommended"
    page = parse_page(get("page"), MAX_PAGE)
    query = SearchQuery(
        text=text, category=category, brands=values("brand"), grade=grade, storages=values("storage"),
        colors=values("color"), price_min=price_min, price_max=price_max, sort=sort,  # type: ignore[arg-type]
        page=page, per_page=per_page,
    )
    return ParsedQuery(query=query, price_min_text=price_min_text, price_max_text=price_max_text, errors=errors)
