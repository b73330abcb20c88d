"""Static files under URLs that carry a hash of their content: kept a year by browsers, never stale."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from litestar.testing import AsyncTestClient

ROOT = Path(__file__).resolve().parents[2]
STYLESHEET = ROOT / "static/css/encore.css"


def content_hash(file: Path) -> str:
    return hashlib.sha256(file.read_bytes()).hexdigest()[:12]


async def test_every_page_links_its_assets_by_the_hash_of_their_content(client: AsyncTestClient) -> None:
    head = (await client.get("/")).text.split("</head>")[0]
    linked = sorted(re.findall(r'(?:href|src)="(/static/[^"]+)"', head))
    assert linked == sorted([
        f"/static/css/encore.{content_hash(STYLESHEET)}.css",
        f"/static/img/favicon.{content_hash(ROOT / 'static/img/favicon.svg')}.svg",
        f"/static/js/encore.{content_hash(ROOT / 'static/js/encore.js')}.js",
        f"/static/vendor/htmx.min.{content_hash(ROOT / 'static/vendor/htmx.min.js')}.js",
    ])


async def test_a_hashed_url_is_kept_a_year_without_asking_again(client: AsyncTestClient) -> None:
    response = await client.get(f"/static/css/encore.{content_hash(STYLESHEET)}.css")
    assert response.status_code == 200
    assert response.content == STYLESHEET.read_bytes()
    assert response.headers["cache-control"] == "max-age=31536000, public, immutable"
    assert response.headers["content-type"] == "text/css; charset=utf-8"


async def test_the_plain_url_and_an_old_hash_still_answer_but_are_checked_on_each_use(
        client: AsyncTestClient) -> None:
    for path in ["/static/css/encore.css", "/static/css/encore.0123456789ab.css"]:
        response = await client.get(path)
        assert response.status_code == 200, path
        assert response.content == STYLESHEET.read_bytes(), path
        assert response.headers["cache-control"] == "no-cache, public", path


async def test_only_files_under_static_are_served(client: AsyncTestClient) -> None:
    for path in ["/static/css/missing.css", "/static/css/missing.0123456789ab.css", "/static/../README.md",
                 "/static/%2e%2e/storefront/settings.py", "/static/css"]:
        assert (await client.get(path)).status_code == 404, path


def test_no_template_names_a_static_file_but_through_static_url() -> None:
    """A literal `/static/…` would be neither hashed nor cached for good."""
    for template in (ROOT / "templates").rglob("*.html"):
        assert "/static/" not in template.read_text(), template
