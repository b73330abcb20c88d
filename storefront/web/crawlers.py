"""What search engines read besides the pages: /robots.txt, the sitemap, and each page's canonical URL.

The sitemap lists the indexable pages (storefront/catalog/sitemap.py says which catalogue pages are, and when
they last changed): the home page, the legal and contact pages, the categories and the products. Up to
URLS_PER_SITEMAP URLs it is one file; beyond, /sitemap.xml is an index of /sitemaps/1.xml, /sitemaps/2.xml …
(the protocol allows 50,000 URLs and 50 MB a file; 50,000 of our URLs take about 6 MB).
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from storefront.catalog.sitemap import indexable_catalogue
from storefront.settings import Settings
from storefront.units import machine_time
from storefront.web import legal

URLS_PER_SITEMAP = 50_000
XML = "application/xml; charset=utf-8"
NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
# Public information pages beside the legal ones: the points of contact (DSA Art. 11 and 12).
CONTACT_PAGES = ("/contact", "/contact/authorities")
# Private areas, forms and pages that change state: nothing there for a search engine, and their links would
# spend its visits. Filtered, sorted and searched results are `noindex` and their combinations endless, so
# crawling stops at them too; their first page and the plain paging (`?page=`, which the pager writes last)
# stay open. Google reads `*` and the longest matching rule; all rules here are prefixes besides.
ROBOTS_RULES = (
    "Allow: /search?page=",
    "Allow: /c/*?page=",
    "Disallow: /search?",
    "Disallow: /c/*?",
    "Disallow: /p/*/reviews?sort=",
    "Disallow: /account/",
    "Disallow: /cart",
    "Disallow: /checkout",
    "Disallow: /seller",
    "Disallow: /api/",
    "Disallow: /ops",
    "Disallow: /dev/",
    "Disallow: /sandbox/",
    "Disallow: /payments/",
    "Disallow: /login",
    "Disallow: /logout",
    "Disallow: /signup",
    "Disallow: /password/",
    "Disallow: /decisions/",
    "Disallow: /report",
    "Disallow: /reviews/",
)


@dataclass(frozen=True)
class SitemapEntry:
    url: str
    last_changed: dt.datetime | None  # None where no row says when the page changed (texts from settings)


def canonical_url(base_url: str, path: str, page: int = 1) -> str:
    """A page's own address for search engines: the public URL of its path, without tracking, sort or filter
    parameters; a later page of results or reviews keeps its number (it lists other things than the first)."""
    return f"{base_url}{path}" + (f"?page={page}" if page > 1 else "")


def _w3c(moment: dt.datetime) -> str:
    # Stored as UTC; a sitemap's time needs its zone.
    return machine_time(moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC))


async def sitemap_entries(base_url: str) -> list[SitemapEntry]:
    catalogue = await indexable_catalogue()
    information = [next(iter(handler.paths)) for handler in legal.HANDLERS] + list(CONTACT_PAGES)
    return [
        # The home page shows the newest and best offers: it changes when they do.
        SitemapEntry(f"{base_url}/", catalogue.last_changed),
        *(SitemapEntry(f"{base_url}{path}", None) for path in information),
        *(SitemapEntry(f"{base_url}/c/{c.slug}", c.last_changed) for c in catalogue.categories),
        *(SitemapEntry(f"{base_url}/p/{p.slug}", p.last_changed) for p in catalogue.products),
    ]


def _parts(entries: list[SitemapEntry]) -> list[list[SitemapEntry]]:
    return [entries[start:start + URLS_PER_SITEMAP] for start in range(0, len(entries), URLS_PER_SITEMAP)]


def _lastmod(moment: dt.datetime | None) -> str:
    return f"<lastmod>{_w3c(moment)}</lastmod>" if moment else ""


def _urlset(entries: Sequence[SitemapEntry]) -> str:
    urls = "".join(f"<url><loc>{escape(e.url)}</loc>{_lastmod(e.last_changed)}</url>\n" for e in entries)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{NAMESPACE}">\n{urls}</urlset>\n'


def _index(base_url: str, parts: list[list[SitemapEntry]]) -> str:
    items = []
    for number, part in enumerate(parts, start=1):
        newest = max((e.last_changed for e in part if e.last_changed), default=None)
        items.append(f"<sitemap><loc>{escape(base_url)}/sitemaps/{number}.xml</loc>{_lastmod(newest)}</sitemap>\n")
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{NAMESPACE}">\n{"".join(items)}'
            '</sitemapindex>\n')


@get("/robots.txt", name="robots_txt", media_type="text/plain; charset=utf-8")
async def robots_txt(settings: NamedDependency[Settings]) -> str:
    return "\n".join(["User-agent: *", *ROBOTS_RULES, "", f"Sitemap: {settings.public_base_url}/sitemap.xml", ""])


@get("/sitemap.xml", name="sitemap")
async def sitemap(settings: NamedDependency[Settings]) -> Response:
    parts = _parts(await sitemap_entries(settings.public_base_url))
    if len(parts) <= 1:
        return Response(_urlset(parts[0] if parts else []), media_type=XML)
    return Response(_index(settings.public_base_url, parts), media_type=XML)


@get("/sitemaps/{name:str}", name="sitemap_part")
async def sitemap_part(name: FromPath[str], settings: NamedDependency[Settings]) -> Response:
    number = re.fullmatch(r"([1-9]\d{0,5})\.xml", name)
    parts = _parts(await sitemap_entries(settings.public_base_url))
    if number is None or int(number.group(1)) > len(parts):
        raise NotFoundException()
    return Response(_urlset(parts[int(number.group(1)) - 1]), media_type=XML)


HANDLERS = [robots_txt, sitemap, sitemap_part]
